"""`alert_backorders_arrived` end to end: real PostgreSQL, real SMTP server, real DAG runs.

One scenario, run once for the module (`window_runs`): the 08:00 window, the same window again,
then the 09:00 window; each test checks one rule on what those runs left.
"""

from __future__ import annotations

import pytest

from tests.support.received import plain

pytestmark = pytest.mark.e2e

DAG_ID = "alert_backorders_arrived"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"  # window [07:00, 08:00)
NOV_1_0900_BUENOS_AIRES = "2026-11-01T12:00:00+00:00"  # window [08:00, 09:00)


LUCIA, MARTIN, PAULA = (
    ("lucia.fernandez@example.com",),
    ("martin.gomez@example.com",),
    ("paula.herrera@example.com",),
)


@pytest.fixture(scope="module")
def window_runs(dated_runs):
    """08:00, 08:00 again, then 09:00."""
    return dated_runs(
        DAG_ID,
        ("organisation.sql", "backorders_arrived.sql"),
        first=NOV_1_0800_BUENOS_AIRES,
        again=NOV_1_0800_BUENOS_AIRES,
        next=NOV_1_0900_BUENOS_AIRES,
    )


@pytest.fixture(scope="module")
def received(window_runs):
    return {tuple(m.rcpt_tos): m for m in window_runs["first"].messages}


def test_arrivals_reach_the_salesperson_or_the_parts_manager(window_runs, received):
    assert window_runs["first"].state == "success"
    assert set(received) == {
        ("lucia.fernandez@example.com",),
        ("martin.gomez@example.com",),
        ("paula.herrera@example.com",),
    }


def test_a_salesperson_gets_their_covered_lines_of_an_order_in_one_mail(received):
    # Lucía: her two covered lines of order 1, in one mail.
    lucia = received[LUCIA]
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


def test_an_inactive_salespersons_order_goes_to_the_parts_manager_escaped(received):
    # Martín: order 2, whose salesperson is inactive; customer with a malformed e-mail and markup.
    martin = received[MARTIN]
    assert martin.subject == "Ingresaron repuestos pendientes: 1 línea de pedido - 01/11/2026 08:00"
    text = plain(martin)
    assert "Ana <Martínez> & Hijos (C102), contacto: ana@@example.com" in text
    assert "Pedido N° 2 del 17/10/2026 (vendedor: Javier Sosa, inactivo)" in text
    assert "CAR-0002 Paragolpes delantero: 2 pendiente(s) en DEP-CEN-1" in text
    html = martin.message.get_body(("html",)).get_content()
    assert "Ana &lt;Martínez&gt; &amp; Hijos" in html and "<Martínez>" not in html


def test_a_salesperson_without_email_leaves_the_order_to_the_branchs_parts_manager(received):
    # Paula: order 3 in CORDOBA, whose salesperson has no e-mail; the customer neither.
    text = plain(received[PAULA])
    assert "Agropecuaria La Esperanza S.A. (C103), contacto: -" in text
    assert "(vendedor: Carolina Vázquez, sin e-mail)" in text
    assert "ELE-0004 Alternador 90 A: 1 pendiente(s) en DEP-CBA-1" in text


def test_the_ledger_and_summary_record_the_mails_and_the_uncovered_or_unreachable_orders(window_runs):
    rows = {(r["recipient_ref"], r["business_key"]): r for r in window_runs["first"].rows}
    window = "backorders:2026-11-01T08:00-03:00"
    assert {key: (row["status"], row["reason"]) for key, row in rows.items()} == {
        ("employee:100", window): ("sent", None),
        ("employee:101", window): ("sent", None),
        ("employee:104", window): ("sent", None),
        ("order:4", f"{window}:4/1"): ("skipped", "not_covered"),
        ("order:7", f"{window}:7/1"): ("skipped", "not_covered"),
        ("order:9", f"{window}:9/1"): ("skipped", "no_recipient"),
    }
    summary = window_runs["first"].summary
    assert summary["candidates"] == 7
    assert summary["sent"] == 3
    assert summary["skipped"] == {"no_recipient": 1, "not_covered": 2}


def test_the_same_window_again_sends_nothing_more(window_runs):
    assert window_runs["again"].state == "success"
    assert window_runs["again"].messages == []
    assert window_runs["again"].summary["already_sent"] == 3


def test_the_next_window_sends_its_own_arrival_once(window_runs):
    # The next window holds the 08:00:00 receipt of TRA-0001: order 6 (Lucía) fires, once.
    assert window_runs["next"].state == "success"
    [mail] = window_runs["next"].messages
    assert mail.rcpt_tos == ["lucia.fernandez@example.com"]
    text = plain(mail)
    assert "Entre las 08:00 y las 09:00 del 01/11/2026" in text
    assert "Pedido N° 6 del 23/10/2026" in text and "TRA-0001 Kit de embrague: 1 pendiente(s)" in text
    assert "SUS-0002" not in text
    summary = window_runs["next"].summary
    assert (summary["candidates"], summary["sent"], summary["skipped"]) == (1, 1, {})
