"""`alert_sales_documents` end to end: real PostgreSQL, real SMTP server, real DAG runs.

One scenario, run once for the module (`window_runs`): the 08:00 window, the same window again,
then the 08:15 window; each test checks one rule on what those runs left.
"""

from __future__ import annotations

import pytest

from tests.support.received import by_recipients
from tests.support.runs import pdf_text

pytestmark = pytest.mark.e2e

DAG_ID = "alert_sales_documents"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"  # window [07:45, 08:00) local
NOV_1_0815_BUENOS_AIRES = "2026-11-01T11:15:00+00:00"  # window [08:00, 08:15) local
C101 = ("Pagos@transportes.example.com", "contaduria@transportes.example.com")
C102 = ("john.smith@example.org",)


@pytest.fixture(scope="module")
def window_runs(dated_runs):
    """The 08:00 window, the same window again, then the 08:15 window."""
    return dated_runs(
        DAG_ID,
        ("organisation.sql", "sales_documents.sql"),
        first=NOV_1_0800_BUENOS_AIRES,
        again=NOV_1_0800_BUENOS_AIRES,
        next=NOV_1_0815_BUENOS_AIRES,
    )


@pytest.fixture(scope="module")
def received(window_runs):
    return by_recipients(window_runs["first"].messages)


def test_the_window_run_succeeds_and_mails_two_customers(window_runs, received):
    assert window_runs["first"].state == "success"
    assert set(received) == {C101, C102}


def test_a_spanish_customer_gets_one_mail_to_them_cc_the_valid_address_with_one_pdf_a_document(received):
    # C101: one Spanish mail, To the customer, CC the valid cc address, one PDF per document.
    c101 = received[C101]
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


def test_the_invoice_pdf_shows_the_dealership_customer_lines_and_totals(received):
    invoice = pdf_text(dict(received[C101].attachments())["factura-A-0001-00004120.pdf"])
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


def test_a_receipt_pdf_has_its_amount_and_no_due_date(received):
    receipt = pdf_text(dict(received[C101].attachments())["recibo-0001-00002650.pdf"])
    assert "Recibo 0001-00002650" in receipt and "$ 250.000,00" in receipt
    assert "Vencimiento" not in receipt  # a receipt has no due date


def test_an_english_customer_gets_english_mail_and_document_in_en_formats(received):
    # C102: English mail and document, en formats, the document's branch.
    c102 = received[C102]
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


def test_the_ledger_records_each_customer_sent_or_skipped_with_why_under_the_window_key(window_runs):
    business_key = "documents:2026-11-01T08:00:00-03:00"
    rows = {row["recipient_ref"]: row for row in window_runs["first"].rows}
    assert {ref: (row["status"], row["reason"]) for ref, row in rows.items()} == {
        "customer:101": ("sent", None),
        "customer:102": ("sent", None),
        "customer:103": ("skipped", "no_email"),
        "customer:104": ("skipped", "malformed_email"),
        "customer:105": ("skipped", "opted_out"),
        "customer:106": ("skipped", "inactive"),
    }
    assert {row["business_key"] for row in rows.values()} == {business_key}


def test_the_summary_counts_candidates_messages_sent_and_skipped(window_runs):
    summary = window_runs["first"].summary
    assert (summary["candidates"], summary["messages"], summary["sent"]) == (6, 2, 2)
    assert summary["skipped"] == {"inactive": 1, "malformed_email": 1, "no_email": 1, "opted_out": 1}


def test_the_same_window_again_sends_nothing_more(window_runs):
    again = window_runs["again"]
    assert again.state == "success"
    assert again.messages == []
    assert again.summary["already_sent"] == 2


def test_the_next_window_sends_only_its_own_document(window_runs):
    # The next window sends the debit note recorded at 08:00:00, and nothing of the first window.
    after = window_runs["next"]
    assert after.state == "success"
    [next_mail] = after.messages
    assert next_mail.subject == "Nota de débito A 0001-00000085 - Autosur S.A."
    assert [name for name, _ in next_mail.attachments()] == ["nota-de-debito-A-0001-00000085.pdf"]
    assert "Nota de débito A 0001-00000085" in pdf_text(next_mail.attachments()[0][1])
    sent = [row for row in after.rows if row["status"] == "sent"]
    assert sorted((row["recipient_ref"], row["business_key"], row["attempts"]) for row in sent) == [
        ("customer:101", "documents:2026-11-01T08:00:00-03:00", 1),
        ("customer:101", "documents:2026-11-01T08:15:00-03:00", 1),
        ("customer:102", "documents:2026-11-01T08:00:00-03:00", 1),
    ]
