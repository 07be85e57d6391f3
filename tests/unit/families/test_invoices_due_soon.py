"""The pure transform of `invoices_due_soon` on small frames shaped like its two extracts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from alertas_rapidas.families.invoices_due_soon import DueSoonSettings, sql_params
from alertas_rapidas.families.invoices_due_soon.transform import build_plan
from alertas_rapidas.schedule.run_time import resolve_run_time
from tests.support.document_rows import CUSTOMER_COLUMNS, customer_columns, document_frames

BA = "America/Argentina/Buenos_Aires"
RUN = resolve_run_time(
    timezone=BA, logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC), run_after=None, interval=None
)

DOCUMENT_COLUMNS = [
    "document_id",
    "customer_id",
    "doc_type",
    "letter",
    "number",
    "issue_date",
    "due_date",
    "days_before",
    "currency",
    "account_type",
    "subtotal",
    "tax",
    "total",
    "open_amount",
    *CUSTOMER_COLUMNS,
]

CUSTOMERS: dict[int, dict[str, Any]] = {
    1: {"email": "pagos@transportes.example.com", "cc": ["contaduria@transportes.example.com"]},
    2: {"email": "ap@andes.example.net", "language": "en"},
    3: {"email": None},
    4: {"email": "x@", "opt_out": True},
    5: {"email": "inactivo@example.com", "active": False},
    6: {"email": "roto@@example.com"},
}


def document(
    document_id: int,
    customer_id: int,
    days_before: int,
    *,
    doc_type: str = "invoice",
    currency: str = "ARS",
    open_amount: str = "1000.00",
    issued: date = date(2026, 10, 3),
    number: str | None = None,
) -> dict[str, Any]:
    customer = CUSTOMERS[customer_id]
    return {
        "document_id": document_id,
        "customer_id": customer_id,
        "doc_type": doc_type,
        "letter": "A",
        "number": number or f"0001-{document_id:08d}",
        "issue_date": issued,
        "due_date": date(2026, 11, 1 + days_before),
        "days_before": days_before,
        "currency": currency,
        "account_type": "parts",
        "subtotal": Decimal("2000.00"),
        "tax": Decimal("420.00"),
        "total": Decimal("2420.00"),
        "open_amount": Decimal(open_amount),
        **customer_columns(customer_id, customer),
    }


def frames(docs: list[dict[str, Any]], lines: list[tuple] | None = None) -> dict[str, pd.DataFrame]:
    return document_frames(docs, DOCUMENT_COLUMNS, lines)


def sample() -> dict[str, pd.DataFrame]:
    docs = [
        document(
            1, 1, 1, currency="USD", open_amount="1493.82", doc_type="debit_note", issued=date(2026, 10, 23)
        ),
        document(2, 1, 1, open_amount="471658.00"),
        document(3, 1, 1, open_amount="0.01", issued=date(2026, 10, 2)),
        document(4, 1, 5, open_amount="476498.00"),
        document(5, 2, 1, currency="USD", open_amount="1282.60"),
        document(6, 3, 5),
        document(7, 4, 1),
        document(8, 5, 5),
        document(9, 6, 1),
    ]
    lines = [(2, 1, "Amortiguador", Decimal("2.000"), Decimal("200000.00"), Decimal("400000.00"))]
    return frames(docs, lines)


def by_key(plan):
    return {(m.recipient_ref, m.business_key): m for m in plan.messages}


def test_one_message_per_customer_and_lead_time():
    plan = build_plan(sample(), DueSoonSettings(), RUN)
    assert plan.candidates == 7
    assert list(by_key(plan)) == [
        ("customer:1", "due:2026-11-02:1"),
        ("customer:2", "due:2026-11-02:1"),
        ("customer:1", "due:2026-11-06:5"),
    ]
    soon = by_key(plan)[("customer:1", "due:2026-11-02:1")]
    assert (soon.context["due_date"], soon.context["days_before"]) == ("2026-11-02", 1)
    assert soon.to == ["pagos@transportes.example.com"]
    assert soon.cc == ["contaduria@transportes.example.com"]
    assert soon.attachments == []


def test_documents_listed_local_currency_first_with_totals_per_currency():
    plan = build_plan(sample(), DueSoonSettings(), RUN)
    context = by_key(plan)[("customer:1", "due:2026-11-02:1")].context
    assert [(d["id"], d["currency"], d["open_amount"]) for d in context["documents"]] == [
        (3, "ARS", 1),
        (2, "ARS", 47_165_800),
        (1, "USD", 149_382),
    ]
    assert context["documents"][2]["title_es"] == "Nota de débito A 0001-00000001"
    assert context["totals"] == [
        {"currency": "ARS", "amount": 47_165_801},
        {"currency": "USD", "amount": 149_382},
    ]


def test_skipped_candidates_carry_their_lead_time_key_and_reason():
    plan = build_plan(sample(), DueSoonSettings(), RUN)
    assert sorted((s.recipient_ref, s.business_key, s.reason) for s in plan.skipped) == [
        ("customer:3", "due:2026-11-06:5", "no_email"),
        ("customer:4", "due:2026-11-02:1", "opted_out"),
        ("customer:5", "due:2026-11-06:5", "inactive"),
        ("customer:6", "due:2026-11-02:1", "malformed_email"),
    ]


def test_english_customer():
    plan = build_plan(sample(), DueSoonSettings(), RUN)
    message = by_key(plan)[("customer:2", "due:2026-11-02:1")]
    assert message.language == "en"
    assert message.context["documents"][0]["title_en"] == "Invoice A 0001-00000005"
    assert message.context["totals"] == [{"currency": "USD", "amount": 128_260}]


def test_rows_of_lead_times_not_configured_are_ignored():
    plan = build_plan(sample(), DueSoonSettings(days_before=5), RUN)
    assert list(by_key(plan)) == [("customer:1", "due:2026-11-06:5")]
    assert plan.candidates == 3


def test_attach_documents_adds_one_pdf_per_listed_document():
    plan = build_plan(sample(), DueSoonSettings(attach_documents=True), RUN)
    message = by_key(plan)[("customer:1", "due:2026-11-02:1")]
    assert [a.filename for a in message.attachments] == [
        "nota-de-debito-A-0001-00000001.pdf",
        "factura-A-0001-00000002.pdf",
        "factura-A-0001-00000003.pdf",
    ]
    assert {a.template for a in message.attachments} == {"_documents/document"}
    invoice = message.attachments[1].context
    assert invoice["lines"] == [
        {
            "line_no": 1,
            "description": "Amortiguador",
            "quantity": 2.0,
            "unit_price": 20_000_000,
            "amount": 40_000_000,
        }
    ]
    assert invoice["document"]["total"] == 242_000
    assert invoice["dealership"]["branch"] == "Casa Central"
    english = by_key(plan)[("customer:2", "due:2026-11-02:1")]
    assert [a.filename for a in english.attachments] == ["invoice-A-0001-00000005.pdf"]


def test_nothing_due_gives_an_empty_plan():
    plan = build_plan(frames([]), DueSoonSettings(attach_documents=True), RUN)
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


# --- settings and SQL parameters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "lead_times", "dates"),
    [
        ([5, 1], [5, 1], [date(2026, 11, 6), date(2026, 11, 2)]),
        (3, [3], [date(2026, 11, 4)]),
        ([0, 1, 1, 90], [90, 1, 0], [date(2027, 1, 30), date(2026, 11, 2), date(2026, 11, 1)]),
    ],
)
def test_days_before_accepts_a_number_or_a_list(given, lead_times, dates):
    settings = DueSoonSettings(days_before=given)
    assert settings.lead_times() == lead_times
    params = sql_params(settings, RUN)
    assert params["due_dates"] == dates
    assert params["run_date"] == date(2026, 11, 1)
    assert params["attach_documents"] is False


def test_defaults_match_the_issue():
    settings = DueSoonSettings()
    assert (settings.lead_times(), settings.attach_documents) == ([5, 1], False)


@pytest.mark.parametrize("bad", [[], -1, 91, [1, 120], True, "5", [1.5]])
def test_days_before_is_validated(bad):
    with pytest.raises(ValidationError):
        DueSoonSettings(days_before=bad)


def test_unknown_setting_is_rejected():
    with pytest.raises(ValidationError):
        DueSoonSettings(days=[1])
