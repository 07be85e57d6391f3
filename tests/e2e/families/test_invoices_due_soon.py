"""`alert_invoices_due_soon` end to end: real PostgreSQL, real SMTP server, real DAG runs."""

from __future__ import annotations

from datetime import datetime

import pytest

from alertas_rapidas.config import load_family_config
from alertas_rapidas.dag_factory import assemble_dag
from alertas_rapidas.families import get_family
from alertas_rapidas.paths import FAMILIES_DIR
from tests.support.received import by_subject
from tests.support.runs import last_summary, ledger_rows, pdf_text, run_dag
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

DAG_ID = "alert_invoices_due_soon"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"


@pytest.fixture
def due_dms(dms):
    return load_fixtures(dms, "organisation.sql", "invoices_due_soon.sql")


def test_reminders_per_customer_and_lead_time_once(due_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    received = by_subject(mail_sink.store.messages)
    assert set(received) == {
        "Recordatorio de vencimiento: 02/11/2026 (mañana) - Autosur S.A.",
        "Recordatorio de vencimiento: 06/11/2026 (en 5 días) - Autosur S.A.",
        "Payment reminder: due 2 Nov 2026 (tomorrow) - Autosur S.A.",
    }

    # C201, lead time 1: one mail, To the customer and CC, two currencies with their totals.
    tomorrow = received["Recordatorio de vencimiento: 02/11/2026 (mañana) - Autosur S.A."]
    assert sorted(tomorrow.rcpt_tos) == [
        "contaduria@transportes.example.com",
        "pagos@transportes.example.com",
    ]
    assert tomorrow.message["Cc"] == "contaduria@transportes.example.com"
    text = tomorrow.message.get_body(("plain",)).get_content()
    for expected in [
        "vencen mañana, 02/11/2026",
        "Factura A 0001-00004191, emitido el 03/10/2026, vence el 02/11/2026, "
        "saldo pendiente $\u00a0471.658,00",
        "Nota de débito A 0001-00000099, emitido el 23/10/2026, vence el 02/11/2026, "
        "saldo pendiente US$\u00a01.493,82",
        "Total en ARS: $\u00a0471.658,00",
        "Total en USD: US$\u00a01.493,82",
    ]:
        assert expected in text, expected
    assert text.index("Total en ARS") < text.index("Total en USD")
    assert tomorrow.attachments() == []  # attach_documents is off by default

    # C201, lead time 5: only the open, issued invoice due that day.
    in_five = received["Recordatorio de vencimiento: 06/11/2026 (en 5 días) - Autosur S.A."]
    html = in_five.message.get_body(("html",)).get_content()
    assert "Factura A 0001-00004199" in html and "$\u00a0476.498,00" in html
    for absent in ("0001-00004200", "0001-00004201", "0001-00004202", "Recibo"):  # paid, voided, +2, receipt
        assert absent not in html

    # C202: English, en formats.
    english = received["Payment reminder: due 2 Nov 2026 (tomorrow) - Autosur S.A."]
    assert english.rcpt_tos == ["ap@andesmining.example.net"]
    text = english.message.get_body(("plain",)).get_content()
    assert "Invoice A 0003-00004153, issued 3 Oct 2026, due 2 Nov 2026, amount due US$\u00a01,282.60" in text

    rows = ledger_rows(ledger, "invoices_due_soon")
    assert sorted((r["recipient_ref"], r["business_key"], r["status"], r["reason"]) for r in rows) == [
        ("customer:201", "due:2026-11-02:1", "sent", None),
        ("customer:201", "due:2026-11-06:5", "sent", None),
        ("customer:202", "due:2026-11-02:1", "sent", None),
        ("customer:203", "due:2026-11-06:5", "skipped", "no_email"),
        ("customer:204", "due:2026-11-02:1", "skipped", "opted_out"),
    ]
    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["sent"]) == (5, 3)
    assert summary["skipped"] == {"no_email": 1, "opted_out": 1}

    # The same date again sends nothing more.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 3


def test_attach_documents_adds_one_pdf_per_document(due_dms, mail_sink, ledger, airflow_db):
    """The same family with `attach_documents: true` and `days_before: 1` (one number)."""
    config, settings = load_family_config(FAMILIES_DIR / "invoices_due_soon.yaml")
    settings = type(settings).model_validate(
        {**settings.model_dump(), "attach_documents": True, "days_before": 1}
    )
    dag = assemble_dag(config, settings, get_family("invoices_due_soon"))
    run = dag.test(logical_date=datetime.fromisoformat(NOV_1_0800_BUENOS_AIRES))
    assert run.state == "success"

    subjects = sorted(m.subject for m in mail_sink.store.messages)
    assert subjects == [
        "Payment reminder: due 2 Nov 2026 (tomorrow) - Autosur S.A.",
        "Recordatorio de vencimiento: 02/11/2026 (mañana) - Autosur S.A.",
    ]
    spanish = next(m for m in mail_sink.store.messages if m.subject.startswith("Recordatorio"))
    attachments = dict(spanish.attachments())
    assert list(attachments) == ["factura-A-0001-00004191.pdf", "nota-de-debito-A-0001-00000099.pdf"]
    invoice = pdf_text(attachments["factura-A-0001-00004191.pdf"])
    for expected in [
        "Factura A 0001-00004191",
        "Vencimiento: 02/11/2026",
        "Amortiguador delantero",
        "$ 484.000,00",
    ]:
        assert expected in invoice, expected
    english = next(m for m in mail_sink.store.messages if m.subject.startswith("Payment"))
    [(filename, pdf)] = english.attachments()
    assert filename == "invoice-A-0003-00004153.pdf"
    assert "Due date: 2 Nov 2026" in pdf_text(pdf)
    assert last_summary(ledger, DAG_ID)["skipped"] == {"opted_out": 1}
