"""`alert_supplier_payments_ready` end to end: real PostgreSQL, real SMTP server, real DAG runs."""

from __future__ import annotations

import pytest
import yaml

from alertas_rapidas.paths import FAMILIES_DIR
from tests.support.received import by_subject
from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

CONFIG = yaml.safe_load((FAMILIES_DIR / "supplier_payments_ready.yaml").read_text(encoding="utf-8"))
DEFAULT_PICKUP_EN = CONFIG["settings"]["pickup_text"]["en"]
DAG_ID = "alert_supplier_payments_ready"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"  # window [07:00, 08:00) local
NOV_1_0900_BUENOS_AIRES = "2026-11-01T12:00:00+00:00"  # window [08:00, 09:00) local


@pytest.fixture
def payments_dms(dms):
    return load_fixtures(dms, "organisation.sql", "supplier_payments_ready.sql")


def test_each_ready_order_is_announced_to_its_supplier_once(payments_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    received = by_subject(mail_sink.store.messages)
    assert set(received) == {
        "Pago listo para retirar: orden 0001-00001522 - Autosur S.A.",
        "Pago listo para retirar: orden 0001-00001526 - Autosur S.A.",
        "Payment ready to collect: order 0100-00001511 - Autosur S.A.",
    }

    # Order 301: Spanish, to the supplier's normalised address, amount, items, pickup location.
    order = received["Pago listo para retirar: orden 0001-00001522 - Autosur S.A."]
    assert order.rcpt_tos == ["Cobranzas@repuestosdelplata.example.net"]
    assert order.message["Cc"] is None
    text = order.message.get_body(("plain",)).get_content()
    for expected in [
        "Estimados Repuestos del Plata & Cía <S.R.L.>:",
        "orden de pago 0001-00001522 por $\u00a03.205.118,75 (ARS)",
        "desde el 01/11/2026 a las 07:15 h",
        "Factura A 0002-00039741: Repuestos según remito 0001-00004128, $\u00a03.000.000,00",
        "Factura A 0002-00039755: Accesorios según remito 0001-00004130, $\u00a0205.118,75",
        "Dónde retirarlo: Tesorería Casa Central - Av. Rivadavia 1234, CABA. Lunes a viernes de 9 a 13 h.",
    ]:
        assert expected in text, expected
    html = order.message.get_body(("html",)).get_content()
    assert "Repuestos del Plata &amp; Cía &lt;S.R.L.&gt;" in html and "<S.R.L.>" not in html
    assert order.attachments() == []

    # Order 302: English, USD, en formats, no pickup location -> the configured English text.
    english = received["Payment ready to collect: order 0100-00001511 - Autosur S.A."]
    assert english.rcpt_tos == ["receivables@pacificparts.example.net"]
    text = english.message.get_body(("plain",)).get_content()
    for expected in [
        "payment order 0100-00001511 for US$\u00a012,480.00 (USD)",
        "since 1 Nov 2026 at 07:00",
        "Invoice INV-2026-0815: Brake pads, batch 0815, US$\u00a04,160.00",
        "Invoice INV-2026-0822: Shock absorbers, batch 0822, US$\u00a08,320.00",
        "Issuing branch: Sucursal Rosario - Bv. Oroño 1450.",
    ]:
        assert expected in text, expected
    assert " ".join(DEFAULT_PICKUP_EN.split()) in " ".join(text.split())

    rows = ledger_rows(ledger, "supplier_payments_ready")
    assert sorted((r["recipient_ref"], r["business_key"], r["status"], r["reason"]) for r in rows) == [
        ("supplier:301", "payment_ready:301", "sent", None),
        ("supplier:301", "payment_ready:306", "sent", None),
        ("supplier:302", "payment_ready:302", "sent", None),
        ("supplier:303", "payment_ready:303", "skipped", "no_email"),
        ("supplier:304", "payment_ready:304", "skipped", "malformed_email"),
        ("supplier:305", "payment_ready:305", "skipped", "inactive"),
    ]
    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["sent"]) == (6, 3)
    assert summary["skipped"] == {"inactive": 1, "malformed_email": 1, "no_email": 1}

    # The same window again sends nothing more.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 3

    # The next window announces the order that became ready at 08:00:00, and only that one.
    assert run_dag(dagbag, DAG_ID, NOV_1_0900_BUENOS_AIRES).state == "success"
    assert [m.subject for m in mail_sink.store.messages] == [
        "Pago listo para retirar: orden 0001-00001527 - Autosur S.A."
    ]
    assert last_summary(ledger, DAG_ID)["candidates"] == 1
