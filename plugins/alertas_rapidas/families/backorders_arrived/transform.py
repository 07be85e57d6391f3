"""Pure transform of `backorders_arrived` (the rule: its YAML `description`); the details here.

Inputs (from the family's SQL): `arrivals` (what arrived in the window per part and warehouse),
`pending_lines` (back-ordered lines of open orders for those parts and warehouses) and
`fallback_staff` (employees of the fallback role).

The rule, per part and warehouse: the quantity that arrived in the window is allocated to the
pending lines oldest order first (order created_at, order id, line no). A line is notified when
the allocation covers its whole pending quantity, i.e. when the pending quantities of it and of
every older line add up to no more than what arrived. Allocation is strictly oldest-first: a line
that is only partly covered keeps the rest of the arrival for itself (it is not handed to newer,
smaller lines) and is not notified; it is recorded as skipped with reason `not_covered`.
Arrivals of different windows are not added up.

Recipient of a covered line: the order's salesperson when active with a usable e-mail; else every
active employee of `fallback_role` of the order's branch with a usable e-mail, else those of the
whole dealership (no branch). A line nobody can be told of is skipped with the reason of the
fallback group (`no_recipient`, `inactive`, `no_email` or `malformed_email`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from alertas_rapidas.contracts.plan import OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.families._frames import clean_text
from alertas_rapidas.families.backorders_arrived import BackordersSettings
from alertas_rapidas.recipients import check_address, normalize_address
from alertas_rapidas.schedule.run_time import RunTime


def business_key(run: RunTime) -> str:
    """Once per window: a re-run or backfill of the same window dedupes in the ledger."""
    return f"backorders:{run.window_end.isoformat(timespec='minutes')}"


def build_plan(frames: dict[str, pd.DataFrame], settings: BackordersSettings, run: RunTime) -> Plan:
    key = business_key(run)
    lines = frames["pending_lines"]
    arrived = _arrived_milli(frames["arrivals"])
    staff = frames["fallback_staff"]
    plan = Plan(candidates=len(lines))
    if lines.empty:
        return plan

    frame = _allocate(lines, arrived)
    by_recipient: dict[int, dict[str, Any]] = {}
    for row in frame.itertuples(index=False):
        line_ref = f"order:{int(row.order_id)}"
        line_key = f"{key}:{int(row.order_id)}/{int(row.line_no)}"
        if not row.covered:
            plan.skipped.append(SkippedCandidate(line_ref, line_key, "not_covered"))
            continue
        recipients, why_fallback, skip_reason = _recipients_of(row, staff)
        if skip_reason:
            plan.skipped.append(SkippedCandidate(line_ref, line_key, skip_reason))
            continue
        item = _line_item(row, why_fallback, run.timezone)
        for employee_id, name, address in recipients:
            entry = by_recipient.setdefault(employee_id, {"name": name, "address": address, "lines": []})
            entry["lines"].append(item)

    dealership = clean_text(frame.iloc[0]["dealership_name"])
    for employee_id, entry in sorted(by_recipient.items()):
        plan.messages.append(
            OutgoingMessage(
                recipient_ref=f"employee:{employee_id}",
                business_key=key,
                to=[entry["address"]],
                language=settings.language,
                display_name=entry["name"] or None,
                context=_context(entry, dealership, run),
            )
        )
    return plan


def _milli(value: object) -> int:
    """A quantity (numeric(12, 3)) as whole thousandths: exact comparisons and sums."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return 0
    return int((Decimal(str(value)) * 1000).to_integral_value())


def _arrived_milli(arrivals: pd.DataFrame) -> dict[tuple[int, int], int]:
    return {
        (int(row.part_id), int(row.warehouse_id)): _milli(row.arrived)
        for row in arrivals.itertuples(index=False)
    }


