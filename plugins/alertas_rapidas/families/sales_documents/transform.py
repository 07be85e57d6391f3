"""Pure transform of `sales_documents` (the rule is its YAML `description`): the window's
documents and their lines in, one mail per customer with one printable PDF per document out."""

from __future__ import annotations

import pandas as pd

from alertas_rapidas.contracts.plan import Plan
from alertas_rapidas.families import _documents as documents_mail
from alertas_rapidas.families.sales_documents import SalesDocumentSettings
from alertas_rapidas.schedule.run_time import RunTime


def build_plan(frames: dict[str, pd.DataFrame], settings: SalesDocumentSettings, run: RunTime) -> Plan:
    documents = documents_mail.prepare_documents(frames["documents"])
    lines = documents_mail.lines_by_document(frames["lines"])
    business_key = f"documents:{run.window_end.isoformat()}"

    plan = Plan(candidates=int(documents["customer_id"].nunique()) if not documents.empty else 0)
    for _customer_id, group in documents.groupby("customer_id", sort=False):
        docs = documents_mail.CustomerDocuments(group)
        if docs.skipped(plan, business_key):
            continue
        context = {
            "dealership": documents_mail.dealership_context(docs.first),
            "customer": docs.customer,
            "documents": docs.records,
        }
        plan.messages.append(docs.message(business_key, context, lines))
    return plan
