"""Pure transform of `interfaces_not_run` (the rule: its YAML `description`).

Inputs (from the family's SQL): `freshness` (the shared `interface_freshness.sql`: the last
successful run of each watched interface finished at or before T, with its owner), `employees`
(the owners and the active holders of the configured roles) and `dealership` (its name).

Freshness is judged with `alertas_rapidas.freshness.judge`, the rule the freshness sensors use.
When every interface is fresh the plan is empty: nobody is told anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from alertas_rapidas.contracts.plan import OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.families._frames import clean_text, optional_int
from alertas_rapidas.families.interfaces_not_run import InterfacesNotRunSettings
from alertas_rapidas.freshness import InterfaceFreshness, judge
from alertas_rapidas.recipients import address_key, address_party
from alertas_rapidas.schedule.run_time import RunTime


@dataclass
class _Recipient:
    """One mailbox: the employees sharing it and the stale interfaces they are told about."""

    address: str
    employee_ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    codes: set[str] = field(default_factory=set)


def build_plan(frames: dict[str, pd.DataFrame], settings: InterfacesNotRunSettings, run: RunTime) -> Plan:
    business_key = f"interfaces:{run.run_date.isoformat()}"
    interfaces = _interface_rows(frames["freshness"])
    stale = [s for s in judge(list(interfaces.values()), settings.limits(), run.at) if not s.fresh]
    if not stale:
        return Plan(candidates=0)

    employees = _employees(frames["employees"])
    wanted = _who_is_told(stale, interfaces, employees, settings)

    plan = Plan(candidates=0)
    mailboxes: dict[str, _Recipient] = {}
    for employee_id in sorted(wanted):
        employee = employees.get(employee_id)
        if employee is None:  # an owner id with no employee row: nothing to address
            plan.skipped.append(SkippedCandidate(f"employee:{employee_id}", business_key, "no_recipient"))
            continue
        addressing = address_party(employee["email"], active=employee["active"])
        if addressing.skip_reason:
            plan.skipped.append(
                SkippedCandidate(f"employee:{employee_id}", business_key, addressing.skip_reason)
            )
            continue
        [address] = addressing.to
        mailbox = mailboxes.setdefault(address_key(address), _Recipient(address))
        mailbox.employee_ids.append(employee_id)
        mailbox.names.append(employee["name"])
        mailbox.codes.update(wanted[employee_id])

    reached = {code for mailbox in mailboxes.values() for code in mailbox.codes}
    for status in stale:
        if status.code not in reached:
            plan.skipped.append(SkippedCandidate(f"interface:{status.code}", business_key, "no_recipient"))

    zone = ZoneInfo(run.timezone)
    dealership = _dealership_name(frames["dealership"])
    for mailbox in sorted(mailboxes.values(), key=lambda m: m.employee_ids[0]):
        rows = [
            _interface_context(status, interfaces, employees, zone)
            for status in stale
            if status.code in mailbox.codes
        ]
        name = mailbox.names[0] if len(set(mailbox.names)) == 1 else None
        plan.messages.append(
            OutgoingMessage(
                recipient_ref=f"employee:{mailbox.employee_ids[0]}",
                business_key=business_key,
                to=[mailbox.address],
                language=settings.language,
                display_name=name,
                context={
                    "dealership": {"name": dealership},
                    "run_date": run.run_date.isoformat(),
                    "at_time": run.at.strftime("%H:%M"),
                    "recipient_name": name,
                    "interfaces": rows,
                },
            )
        )
    plan.candidates = len(plan.messages) + len(plan.skipped)
    return plan


def _interface_rows(freshness: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The freshness query's rows by code, with `last_success` as a datetime or None."""
    rows: dict[str, dict[str, Any]] = {}
    for row in freshness.itertuples(index=False):
        last = row.last_success
        rows[clean_text(row.code)] = {
            "code": clean_text(row.code),
            "name": clean_text(row.name),
            "owner_id": optional_int(row.owner_id),
            "last_success": None if last is None or pd.isna(last) else pd.Timestamp(last).to_pydatetime(),
        }
    return rows


def _employees(frame: pd.DataFrame) -> dict[int, dict[str, Any]]:
    return {
        int(row.employee_id): {
            "name": clean_text(row.full_name),
            "email": row.email if isinstance(row.email, str) else None,
            "role": clean_text(row.role),
            "active": bool(row.active) if row.active is not None and not pd.isna(row.active) else False,
        }
        for row in frame.itertuples(index=False)
    }


def _who_is_told(
    stale: list[InterfaceFreshness],
    interfaces: dict[str, dict[str, Any]],
    employees: dict[int, dict[str, Any]],
    settings: InterfacesNotRunSettings,
) -> dict[int, set[str]]:
    """Employee id -> the stale interface codes they are told about."""
    roles = {item.code: {*settings.notify_roles, *item.recipients_roles} for item in settings.interfaces}
    wanted: dict[int, set[str]] = {}
    for status in stale:
        ids = {
            employee_id
            for employee_id, employee in employees.items()
            if employee["active"] and employee["role"] in roles.get(status.code, set())
        }
        owner = (interfaces.get(status.code) or {}).get("owner_id")
        if settings.notify_owner and owner is not None:
            ids.add(owner)
        for employee_id in ids:
            wanted.setdefault(employee_id, set()).add(status.code)
    return wanted


def _interface_context(
    status: InterfaceFreshness,
    interfaces: dict[str, dict[str, Any]],
    employees: dict[int, dict[str, Any]],
    zone: ZoneInfo,
) -> dict[str, Any]:
    row = interfaces.get(status.code) or {}
    owner = employees.get(row.get("owner_id") or -1)
    last: datetime | None = status.last_success.astimezone(zone) if status.last_success else None
    return {
        "code": status.code,
        "name": row.get("name", ""),
        "known": status.known,
        "owner": owner["name"] if owner else "",
        "last_success_date": last.date().isoformat() if last else None,
        "last_success_time": last.strftime("%H:%M") if last else None,
        "age": _duration(status.age) if status.age is not None else None,
        "limit": _duration(status.max_age),
    }


def _duration(value: timedelta) -> dict[str, Any]:
    """An age or limit for people: whole days as days, two days or more in days, else hours."""
    hours = value.total_seconds() / 3600
    if hours >= 48 or (hours >= 24 and hours % 24 == 0):
        return {"value": round(hours / 24, 1), "unit": "days"}
    return {"value": round(hours, 1), "unit": "hours"}


def _dealership_name(frame: pd.DataFrame) -> str:
    return clean_text(frame["dealership_name"].iloc[0]) if not frame.empty else ""
