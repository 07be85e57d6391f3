"""Pure transform of `supplier_payments_ready`: one mail per payment order ready to collect.

Inputs (from the family's SQL): `orders` (payment orders that became ready for pickup in the
window, with supplier, branch and dealership) and `items` (what each order pays). Money is in
integer cents; the ready instant is shown in the dealership's time zone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from alertas_rapidas.families.supplier_payments_ready import SupplierPaymentSettings
from alertas_rapidas.messages import OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.recipients import address_party
from alertas_rapidas.timing import RunTime
from alertas_rapidas.transforms.frames import clean_text, to_cents


def build_plan(frames: dict[str, pd.DataFrame], settings: SupplierPaymentSettings, run: RunTime) -> Plan:
    orders = frames["orders"]
    items = _items_by_order(frames["items"])
    plan = Plan(candidates=len(orders))
    if orders.empty:
        return plan
    orders = orders.assign(amount=to_cents(orders["amount"]))
    ready_local = pd.to_datetime(orders["ready_at"], utc=True).dt.tz_convert(run.timezone)
    orders = orders.assign(
        ready_date=ready_local.dt.strftime("%Y-%m-%d"), ready_time=ready_local.dt.strftime("%H:%M")
    )
    for row in orders.itertuples(index=False):
        recipient_ref = f"supplier:{int(row.supplier_id)}"
        business_key = f"payment_ready:{int(row.order_id)}"
        # Suppliers have no CC list and no opt-out: a payment notice is part of paying them.
        addressing = address_party(row.email, None, active=bool(row.active))
        if addressing.skip_reason:
            plan.skipped.append(SkippedCandidate(recipient_ref, business_key, addressing.skip_reason))
            continue
        language = "en" if clean_text(row.language) == "en" else "es"
        location = clean_text(row.pickup_location)
        plan.messages.append(
            OutgoingMessage(
                recipient_ref=recipient_ref,
                business_key=business_key,
                to=addressing.to,
                language=language,
                display_name=clean_text(row.legal_name) or None,
                context={
                    "dealership": {
                        "name": clean_text(row.dealership_name),
                        "tax_id": clean_text(row.dealership_tax_id),
                        "branch": clean_text(row.branch_name),
                    },
                    "supplier": {
                        "code": clean_text(row.supplier_code),
                        "legal_name": clean_text(row.legal_name),
                        "tax_id": clean_text(row.tax_id),
                    },
                    "order": {
                        "id": int(row.order_id),
                        "number": clean_text(row.number),
                        "currency": clean_text(row.currency),
                        "amount": int(row.amount),
                        "ready_date": row.ready_date,
                        "ready_time": row.ready_time,
                    },
                    "items": items.get(int(row.order_id), []),
                    "pickup": location or settings.pickup_text.for_language(language),
                    "pickup_is_default": not location,
                },
            )
        )
    return plan


def _items_by_order(items: pd.DataFrame) -> dict[int, list[dict[str, Any]]]:
    if items.empty:
        return {}
    frame = items.assign(amount=to_cents(items["amount"])).sort_values(["order_id", "line_no"], kind="stable")
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in frame.itertuples(index=False):
        grouped.setdefault(int(row.order_id), []).append(
            {
                "invoice_number": clean_text(row.supplier_invoice_number),
                "description": clean_text(row.description),
                "amount": int(row.amount),
            }
        )
    return grouped
