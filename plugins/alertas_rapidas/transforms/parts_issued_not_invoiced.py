"""Pure transform of `parts_issued_not_invoiced`: frames in, audit report e-mails out.

Inputs (from the family's SQL): `issues` (unbilled issues old enough, oldest first, with part,
value at cost, employee, work order and warehouse) and `auditors` (audit managers, active or not).

Scope `dealership`: one report per dealership to its audit managers with no branch, or, when none
of those is usable, to every active audit manager. Scope `branch`: one report per branch (of the
issuing warehouse) to that branch's audit managers, falling back to the dealership-level ones.
A report whose recipients have no usable address is skipped with a reason.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from alertas_rapidas.families.parts_issued_not_invoiced import NotInvoicedSettings, cutoff_date
from alertas_rapidas.messages import AttachmentSpec, Column, OutgoingMessage, Plan, SkippedCandidate, table
from alertas_rapidas.timing import RunTime
from alertas_rapidas.transforms.frames import clean_text, to_cents, to_iso_date
from alertas_rapidas.transforms.reports import report_attachments
from alertas_rapidas.transforms.staff import staff_addresses

COLUMNS = [
    Column("issue_date", "Fecha", "Date", "date"),
    Column("part_code", "Código", "Part code"),
    Column("description", "Descripción", "Description"),
    Column("quantity", "Cantidad", "Quantity", "quantity"),
    Column("cost_value", "Valor al costo", "Value at cost", "money"),
    Column("days_since", "Días", "Days", "int"),
    Column("employee", "Empleado", "Employee"),
    Column("work_order", "Orden de reparación", "Work order"),
    Column("warehouse", "Depósito", "Warehouse"),
]


def build_plan(frames: dict[str, pd.DataFrame], settings: NotInvoicedSettings, run: RunTime) -> Plan:
    issues = frames["issues"]
    auditors = frames["auditors"]
    group_key = "branch_id" if settings.scope == "branch" else "dealership_id"
    units = [group for _, group in issues.groupby(group_key, sort=True)] if not issues.empty else []
    plan = Plan(candidates=len(units))
    for unit in units:
        first = unit.iloc[0]
        scope_ref = f"{settings.scope}:{int(first[group_key])}"
        business_key = f"not_invoiced:{scope_ref}:{run.run_date.isoformat()}"
        to, skip_reason = _recipients(auditors, settings.scope, first)
        if skip_reason:
            plan.skipped.append(SkippedCandidate(scope_ref, business_key, skip_reason))
            continue
        code = clean_text(first["branch_code"] if settings.scope == "branch" else first["dealership_code"])
        plan.messages.append(
            OutgoingMessage(
                recipient_ref=scope_ref,
                business_key=business_key,
                to=to,
                language=settings.language,
                context=_context(unit, first, settings, run),
                attachments=_attachments(settings, code, run),
            )
        )
    return plan


def _recipients(auditors: pd.DataFrame, scope: str, unit: pd.Series) -> tuple[list[str], str | None]:
    """The first usable group of the fallback chain; else the first group's reason."""
    dealership_level = auditors[auditors["branch_id"].isna()]
    if scope == "branch":
        chain = [auditors[auditors["branch_id"] == unit["branch_id"]], dealership_level]
    else:
        chain = [dealership_level, auditors]
    reason = None
    for group in chain:
        to, group_reason = staff_addresses(group)
        if to:
            return to, None
        if reason is None or reason == "no_recipient":
            reason = group_reason
    return [], reason


def _report_rows(unit: pd.DataFrame) -> list[dict[str, Any]]:
    frame = unit.assign(
        cost_cents=to_cents(unit["cost_value"]),
        date=to_iso_date(unit["issue_date"]),
    )
    rows = []
    for row in frame.itertuples(index=False):
        work_order = "" if pd.isna(row.work_order_id) else str(int(row.work_order_id))
        rows.append(
            {
                "issue_date": row.date,
                "part_code": clean_text(row.part_code),
                "description": clean_text(row.description),
                "quantity": float(row.quantity),
                "cost_value": int(row.cost_cents),
                "days_since": int(row.days_since),
                "employee": clean_text(row.employee_name),
                "work_order": work_order,
                "warehouse": clean_text(row.warehouse_code),
            }
        )
    return rows


def _context(
    unit: pd.DataFrame, first: pd.Series, settings: NotInvoicedSettings, run: RunTime
) -> dict[str, Any]:
    rows = _report_rows(unit)
    dealership = clean_text(first["dealership_name"])
    if settings.scope == "branch":
        branch = clean_text(first["branch_name"])
        labels = {"es": branch, "en": branch}  # branch names say what they are ("Sucursal Córdoba")
    else:
        labels = {"es": f"{dealership} (todas las sucursales)", "en": f"{dealership} (all branches)"}
    return {
        "dealership": {"name": dealership},
        "currency": clean_text(first["local_currency"]) or "ARS",
        "scope": settings.scope,
        "scope_label": labels[settings.language],
        "run_date": run.run_date.isoformat(),
        "cutoff": cutoff_date(settings, run).isoformat(),
        "days": settings.days,
        "count": len(rows),
        "total_cost": sum(row["cost_value"] for row in rows),
        "oldest_days": max(row["days_since"] for row in rows),
        "top": rows[: settings.body_rows],
        "more": max(0, len(rows) - settings.body_rows),
        "attachments": list(dict.fromkeys(settings.attachments)),
        "table": table(
            COLUMNS,
            rows,
            title_es="Repuestos entregados sin facturar",
            title_en="Parts issued and not invoiced",
        ),
    }


def _attachments(settings: NotInvoicedSettings, scope_code: str, run: RunTime) -> list[AttachmentSpec]:
    return report_attachments(
        settings.attachments,
        stem="parts-not-invoiced" if settings.language == "en" else "repuestos-sin-facturar",
        scope_code=scope_code,
        fallback_code=settings.scope,
        run_date=run.run_date,
    )
