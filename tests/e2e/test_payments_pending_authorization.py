"""`alert_payments_pending_authorization` end to end: real PostgreSQL, real SMTP, real DAG runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.runs import last_summary, ledger_rows, pdf_text, run_dag

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAG_ID = "alert_payments_pending_authorization"
FAMILY = "payments_pending_authorization"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"  # window [07:00, 08:00) local
NOV_1_0900_BUENOS_AIRES = "2026-11-01T12:00:00+00:00"  # window [08:00, 09:00) local

RAUL = "Raul.Gimenez@example.com"
MONICA = "monica.suarez@example.com"


@pytest.fixture
def payments_dms(dms):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "payments_pending_authorization.sql").read_text())
    return dms


def by_subject(messages):
    return {m.subject: m for m in messages}


def test_requests_and_daily_reminders_reach_the_authorizers_once(payments_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    received = by_subject(mail_sink.store.messages)
    assert {subject: m.rcpt_tos for subject, m in received.items()} == {
        "Autorización pendiente: orden de pago 0001-00001501": [RAUL],
        "Autorización pendiente: orden de pago 0100-00000077": [MONICA],
        "Autorización pendiente: orden de pago 0100-00000076": [MONICA],
        "Recordatorio: orden de pago 0001-00001490 pendiente de autorización": [RAUL],
        "Recordatorio: orden de pago 0001-00001495 pendiente de autorización": [RAUL],
    }

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

    rows = {(row["recipient_ref"], row["business_key"]): row for row in ledger_rows(ledger, FAMILY)}
    assert {key: (row["status"], row["reason"]) for key, row in rows.items()} == {
        ("employee:100", "request:100"): ("sent", None),
        ("employee:101", "request:101"): ("sent", None),
        ("employee:101", "request:102"): ("sent", None),
        ("employee:100", "reminder:103:2026-11-01"): ("sent", None),
        ("employee:100", "reminder:108:2026-11-01"): ("sent", None),
        ("payment_order:106", "request:106"): ("skipped", "no_recipient"),
    }
    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["sent"], summary["skipped"]) == (6, 5, {"no_recipient": 1})

    # The same hour again sends nothing more.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 5

    # The next hour: the request of order 107 (created 08:00:00) and the first reminder of 109
    # (24 h old at 09:00); the reminders of 103 and 108 went out today already.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0900_BUENOS_AIRES).state == "success"
    assert {m.subject: m.rcpt_tos for m in mail_sink.store.messages} == {
        "Autorización pendiente: orden de pago 0001-00001503": [RAUL],
        "Recordatorio: orden de pago 0001-00001496 pendiente de autorización": [RAUL],
    }
    summary = last_summary(ledger, DAG_ID)
    assert (summary["sent"], summary["already_sent"]) == (2, 2)
    sent = [row for row in ledger_rows(ledger, FAMILY) if row["status"] == "sent"]
    assert len(sent) == 7 and all(row["attempts"] == 1 for row in sent)
