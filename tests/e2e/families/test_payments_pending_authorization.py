"""`alert_payments_pending_authorization` end to end: real PostgreSQL, real SMTP, real DAG runs.

One scenario, run once for the module (`hourly_runs`): the 08:00 hour, the same hour again, then
the 09:00 hour; each test checks one rule on what those runs left.
"""

from __future__ import annotations

import pytest

from tests.support.received import by_subject
from tests.support.runs import pdf_text

pytestmark = pytest.mark.e2e

DAG_ID = "alert_payments_pending_authorization"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"  # window [07:00, 08:00) local
NOV_1_0900_BUENOS_AIRES = "2026-11-01T12:00:00+00:00"  # window [08:00, 09:00) local

RAUL = "Raul.Gimenez@example.com"
MONICA = "monica.suarez@example.com"


@pytest.fixture(scope="module")
def hourly_runs(dated_runs):
    """08:00, 08:00 again, then 09:00."""
    return dated_runs(
        DAG_ID,
        ("organisation.sql", "payments_pending_authorization.sql"),
        eight=NOV_1_0800_BUENOS_AIRES,
        again=NOV_1_0800_BUENOS_AIRES,
        nine=NOV_1_0900_BUENOS_AIRES,
    )


@pytest.fixture(scope="module")
def received(hourly_runs):
    return by_subject(hourly_runs["eight"].messages)


def test_requests_and_reminders_reach_their_authorizers(hourly_runs, received):
    assert hourly_runs["eight"].state == "success"
    assert {subject: m.rcpt_tos for subject, m in received.items()} == {
        "Autorización pendiente: orden de pago 0001-00001501": [RAUL],
        "Autorización pendiente: orden de pago 0100-00000077": [MONICA],
        "Autorización pendiente: orden de pago 0100-00000076": [MONICA],
        "Recordatorio: orden de pago 0001-00001490 pendiente de autorización": [RAUL],
        "Recordatorio: orden de pago 0001-00001495 pendiente de autorización": [RAUL],
    }


def test_a_request_goes_to_its_own_authorizer_with_the_order_as_a_pdf(received):
    # Order 100: a request to its own authorizer, with the order as a PDF.
    request = received["Autorización pendiente: orden de pago 0001-00001501"]
    assert request.message["To"] == f"Raúl Giménez <{RAUL}>"
    assert request.message["Cc"] is None
    body = request.message.get_body(("plain",)).get_content()
    assert "espera su autorización" in body
    assert "$\u00a01.845.320,50" in body and "Repuestos del Plata S.R.L." in body
    assert "Le llega a usted" not in body
    [(filename, pdf)] = request.attachments()
    assert filename == "orden-de-pago-0001-00001501.pdf"
    text = pdf_text(pdf)
    for expected in [
        "Autosur S.A.",
        "CUIT 30-71234567-8",
        "Casa Central - Av. Rivadavia 1234, CABA",
        "Orden de pago",
        "0001-00001501",
        "01/11/2026 07:10",
        "Repuestos del Plata S.R.L.",
        "30-70812345-1",
        "ARS",
        "A 0003-00012345",
        "Pastillas de freno según remito 0002-00004512",
        "1.000.000,00",
        "A 0003-00012399",
        "845.320,50",
        "$ 1.845.320,50",
    ]:
        assert expected in text, expected


def test_orders_without_an_active_authorizer_go_to_the_branch_authorizer_saying_why(received):
    # Orders 101 (no authorizer) and 102 (inactive authorizer): the branch's payment authorizer.
    no_authorizer = received["Autorización pendiente: orden de pago 0100-00000077"]
    html = no_authorizer.message.get_body(("html",)).get_content()
    assert "Frenos &amp; Cía &lt;S.A.&gt;" in html and "<S.A.>" not in html  # autoescaped
    assert "la orden no tiene autorizador asignado" in html
    assert "Frenos & Cía <S.A.>" in pdf_text(no_authorizer.attachments()[0][1])
    inactive = received["Autorización pendiente: orden de pago 0100-00000076"]
    assert (
        "el autorizador asignado (Alejandro Peña) no está activo"
        in inactive.message.get_body(("plain",)).get_content()
    )


def test_reminders_say_how_long_the_order_has_been_pending(received):
    # Reminders: 103 pending for 46 hours (USD order), 108 exactly 24 hours (fallback to Raúl).
    usd = received["Recordatorio: orden de pago 0001-00001490 pendiente de autorización"]
    body = usd.message.get_body(("plain",)).get_content()
    assert "sigue pendiente de autorización desde hace 46 horas" in body
    assert "creada el 30/10/2026 a las 10:00" in body
    assert "US$\u00a012.480,00" in body
    assert "Pacific Parts Trading Ltd." in pdf_text(usd.attachments()[0][1])
    exactly_24h = received["Recordatorio: orden de pago 0001-00001495 pendiente de autorización"]
    body = exactly_24h.message.get_body(("plain",)).get_content()
    assert "desde hace 24 horas" in body
    assert "el autorizador asignado (Claudia Medina) no está activo o no tiene un e-mail válido" in body


def test_the_ledger_and_summary_record_requests_reminders_and_the_order_with_no_recipient(hourly_runs):
    eight = hourly_runs["eight"]
    rows = {(row["recipient_ref"], row["business_key"]): row for row in eight.rows}
    assert {key: (row["status"], row["reason"]) for key, row in rows.items()} == {
        ("employee:100", "request:100"): ("sent", None),
        ("employee:101", "request:101"): ("sent", None),
        ("employee:101", "request:102"): ("sent", None),
        ("employee:100", "reminder:103:2026-11-01"): ("sent", None),
        ("employee:100", "reminder:108:2026-11-01"): ("sent", None),
        ("payment_order:106", "request:106"): ("skipped", "no_recipient"),
    }
    summary = eight.summary
    assert (summary["candidates"], summary["sent"], summary["skipped"]) == (6, 5, {"no_recipient": 1})


def test_the_same_hour_again_sends_nothing_more(hourly_runs):
    again = hourly_runs["again"]
    assert again.state == "success"
    assert again.messages == []
    assert again.summary["already_sent"] == 5


def test_the_next_hour_sends_its_new_request_and_first_reminder_only(hourly_runs):
    # The next hour: the request of order 107 (created 08:00:00) and the first reminder of 109
    # (24 h old at 09:00); the reminders of 103 and 108 went out today already.
    nine = hourly_runs["nine"]
    assert nine.state == "success"
    assert {m.subject: m.rcpt_tos for m in nine.messages} == {
        "Autorización pendiente: orden de pago 0001-00001503": [RAUL],
        "Recordatorio: orden de pago 0001-00001496 pendiente de autorización": [RAUL],
    }
    summary = nine.summary
    assert (summary["sent"], summary["already_sent"]) == (2, 2)
    sent = [row for row in nine.rows if row["status"] == "sent"]
    assert len(sent) == 7 and all(row["attempts"] == 1 for row in sent)