def _allocate(lines: pd.DataFrame, arrived: dict[tuple[int, int], int]) -> pd.DataFrame:
    """Mark each line `covered` by the oldest-first allocation of its part and warehouse."""
    frame = lines.assign(
        pending_milli=[_milli(v) for v in lines["quantity_pending"]],
        created=pd.to_datetime(lines["order_created_at"], utc=True),
    ).sort_values(["part_id", "warehouse_id", "created", "order_id", "line_no"], kind="stable")
    frame["needed"] = frame.groupby(["part_id", "warehouse_id"])["pending_milli"].cumsum()
    frame["arrived_milli"] = [
        arrived.get((int(p), int(w)), 0) for p, w in zip(frame["part_id"], frame["warehouse_id"], strict=True)
    ]
    frame["covered"] = (frame["pending_milli"] > 0) & (frame["needed"] <= frame["arrived_milli"])
    return frame


def staff_addresses(employees: pd.DataFrame) -> tuple[list[tuple[int, str, str]], str | None]:
    """(id, name, address) of the active employees with a usable e-mail, or why there is none.

    `no_recipient`: nobody in the group; `inactive`: nobody active; else the address problem of
    the first active one (`no_email`, `malformed_email` or `reserved_domain`).
    """
    if employees.empty:
        return [], "no_recipient"
    active = employees[employees["active"].astype(bool)].sort_values("employee_id")
    if active.empty:
        return [], "inactive"
    found: list[tuple[int, str, str]] = []
    reasons: list[str] = []
    for row in active.itertuples(index=False):
        address, problem = check_address(clean_text(row.email))
        if address is None:
            reasons.append(problem or "no_email")
        else:
            found.append((int(row.employee_id), clean_text(row.full_name), address))
    return (found, None) if found else ([], reasons[0])


def _recipients_of(
    row: Any, staff: pd.DataFrame
) -> tuple[list[tuple[int, str, str]], str | None, str | None]:
    """(recipients, why the salesperson was passed over or None, skip reason or None)."""
    address = normalize_address(clean_text(row.salesperson_email))
    if bool(row.salesperson_active) and address is not None:
        return [(int(row.salesperson_id), clean_text(row.salesperson_name), address)], None, None
    if not bool(row.salesperson_active):
        why = "inactive"
    else:
        why = "malformed_email" if clean_text(row.salesperson_email) else "no_email"
    reason = None
    for group in (staff[staff["branch_id"] == row.branch_id], staff[staff["branch_id"].isna()]):
        found, group_reason = staff_addresses(group)
        if found:
            return found, why, None
        if reason is None or reason == "no_recipient":
            reason = group_reason
    return [], why, reason


def _line_item(row: Any, why_fallback: str | None, timezone: str) -> dict[str, Any]:
    return {
        "customer_code": clean_text(row.customer_code),
        "customer_name": clean_text(row.customer_name),
        "contact": clean_text(row.customer_email),
        "order_id": int(row.order_id),
        "order_date": row.created.tz_convert(timezone).date().isoformat(),
        "line_no": int(row.line_no),
        "part_code": clean_text(row.part_code),
        "part_description": clean_text(row.part_description),
        "quantity_pending": row.pending_milli / 1000,
        "arrived": row.arrived_milli / 1000,
        "warehouse_code": clean_text(row.warehouse_code),
        "warehouse_name": clean_text(row.warehouse_name),
        "salesperson": clean_text(row.salesperson_name),
        "fallback_reason": why_fallback,
    }


def _hhmm(value: datetime) -> str:
    return value.strftime("%H:%M")


def _context(entry: dict[str, Any], dealership: str, run: RunTime) -> dict[str, Any]:
    lines = sorted(
        entry["lines"], key=lambda item: (item["customer_name"], item["order_id"], item["line_no"])
    )
    return {
        "dealership": {"name": dealership},
        "recipient_name": entry["name"],
        "window": {
            "date": run.window_start.date().isoformat(),
            "end_date": run.window_end.date().isoformat(),
            "start": _hhmm(run.window_start),
            "end": _hhmm(run.window_end),
        },
        "count": len(lines),
        "lines": lines,
    }
