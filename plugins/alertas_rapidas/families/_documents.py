"""Sales documents as mail content, shared by the families that list or attach them
(`sales_documents`, `invoices_due_soon`): money in cents, dates as ISO strings, lines per document,
the template context of a document, its customer and dealership, the printable PDF per document,
totals per currency, and one customer's documents as one mail (`CustomerDocuments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from alertas_rapidas.contracts.plan import Attachment, OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.families._frames import address_customer, clean_text, records_by, to_iso_date
from alertas_rapidas.file_names import safe_file_name
from alertas_rapidas.formatting import DOCUMENT_TYPES
from alertas_rapidas.money import to_cents

# The shared printable document (include/templates/_documents/document.<lang>.html).
DOCUMENT_TEMPLATE = "_documents/document"

# doc_type -> (Spanish name, English name, Spanish file stem, English file stem); the names are
# formatting.DOCUMENT_TYPES' (the one place that translates document types).
_STEMS = {
    "invoice": ("factura", "invoice"),
    "credit_note": ("nota-de-credito", "credit-note"),
    "debit_note": ("nota-de-debito", "debit-note"),
    "receipt": ("recibo", "receipt"),
}
DOC_NAMES: dict[str, tuple[str, str, str, str]] = {
    code: (DOCUMENT_TYPES[code]["es"], DOCUMENT_TYPES[code]["en"], *stems) for code, stems in _STEMS.items()
}
_MONEY = ("subtotal", "tax", "total", "open_amount")
_DATES = ("issue_date", "due_date")


def prepare_documents(frame: pd.DataFrame) -> pd.DataFrame:
    """Money columns as integer cents and dates as ISO strings (None when missing)."""
    frame = frame.copy()
    for column in _MONEY:
        if column in frame.columns:
            frame[column] = to_cents(frame[column]) if not frame.empty else frame[column].astype("int64")
    for column in _DATES:
        if column in frame.columns:
            values = to_iso_date(frame[column]) if not frame.empty else frame[column]
            frame[column] = values.astype(object).where(values.notna(), None)
    return frame


def lines_by_document(lines: pd.DataFrame) -> dict[int, list[dict[str, Any]]]:
    """Document id -> its lines (description, quantity, unit price and amount in cents)."""
    if lines.empty:
        return {}
    frame = lines.assign(
        unit_price=to_cents(lines["unit_price"]),
        amount=to_cents(lines["amount"]),
        quantity=pd.to_numeric(lines["quantity"], errors="coerce").fillna(0).astype("float64"),
    ).sort_values(["document_id", "line_no"], kind="stable")
    return records_by(frame, "document_id", _line_record)


def _line_record(row: Any) -> dict[str, Any]:
    return {
        "line_no": int(row.line_no),
        "description": clean_text(row.description),
        "quantity": float(row.quantity),
        "unit_price": int(row.unit_price),
        "amount": int(row.amount),
    }


def document_record(row: dict[str, Any]) -> dict[str, Any]:
    """One document as plain data (from a `prepare_documents` row): names, number, dates, money."""
    doc_type = clean_text(row["doc_type"])
    name_es, name_en, _, _ = DOC_NAMES.get(doc_type, (doc_type, doc_type, doc_type, doc_type))
    letter = clean_text(row.get("letter"))
    number = clean_text(row["number"])
    reference = " ".join(part for part in (letter, number) if part)
    record = {
        "id": int(row["document_id"]),
        "doc_type": doc_type,
        "name_es": name_es,
        "name_en": name_en,
        "letter": letter,
        "number": number,
        "title_es": f"{name_es} {reference}",
        "title_en": f"{name_en} {reference}",
        "issue_date": row["issue_date"],
        "due_date": row.get("due_date"),
        "currency": clean_text(row["currency"]),
        "subtotal": int(row["subtotal"]),
        "tax": int(row["tax"]),
        "total": int(row["total"]),
    }
    if "open_amount" in row:
        record["open_amount"] = int(row["open_amount"])
    return record


def document_attachment(
    record: dict[str, Any], lines: list[dict[str, Any]], row: dict[str, Any], language: str
) -> Attachment:
    """The printable document as a PDF attachment, with its own context."""
    _, _, stem_es, stem_en = DOC_NAMES.get(record["doc_type"], ("", "", "documento", "document"))
    reference = "-".join(part for part in (record["letter"], record["number"]) if part)
    safe = safe_file_name(reference, fallback=str(record["id"]))
    stem = stem_en if language == "en" else stem_es
    return Attachment(
        template=DOCUMENT_TEMPLATE,
        filename=f"{stem}-{safe}.pdf",
        context={
            "dealership": {**dealership_context(row), "branch": clean_text(row["branch_name"])},
            "customer": customer_context(row),
            "document": record,
            "lines": lines,
        },
    )


def customer_language(value: object) -> str:
    return "en" if clean_text(value) == "en" else "es"


def dealership_context(row: Any) -> dict[str, str]:
    return {"name": clean_text(row["dealership_name"]), "tax_id": clean_text(row["dealership_tax_id"])}


def customer_context(row: Any) -> dict[str, str]:
    return {
        "code": clean_text(row["customer_code"]),
        "legal_name": clean_text(row["legal_name"]),
        "tax_id": clean_text(row["tax_id"]),
    }


def currency_totals(records: list[dict[str, Any]], field: str, local_currency: str) -> list[dict[str, Any]]:
    """Sum of `field` per currency: local currency first, then the others alphabetically."""
    totals: dict[str, int] = {}
    for record in records:
        totals[record["currency"]] = totals.get(record["currency"], 0) + int(record[field])
    order = sorted(totals, key=lambda code: (code != local_currency, code))
    return [{"currency": code, "amount": totals[code]} for code in order]


@dataclass
class CustomerDocuments:
    """One customer's documents (a group of prepared document rows) on their way to one mail."""

    group: pd.DataFrame

    @cached_property
    def first(self) -> Any:
        return self.group.iloc[0]

    @cached_property
    def recipient_ref(self) -> str:
        return f"customer:{int(self.first['customer_id'])}"

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        return self.group.to_dict("records")

    @cached_property
    def records(self) -> list[dict[str, Any]]:
        return [document_record(row) for row in self.rows]

    @cached_property
    def customer(self) -> dict[str, str]:
        return customer_context(self.first)

    def skipped(self, plan: Plan, business_key: str) -> bool:
        """Record the customer as skipped when they have no usable address; True when so."""
        reason = address_customer(self.first).skip_reason
        if reason:
            plan.skipped.append(SkippedCandidate(self.recipient_ref, business_key, reason))
        return bool(reason)

    def message(
        self, business_key: str, context: dict[str, Any], lines: dict[int, list[dict[str, Any]]] | None
    ) -> OutgoingMessage:
        """The mail listing the documents; each attached as a PDF when `lines` is given."""
        addressing = address_customer(self.first)
        language = customer_language(self.first["language"])
        return OutgoingMessage(
            recipient_ref=self.recipient_ref,
            business_key=business_key,
            to=addressing.to,
            cc=addressing.cc,
            language=language,
            display_name=self.customer["legal_name"] or None,
            context=context,
            attachments=[
                document_attachment(record, lines.get(record["id"], []), row, language)
                for record, row in zip(self.records, self.rows, strict=True)
            ]
            if lines is not None
            else [],
        )
