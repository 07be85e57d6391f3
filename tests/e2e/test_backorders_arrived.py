"""`alert_backorders_arrived` end to end: real PostgreSQL, real SMTP server, real DAG runs."""

from __future__ import annotations

import pytest

from tests.support.received import plain
from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

DAG_ID = "alert_backorders_arrived"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"  # window [07:00, 08:00)
NOV_1_0900_BUENOS_AIRES = "2026-11-01T12:00:00+00:00"  # window [08:00, 09:00)


@pytest.fixture
def orders_dms(dms):
    return load_fixtures(dms, "organisation.sql", "backorders_arrived.sql")


def test_arrivals_reach_the_salesperson_or_the_parts_manager_once(orders_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    received = {tuple(m.rcpt_tos): m for m in mail_sink.store.messages}
    assert set(received) == {
        ("lucia.fernandez@example.com",),
        ("martin.gomez@example.com",),
        ("paula.herrera@example.com",),
    }

    # Lucía: her two covered lines of order 1, in one mail.
    lucia = received[("lucia.fernandez@example.com",)]
    assert lucia.subject == "Ingresaron repuestos pendientes: 2 líneas de pedido - 01/11/2026 08:00"
    assert lucia.message["To"] == "Lucía Fernández <lucia.fernandez@example.com>"
    assert lucia.attachments() == []
    text = plain(lucia)
    assert "Entre las 07:00 y las 08:00 del 01/11/2026" in text
    assert "Transportes del Sur S.R.L. (C100), contacto: pagos@transportes.example.net" in text
    assert "Pedido N° 1 del 12/10/2026" in text
    assert "SUS-0002 Amortiguador trasero: 4 pendiente(s) en DEP-CEN-1" in text
    assert "FIL-0001 Filtro de aceite: 1 pendiente(s) en DEP-CEN-1" in text
    for absent in ("Pedido N° 4", "Pedido N° 7", "Pedido N° 8", "TRA-0001", "vendedor"):
        assert absent not in text, absent

    # Martín: order 2, whose salesperson is inactive; customer with a malformed e-mail and markup.
    martin = received[("martin.gomez@example.com",)]
    assert martin.subject == "Ingresaron repuestos pendientes: 1 línea de pedido - 01/11/2026 08:00"
    text = plain(martin)
    assert "Ana <Martínez> & Hijos (C102), contacto: ana@@example.com" in text
    assert "Pedido N° 2 del 17/10/2026 (vendedor: Javier Sosa, inactivo)" in text
    assert "CAR-0002 Paragolpes delantero: 2 pendiente(s) en DEP-CEN-1" in text
    html = martin.message.get_body(("html",)).get_content()
    assert "Ana &lt;Martínez&gt; &amp; Hijos" in html and "<Martínez>" not in html

    # Paula: order 3 in CORDOBA, whose salesperson has no e-mail; the customer neither.
    paula = received[("paula.herrera@example.com",)]
    text = plain(paula)
    assert "Agropecuaria La Esperanza S.A. (C103), contacto: -" in text
    assert "(vendedor: Carolina Vázquez, sin e-mail)" in text
    assert "ELE-0004 Alternador 90 A: 1 pendiente(s) en DEP-CBA-1" in text

    rows = {(r["recipient_ref"], r["business_key"]): r for r in ledger_rows(ledger, "backorders_arrived")}
    window = "backorders:2026-11-01T08:00-03:00"
    assert {key: (row["status"], row["reason"]) for key, row in rows.items()} == {
        ("employee:100", window): ("sent", None),
        ("employee:101", window): ("sent", None),
        ("employee:104", window): ("sent", None),
        ("order:4", f"{window}:4/1"): ("skipped", "not_covered"),
        ("order:7", f"{window}:7/1"): ("skipped", "not_covered"),
        ("order:9", f"{window}:9/1"): ("skipped", "no_recipient"),
    }
    summary = last_summary(ledger, DAG_ID)
    assert summary["candidates"] == 7
    assert summary["sent"] == 3
    assert summary["skipped"] == {"no_recipient": 1, "not_covered": 2}

    # The same window again sends nothing more.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 3

    # The next window holds the 08:00:00 receipt of TRA-0001: order 6 (Lucía) fires, once.
    assert run_dag(dagbag, DAG_ID, NOV_1_0900_BUENOS_AIRES).state == "success"
    [mail] = mail_sink.store.messages
    assert mail.rcpt_tos == ["lucia.fernandez@example.com"]
    text = plain(mail)
    assert "Entre las 08:00 y las 09:00 del 01/11/2026" in text
    assert "Pedido N° 6 del 23/10/2026" in text and "TRA-0001 Kit de embrague: 1 pendiente(s)" in text
    assert "SUS-0002" not in text
    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["sent"], summary["skipped"]) == (1, 1, {})
