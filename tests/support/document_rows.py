"""Rows of the sales-document query results that the document families' transforms read: the
customer and dealership columns of a document row, and the frames of documents and lines."""

from __future__ import annotations

from typing import Any

import pandas as pd

CUSTOMER_COLUMNS = [
    "branch_name",
    "dealership_name",
    "dealership_tax_id",
    "local_currency",
    "customer_code",
    "legal_name",
    "tax_id",
    "email",
    "cc_emails",
    "language",
    "alerts_opt_out",
    "active",
]
"""The columns `customer_columns` fills, in the queries' order."""
LINE_COLUMNS = ["document_id", "line_no", "description", "quantity", "unit_price", "amount"]


def customer_columns(customer_id: int, customer: dict[str, Any]) -> dict[str, Any]:
    """The branch, dealership and customer columns of a document row of Casa Central; `customer`
    gives email, cc, language, opt_out and active (the last three optional)."""
    return {  # the order of CUSTOMER_COLUMNS
        "branch_name": "Casa Central",
        "dealership_name": "Autosur S.A.",
        "dealership_tax_id": "30-71234567-8",
        "local_currency": "ARS",
        "customer_code": f"C{customer_id:03d}",
        "legal_name": f"Cliente {customer_id}",
        "tax_id": "30-70000001-5",
        "email": customer["email"],
        "cc_emails": customer.get("cc"),
        "language": customer.get("language", "es"),
        "alerts_opt_out": customer.get("opt_out", False),
        "active": customer.get("active", True),
    }


def document_frames(
    docs: list[dict[str, Any]], document_columns: list[str], lines: list[tuple] | None = None
) -> dict[str, pd.DataFrame]:
    """The `documents` and `lines` frames of a transform's input."""
    return {
        "documents": pd.DataFrame(docs, columns=document_columns),
        "lines": pd.DataFrame(lines or [], columns=LINE_COLUMNS),
    }
