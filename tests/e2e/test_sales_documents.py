"""`alert_sales_documents` end to end: real PostgreSQL, real SMTP server, real DAG runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.runs import last_summary, ledger_rows, pdf_text, run_dag

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAG_ID = "alert_sales_documents"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"  # window [07:45, 08:00) local
NOV_1_0815_BUENOS_AIRES = "2026-11-01T11:15:00+00:00"  # window [08:00, 08:15) local


@pytest.fixture
def documents_dms(dms):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "sales_documents.sql").read_text())
    return dms


def by_recipient(messages):
    return {tuple(sorted(m.rcpt_tos)): m for m in messages}


def test_window_documents_reach_their_customers_once(documents_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    received = by_recipient(mail_sink.store.messages)
    assert set(received) == {
        ("Pagos@transportes.example.com", "contaduria@transportes.example.com"),
        ("john.smith@example.org",),
    }

    # C101: one Spanish mail, To the customer, CC the valid cc address, one PDF per document.
    c101 = received[("Pagos@transportes.example.com", "contaduria@transportes.example.com")]
    mail = c101.message
    assert mail["Subject"] == "2 comprobantes nuevos - Autosur S.A."
    assert "Pagos@transportes.example.com" in mail["To"]
    assert mail["Cc"] == "contaduria@transportes.example.com"
    html = mail.get_body(("html",)).get_content()
    assert "Factura A 0001-00004120" in html and "Recibo 0001-00002650" in html
    assert "Transportes del Sur &amp; Cía &lt;S.R.L.&gt;" in html and "<S.R.L.>" not in html
    assert "$\u00a012.100,00" in html and "$\u00a0250.000,00" in html
    for absent in ("0001-00004121", "0001-00004119", "0001-00000085"):  # voided, before, after
        assert absent not in html
    attachments = dict(c101.attachments())
    assert list(attachments) == ["factura-A-0001-00004120.pdf", "recibo-0001-00002650.pdf"]

    invoice = pdf_text(attachments["factura-A-0001-00004120.pdf"])
    for expected in [
        "Autosur S.A.",
        "CUIT 30-71234567-8",
        "Casa Central - Av. Rivadavia 1234, CABA",
        "Factura A 0001-00004120",
        "Fecha de emisión: 01/11/2026",
        "Vencimiento: 01/12/2026",
        "Moneda: ARS",
        "Transportes del Sur & Cía <S.R.L.>",
        "30-70000001-5",
        "Filtro de aceite",
        "1,5",
        "4.000,00",
        "6.000,00",
        "Kit de cortesía (sin cargo)",
        "13.900,00",
        "Subtotal",
        "10.000,00",
        "2.100,00",
        "$ 12.100,00",
    ]:
        assert expected in invoice, expected
    receipt = pdf_text(attachments["recibo-0001-00002650.pdf"])
    assert "Recibo 0001-00002650" in receipt and "$ 250.000,00" in receipt
    assert "Vencimiento" not in receipt  # a receipt has no due date

    # C102: English mail and document, en formats, the document's branch.
    c102 = received[("john.smith@example.org",)]
    assert c102.subject == "Invoice B 0100-00004130 - Autosur S.A."
    [(filename, pdf)] = c102.attachments()
    assert filename == "invoice-B-0100-00004130.pdf"
    text = pdf_text(pdf)
    for expected in [
        "Invoice B 0100-00004130",
        "Sucursal Rosario",
        "Issue date: 1 Nov 2026",
        "US$ 58,685.00",
    ]:
        assert expected in text, expected

    business_key = "documents:2026-11-01T08:00:00-03:00"
    rows = {row["recipient_ref"]: row for row in ledger_rows(ledger, "sales_documents")}
    assert {ref: (row["status"], row["reason"]) for ref, row in rows.items()} == {
        "customer:101": ("sent", None),
        "customer:102": ("sent", None),
        "customer:103": ("skipped", "no_email"),
        "customer:104": ("skipped", "malformed_email"),
        "customer:105": ("skipped", "opted_out"),
        "customer:106": ("skipped", "inactive"),
    }
    assert {row["business_key"] for row in rows.values()} == {business_key}

    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["messages"], summary["sent"]) == (6, 2, 2)
    assert summary["skipped"] == {"inactive": 1, "malformed_email": 1, "no_email": 1, "opted_out": 1}

    # The same window again sends nothing more.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 2

    # The next window sends the debit note recorded at 08:00:00, and nothing of the first window.
    assert run_dag(dagbag, DAG_ID, NOV_1_0815_BUENOS_AIRES).state == "success"
    [next_mail] = mail_sink.store.messages
    assert next_mail.subject == "Nota de débito A 0001-00000085 - Autosur S.A."
    assert [name for name, _ in next_mail.attachments()] == ["nota-de-debito-A-0001-00000085.pdf"]
    assert "Nota de débito A 0001-00000085" in pdf_text(next_mail.attachments()[0][1])
    sent = [row for row in ledger_rows(ledger, "sales_documents") if row["status"] == "sent"]
    assert sorted((row["recipient_ref"], row["business_key"], row["attempts"]) for row in sent) == [
        ("customer:101", "documents:2026-11-01T08:00:00-03:00", 1),
        ("customer:101", "documents:2026-11-01T08:15:00-03:00", 1),
        ("customer:102", "documents:2026-11-01T08:00:00-03:00", 1),
    ]
