"""Pure transform of `invoices_due_soon` (the rule: its YAML `description`).

Input `documents` (from the family's SQL): every open invoice or debit note due on one of the
reminder dates, with `days_before` (its due date minus the run date), its customer, branch and
dealership; `lines`, only when the documents are attached as PDFs. Money is in integer cents.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from alertas_rapidas.contracts.plan import Plan
from alertas_rapidas.families._documents import (
    CustomerDocuments,
    currency_totals,
    dealership_context,
    lines_by_document,
    prepare_documents,
)
from alertas_rapidas.families._frames import clean_text
from alertas_rapidas.families.invoices_due_soon import DueSoonSettings
from alertas_rapidas.schedule.run_time import RunTime


def build_plan(frames: dict[str, pd.DataFrame], settings: DueSoonSettings, run: RunTime) -> Plan:
    documents = prepare_documents(frames["documents"])
    wanted = set(settings.lead_times())
    if not documents.empty:
        documents = documents[documents["days_before"].astype("int64").isin(wanted)]
    lines = lines_by_document(frames["lines"]) if settings.attach_documents else None

    groups = (
        list(documents.groupby(["customer_id", "days_before"], sort=False)) if not documents.empty else []
    )
    # Shorter lead times (more urgent) first, then by customer: a stable, readable order.
    groups.sort(key=lambda item: (int(item[0][1]), int(item[0][0])))
    plan = Plan(candidates=len(groups))
    for (_customer_id, days_before), group in groups:
        docs = CustomerDocuments(group)
        due_date = str(docs.first["due_date"])
        business_key = f"due:{due_date}:{int(days_before)}"
        if docs.skipped(plan, business_key):
            continue
        local_currency = clean_text(docs.first["local_currency"])
        context = _context(docs, due_date, int(days_before), local_currency, run)
        plan.messages.append(docs.message(business_key, context, lines))
    return plan


def _context(
    docs: CustomerDocuments, due_date: str, days_before: int, local_currency: str, run: RunTime
) -> dict[str, Any]:
    # Local currency first, then foreign ones; within one, by issue date.
    records = docs.records
    kind = {code: index for index, code in enumerate(_currency_order(records, local_currency))}
    listed = sorted(records, key=lambda r: (kind[r["currency"]], r["issue_date"] or "", r["id"]))
    return {
        "dealership": dealership_context(docs.first),
        "customer": docs.customer,
        "due_date": due_date,
        "days_before": days_before,
        "run_date": run.run_date.isoformat(),
        "documents": listed,
        "totals": currency_totals(records, "open_amount", local_currency),
    }


def _currency_order(records: list[dict[str, Any]], local_currency: str) -> list[str]:
    return sorted({r["currency"] for r in records}, key=lambda code: (code != local_currency, code))
