"""The pure transform of `sales_documents` on small frames shaped like its two extracts.

Frames mirror `sql/sales_documents/*.sql`: money as `decimal.Decimal`, dates as `datetime.date`,
`cc_emails` as lists (and, in one test, exactly as the extract's Parquet files read back).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from alertas_rapidas.contracts.tasks import ExtractResult
from alertas_rapidas.families.sales_documents import SalesDocumentSettings, sql_params
from alertas_rapidas.families.sales_documents.transform import build_plan
from alertas_rapidas.schedule.run_time import RunTime, resolve_run_time
from tests.support.document_rows import CUSTOMER_COLUMNS, LINE_COLUMNS, customer_columns, document_frames

BA = "America/Argentina/Buenos_Aires"
RUN = resolve_run_time(
    timezone=BA,
    logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    run_after=None,
    interval=timedelta(minutes=15),
)
KEY = "documents:2026-11-01T08:00:00-03:00"

DOCUMENT_COLUMNS = [
    "document_id",
    "customer_id",
    "doc_type",
    "letter",
    "number",
    "issue_date",
    "due_date",
    "currency",
    "account_type",
    "subtotal",
    "tax",
    "total",
    "created_at",
    *CUSTOMER_COLUMNS,
]

CUSTOMERS: dict[int, dict[str, Any]] = {
    1: {"email": "Pagos@Transportes.example.com", "cc": ["contaduria@transportes.example.com", "roto@"]},
    2: {"email": "john@example.org", "language": "en"},
    3: {"email": None},
    4: {"email": "carlos@@example.com"},
    5: {"email": "lucia@example.com", "opt_out": True},
    6: {"email": "jorge@example.com", "active": False, "opt_out": True},
}


def document(
    document_id: int,
    customer_id: int,
    doc_type: str = "invoice",
    letter: str | None = "A",
    number: str = "0001-00004120",
    *,
    due: date | None = date(2026, 12, 1),
    currency: str = "ARS",
    total: str = "12100.00",
    minute: int = 47,
) -> dict[str, Any]:
    customer = CUSTOMERS[customer_id]
    total_dec = Decimal(total)
    return {
        "document_id": document_id,
        "customer_id": customer_id,
        "doc_type": doc_type,
        "letter": letter,
        "number": number,
        "issue_date": date(2026, 11, 1),
        "due_date": due,
        "currency": currency,
        "account_type": "parts",
        "subtotal": (total_dec / Decimal("1.21")).quantize(Decimal("0.01")),
        "tax": total_dec - (total_dec / Decimal("1.21")).quantize(Decimal("0.01")),
        "total": total_dec,
        "created_at": datetime(2026, 11, 1, 10, minute, tzinfo=UTC),
        **customer_columns(customer_id, customer),
    }


def frames(docs: list[dict[str, Any]], lines: list[tuple] | None = None) -> dict[str, pd.DataFrame]:
    return document_frames(docs, DOCUMENT_COLUMNS, lines)


def sample_rows() -> tuple[list[dict[str, Any]], list[tuple]]:
    docs = [
        document(10, 1, minute=45),
        document(11, 1, "receipt", None, "0001-00002650", due=None, total="250000.00", minute=52),
        document(12, 2, "credit_note", "B", "0002-00000310", due=None, currency="USD", total="99.99"),
        *[document(20 + cid, cid) for cid in (3, 4, 5, 6)],
    ]
    lines = [
        (10, 2, "Aceite", Decimal("1.000"), Decimal("4000.00"), Decimal("4000.00")),
        (10, 1, "Filtro", Decimal("1.500"), Decimal("4000.00"), Decimal("6000.00")),
        (10, 3, "Kit sin cargo", Decimal("0.000"), Decimal("13900.00"), Decimal("0.00")),
        (11, 1, "Cobranza", Decimal("1.000"), Decimal("250000.00"), Decimal("250000.00")),
    ]
    return docs, lines


def sample_frames() -> dict[str, pd.DataFrame]:
    return frames(*sample_rows())


def by_ref(plan):
    return {m.recipient_ref: m for m in plan.messages}


def test_one_message_per_customer_with_one_pdf_per_document():
    plan = build_plan(sample_frames(), SalesDocumentSettings(), RUN)

    assert plan.candidates == 6
    assert set(by_ref(plan)) == {"customer:1", "customer:2"}
    c1 = by_ref(plan)["customer:1"]
    assert c1.business_key == KEY
    assert [d["title_es"] for d in c1.context["documents"]] == [
        "Factura A 0001-00004120",
        "Recibo 0001-00002650",
    ]
    assert [a.filename for a in c1.attachments] == ["factura-A-0001-00004120.pdf", "recibo-0001-00002650.pdf"]
    assert {a.template for a in c1.attachments} == {"_documents/document"}


def test_document_pdf_context_is_self_contained_with_exact_cents():
    plan = build_plan(sample_frames(), SalesDocumentSettings(), RUN)
    invoice, receipt = by_ref(plan)["customer:1"].attachments
    context = invoice.context
    assert context["dealership"] == {
        "name": "Autosur S.A.",
        "tax_id": "30-71234567-8",
        "branch": "Casa Central",
    }
    assert context["customer"] == {"code": "C001", "legal_name": "Cliente 1", "tax_id": "30-70000001-5"}
    doc = context["document"]
    assert (doc["subtotal"], doc["tax"], doc["total"]) == (1_000_000, 210_000, 1_210_000)
    assert (doc["issue_date"], doc["due_date"], doc["currency"]) == ("2026-11-01", "2026-12-01", "ARS")
    assert [
        (line["line_no"], line["quantity"], line["unit_price"], line["amount"]) for line in context["lines"]
    ] == [
        (1, 1.5, 400_000, 600_000),
        (2, 1.0, 400_000, 400_000),
        (3, 0.0, 1_390_000, 0),
    ]
    assert receipt.context["document"]["due_date"] is None
    assert receipt.context["document"]["letter"] == ""


def test_addressing_drops_malformed_cc_and_skips_with_one_reason_each():
    plan = build_plan(sample_frames(), SalesDocumentSettings(), RUN)
    c1 = by_ref(plan)["customer:1"]
    assert c1.to == ["Pagos@transportes.example.com"]
    assert c1.cc == ["contaduria@transportes.example.com"]
    assert c1.display_name == "Cliente 1"
    assert {(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped} == {
        ("customer:3", KEY, "no_email"),
        ("customer:4", KEY, "malformed_email"),
        ("customer:5", KEY, "opted_out"),
        ("customer:6", KEY, "inactive"),  # inactive wins over opted out
    }


def test_english_customer_gets_english_names_and_filenames():
    plan = build_plan(sample_frames(), SalesDocumentSettings(), RUN)
    c2 = by_ref(plan)["customer:2"]
    assert c2.language == "en"
    assert c2.context["documents"][0]["title_en"] == "Credit note B 0002-00000310"
    assert [a.filename for a in c2.attachments] == ["credit-note-B-0002-00000310.pdf"]
    assert c2.attachments[0].context["lines"] == []  # a document without lines still prints


def test_every_document_type_has_its_spanish_name():
    docs = [
        document(1, 1, "invoice", "B", "0001-00000001"),
        document(2, 1, "credit_note", "B", "0001-00000002"),
        document(3, 1, "debit_note", "B", "0001-00000003"),
        document(4, 1, "receipt", None, "0001-00000004"),
    ]
    [message] = build_plan(frames(docs), SalesDocumentSettings(), RUN).messages
    assert [d["title_es"] for d in message.context["documents"]] == [
        "Factura B 0001-00000001",
        "Nota de crédito B 0001-00000002",
        "Nota de débito B 0001-00000003",
        "Recibo 0001-00000004",
    ]
    assert [a.filename for a in message.attachments] == [
        "factura-B-0001-00000001.pdf",
        "nota-de-credito-B-0001-00000002.pdf",
        "nota-de-debito-B-0001-00000003.pdf",
        "recibo-0001-00000004.pdf",
    ]


def test_attachment_filename_is_file_system_safe():
    [message] = build_plan(
        frames([document(1, 1, number="0001/../00004120 x")]), SalesDocumentSettings(), RUN
    ).messages
    assert message.attachments[0].filename == "factura-A-0001-00004120-x.pdf"


def test_empty_window_gives_an_empty_plan():
    plan = build_plan(frames([]), SalesDocumentSettings(), RUN)
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_business_key_is_the_window_end_so_windows_never_collide():
    later = RunTime(
        BA, RUN.at + timedelta(minutes=15), RUN.window_end, RUN.window_end + timedelta(minutes=15)
    )
    [message] = build_plan(frames([document(1, 1)]), SalesDocumentSettings(), later).messages
    assert message.business_key == "documents:2026-11-01T08:15:00-03:00"


# --- settings and SQL parameters ----------------------------------------------------------------


def test_sql_params_carry_the_window_and_doc_types():
    params = sql_params(SalesDocumentSettings(), RUN)
    assert params["window_start"] == datetime(2026, 11, 1, 10, 45, tzinfo=UTC)
    assert params["window_end"] == datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    assert params["doc_types"] == ["invoice", "credit_note", "debit_note", "receipt"]
    assert sql_params(SalesDocumentSettings(doc_types="all"), RUN)["doc_types"] == params["doc_types"]
    only = SalesDocumentSettings(doc_types=["invoice", "invoice", "receipt"])
    assert sql_params(only, RUN)["doc_types"] == ["invoice", "receipt"]


@pytest.mark.parametrize("bad", [[], ["factura"], "some", {"invoice": True}])
def test_doc_types_setting_is_validated(bad):
    with pytest.raises(ValidationError):
        SalesDocumentSettings(doc_types=bad)


def test_unknown_setting_is_rejected():
    with pytest.raises(ValidationError):
        SalesDocumentSettings(doc_type=["invoice"])


# --- the real extract shape ---------------------------------------------------------------------


def _write_parquet(tmp_path, docs: list[dict[str, Any]], lines: list[tuple]) -> list[ExtractResult]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = parquet_types()
    data = {
        "documents": (DOCUMENT_COLUMNS, docs),
        "lines": (LINE_COLUMNS, [dict(zip(LINE_COLUMNS, line, strict=True)) for line in lines]),
    }
    results = []
    for name, (columns, rows) in data.items():
        schema = pa.schema([pa.field(c, types.get(c, pa.string())) for c in columns])
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
        results.append(ExtractResult(name, str(path), len(rows)))
    return results


def parquet_types() -> dict[str, Any]:
    import pyarrow as pa

    money = pa.decimal128(14, 2)
    return {
        "document_id": pa.int64(),
        "customer_id": pa.int64(),
        "line_no": pa.int64(),
        "issue_date": pa.date32(),
        "due_date": pa.date32(),
        "subtotal": money,
        "tax": money,
        "total": money,
        "unit_price": money,
        "amount": money,
        "quantity": pa.decimal128(12, 3),
        "created_at": pa.timestamp("us", tz="UTC"),
        "cc_emails": pa.list_(pa.string()),
        "alerts_opt_out": pa.bool_(),
        "active": pa.bool_(),
    }


def test_frames_read_back_from_parquet_give_the_same_plan(tmp_path):
    """As the extract writes them: numeric as decimal128, date32, timestamptz, text[] as list."""
    from alertas_rapidas.extract import load_frames

    results = _write_parquet(tmp_path, *sample_rows())
    from_parquet = build_plan(load_frames(results), SalesDocumentSettings(), RUN)
    assert from_parquet == build_plan(sample_frames(), SalesDocumentSettings(), RUN)
    assert by_ref(from_parquet)["customer:1"].attachments[1].context["document"]["due_date"] is None


def test_empty_extracts_read_back_from_parquet_give_an_empty_plan(tmp_path):
    from alertas_rapidas.extract import load_frames

    results = _write_parquet(tmp_path, [], [])
    plan = build_plan(load_frames(results), SalesDocumentSettings(), RUN)
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])
