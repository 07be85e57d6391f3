"""Pure transform of `payments_pending_authorization` (the rule: its YAML `description`).

Inputs (from the family's SQL): `orders` (one row per order to mail about, `kind` request or
reminder, with branch, supplier and assigned authorizer), `items` (their lines) and
`authorizers` (active holders of the fallback role). Money is carried in integer cents.

Recipient: the order's authorizer when active with a usable e-mail; else every active holder of
the fallback role in the order's branch with a usable e-mail; else those serving the whole
dealership (no branch). An order nobody can receive is skipped as `no_recipient`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from alertas_rapidas.contracts.plan import Attachment, OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.families._frames import clean_text, optional_int, records_by, truthy
from alertas_rapidas.families.payments_pending_authorization import PaymentsPendingSettings
from alertas_rapidas.file_names import safe_file_name
from alertas_rapidas.money import cents, to_cents
from alertas_rapidas.recipients import address_key, normalize_address
from alertas_rapidas.schedule.run_time import RunTime


@dataclass(frozen=True)
class _Person:
    employee_id: int
    name: str
    address: str


def build_plan(frames: dict[str, pd.DataFrame], settings: PaymentsPendingSettings, run: RunTime) -> Plan:
    orders = frames["orders"]
    items = _items_by_order(frames["items"])
    pool = _fallback_pool(frames["authorizers"])
    # Reminders wait for the first run of the day at or after reminder_from_hour (not midnight).
    reminders_due = run.at.hour >= settings.reminder_from_hour
    zone = ZoneInfo(run.timezone)

    plan = Plan(candidates=0)
    for row in orders.itertuples(index=False):
        kind = clean_text(row.kind)
        if kind == "reminder" and not reminders_due:
            continue
        plan.candidates += 1
        order_id = int(row.order_id)
        business_key = (
            f"request:{order_id}" if kind == "request" else f"reminder:{order_id}:{run.run_date.isoformat()}"
        )
        assigned = _assigned_authorizer(row)
        recipients = [assigned] if assigned else _fallback_for(pool, optional_int(row.branch_id))
        if not recipients:
            plan.skipped.append(SkippedCandidate(f"payment_order:{order_id}", business_key, "no_recipient"))
            continue
        created_local = pd.Timestamp(row.created_at).tz_convert(zone)
        order_items = items.get(order_id, [])
        context = {
            "kind": kind,
            "run_date": run.run_date.isoformat(),
            "dealership": {
                "name": clean_text(row.dealership_name),
                "tax_id": clean_text(row.dealership_tax_id),
                "branch": clean_text(row.branch_name),
            },
            "supplier": {"name": clean_text(row.supplier_name), "tax_id": clean_text(row.supplier_tax_id)},
            "order": {
                "id": order_id,
                "number": clean_text(row.number),
                "currency": clean_text(row.currency),
                "amount": cents(row.amount),
                "created_date": created_local.date().isoformat(),
                "created_time": created_local.strftime("%H:%M"),
                "items": order_items,
                "total": sum(item["amount"] for item in order_items),
            },
            "pending_hours": max(0, int((run.at - created_local.to_pydatetime()).total_seconds() // 3600)),
            "recipient_name": recipients[0].name if len(recipients) == 1 else None,
            # Set when the order reaches the fallback role because its own authorizer cannot.
            "assigned_authorizer": None if assigned else (clean_text(row.authorizer_name) or None),
            "via_fallback": assigned is None,
        }
        plan.messages.append(
            OutgoingMessage(
                recipient_ref=f"employee:{recipients[0].employee_id}",
                business_key=business_key,
                to=[person.address for person in recipients],
                language=settings.language,
                display_name=recipients[0].name if len(recipients) == 1 else None,
                names={person.address: person.name for person in recipients if person.name},
                context=context,
                attachments=[_attachment(clean_text(row.number), order_id, settings.language)],
            )
        )
    return plan


def _assigned_authorizer(row: Any) -> _Person | None:
    """The order's own authorizer, when set, active and with a usable e-mail."""
    employee_id = optional_int(row.authorizer_id)
    if employee_id is None or not truthy(row.authorizer_active):
        return None
    address = normalize_address(row.authorizer_email)
    if address is None:
        return None
    return _Person(employee_id, clean_text(row.authorizer_name), address)


def _fallback_pool(authorizers: pd.DataFrame) -> dict[int | None, list[_Person]]:
    """Active fallback-role holders with a usable e-mail, by branch (None: whole dealership)."""
    pool: dict[int | None, list[_Person]] = {}
    seen: set[tuple[int | None, str]] = set()
    for row in authorizers.sort_values("employee_id").itertuples(index=False):
        address = normalize_address(row.email)
        if address is None:
            continue
        branch = optional_int(row.branch_id)
        if (branch, address_key(address)) in seen:  # two records, one mailbox: one To address
            continue
        seen.add((branch, address_key(address)))
        pool.setdefault(branch, []).append(_Person(int(row.employee_id), clean_text(row.full_name), address))
    return pool


def _fallback_for(pool: dict[int | None, list[_Person]], branch_id: int | None) -> list[_Person]:
    return pool.get(branch_id) or pool.get(None) or []


def _items_by_order(items: pd.DataFrame) -> dict[int, list[dict[str, Any]]]:
    if items.empty:
        return {}
    frame = items.assign(cents=to_cents(items["amount"])).sort_values(["order_id", "line_no"])
    return records_by(frame, "order_id", _item_record)


def _item_record(row: Any) -> dict[str, Any]:
    return {
        "invoice": clean_text(row.supplier_invoice_number),
        "description": clean_text(row.description),
        "amount": int(row.cents),
    }


def _attachment(number: str, order_id: int, language: str) -> Attachment:
    code = safe_file_name(number, fallback=str(order_id))
    stem = "payment-order" if language == "en" else "orden-de-pago"
    return Attachment(template="order", filename=f"{stem}-{code}.pdf")
