"""Pure transform of `sales_documents` (the rule is its YAML `description`): the window's
documents and their lines in, one mail per customer with one printable PDF per document out."""

from __future__ import annotations

import pandas as pd

from alertas_rapidas.families._documents import (
    customer_context,
    customer_language,
    dealership_context,
    document_attachment,
    document_record,
    lines_by_document,
    prepare_documents,
)
from alertas_rapidas.families._frames import address_customer
from alertas_rapidas.families.sales_documents import SalesDocumentSettings
from alertas_rapidas.messages import OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.timing import RunTime


def build_plan(frames: dict[str, pd.DataFrame], settings: SalesDocumentSettings, run: RunTime) -> Plan:
    documents = prepare_documents(frames["documents"])
    lines = lines_by_document(frames["lines"])
    business_key = f"documents:{run.window_end.isoformat()}"

    plan = Plan(candidates=int(documents["customer_id"].nunique()) if not documents.empty else 0)
    for customer_id, group in documents.groupby("customer_id", sort=False):
        first = group.iloc[0]
        recipient_ref = f"customer:{int(customer_id)}"
        addressing = address_customer(first)
        if addressing.skip_reason:
            plan.skipped.append(SkippedCandidate(recipient_ref, business_key, addressing.skip_reason))
            continue
        language = customer_language(first["language"])
        records = [document_record(row) for row in group.to_dict("records")]
        customer = customer_context(first)
        plan.messages.append(
            OutgoingMessage(
                recipient_ref=recipient_ref,
                business_key=business_key,
                to=addressing.to,
                cc=addressing.cc,
                language=language,
                display_name=customer["legal_name"] or None,
                context={
                    "dealership": dealership_context(first),
                    "customer": customer,
                    "documents": records,
                },
                attachments=[
                    document_attachment(record, lines.get(record["id"], []), row, language)
                    for record, row in zip(records, group.to_dict("records"), strict=True)
                ],
            )
        )
    return plan
