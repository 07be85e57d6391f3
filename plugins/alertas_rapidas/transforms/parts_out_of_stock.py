"""Pure transform of `parts_out_of_stock`: frames in, one report e-mail per scope unit out.

Inputs (from the family's SQL): `out_of_stock` (one row per scope unit and part that is out of
stock there, already filtered and ordered) and `staff` (parts managers and general managers,
active or not). Scope units with no part out of stock get no mail.

Recipients: the active parts managers of the unit's branch (warehouse scope: the warehouse's
branch); dealership scope: the active parts managers with no branch, else the active general
managers. Every usable address of that group goes in To (normally one person); when nobody has
one, the unit is skipped with a reason.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from alertas_rapidas.families.parts_out_of_stock import OutOfStockSettings
from alertas_rapidas.messages import AttachmentSpec, Column, OutgoingMessage, Plan, SkippedCandidate, table
from alertas_rapidas.timing import RunTime
from alertas_rapidas.transforms.frames import clean_text
from alertas_rapidas.transforms.reports import report_attachments
from alertas_rapidas.transforms.staff import staff_addresses

_QUANTITIES = ("on_hand", "reserved", "incoming", "outgoing", "available", "min_stock")


def build_plan(frames: dict[str, pd.DataFrame], settings: OutOfStockSettings, run: RunTime) -> Plan:
    rows = frames["out_of_stock"]
    staff = frames["staff"]
    units = [group for _, group in rows.groupby("scope_id", sort=True)] if not rows.empty else []
    plan = Plan(candidates=len(units))
    for unit in units:
        first = unit.iloc[0]
        scope_ref = f"{settings.scope}:{int(first['scope_id'])}"
        business_key = f"out_of_stock:{scope_ref}:{run.run_date.isoformat()}"
        to, skip_reason = _recipients(staff, settings.scope, first)
        if skip_reason:
            plan.skipped.append(SkippedCandidate(scope_ref, business_key, skip_reason))
            continue
        context = _context(unit, first, settings, run)
        plan.messages.append(
            OutgoingMessage(
                recipient_ref=scope_ref,
                business_key=business_key,
                to=to,
                language=settings.language,
                context=context,
                attachments=_attachments(settings, clean_text(first["scope_code"]), run),
            )
        )
    return plan


def _recipients(staff: pd.DataFrame, scope: str, unit: pd.Series) -> tuple[list[str], str | None]:
    parts_managers = staff[staff["role"] == "parts_manager"]
    if scope == "dealership":
        to, reason = staff_addresses(parts_managers[parts_managers["branch_id"].isna()])
        if to:
            return to, None
        general = staff[staff["role"] == "general_manager"]
        # Prefer dealership-level general managers; any general manager otherwise.
        dealership_level = general[general["branch_id"].isna()]
        fallback, fallback_reason = staff_addresses(
            dealership_level if not dealership_level.empty else general
        )
        return (fallback, None) if fallback else ([], reason if reason != "no_recipient" else fallback_reason)
    return staff_addresses(parts_managers[parts_managers["branch_id"] == unit["branch_id"]])


def _scope_label(settings: OutOfStockSettings, unit: pd.Series) -> dict[str, str]:
    code, name = clean_text(unit["scope_code"]), clean_text(unit["scope_name"])
    if settings.scope == "warehouse":
        branch = clean_text(unit["branch_name"])
        return {
            "es": f"Depósito {code} - {name} ({branch})",
            "en": f"Warehouse {code} - {name} ({branch})",
        }
    if settings.scope == "branch":
        return {"es": name, "en": name}  # branch names say what they are ("Sucursal Córdoba")
    return {"es": f"{name} (todas las sucursales)", "en": f"{name} (all branches)"}


def _columns(settings: OutOfStockSettings) -> list[Column]:
    columns = [
        Column("part_code", "Código", "Part code"),
        Column("description", "Descripción", "Description"),
        Column("brand", "Marca", "Brand"),
    ]
    if settings.scope == "warehouse":
        columns.append(Column("warehouse", "Depósito", "Warehouse"))
    return columns + [
        Column("on_hand", "Existencia", "On hand", "quantity"),
        Column("reserved", "Reservado", "Reserved", "quantity"),
        Column("incoming", "Ingresos pend.", "Incoming", "quantity"),
        Column("outgoing", "Egresos pend.", "Outgoing", "quantity"),
        Column("available", "Disponible", "Available", "quantity"),
        Column("min_stock", "Stock mínimo", "Min. stock", "quantity"),
    ]


def _report_rows(unit: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for row in unit.itertuples(index=False):
        item: dict[str, Any] = {
            "part_code": clean_text(row.part_code),
            "description": clean_text(row.description),
            "brand": clean_text(row.brand),
            "warehouse": clean_text(row.scope_code),
        }
        for name in _QUANTITIES:
            value = getattr(row, name)
            item[name] = 0.0 if pd.isna(value) else float(value)
        rows.append(item)
    return rows


def _context(
    unit: pd.DataFrame, first: pd.Series, settings: OutOfStockSettings, run: RunTime
) -> dict[str, Any]:
    rows = _report_rows(unit)
    label = _scope_label(settings, first)[settings.language]
    report = table(
        _columns(settings),
        rows,
        title_es="Repuestos sin stock",
        title_en="Parts out of stock",
    )
    return {
        "dealership": {"name": clean_text(first["dealership_name"])},
        "scope": settings.scope,
        "scope_code": clean_text(first["scope_code"]),
        "scope_label": label,
        "run_date": run.run_date.isoformat(),
        "only_min_stock": settings.only_min_stock,
        "count": len(rows),
        "top": rows[: settings.body_rows],
        "more": max(0, len(rows) - settings.body_rows),
        "columns": report["columns"],
        "attachments": list(dict.fromkeys(settings.attachments)),
        "table": report,
    }


def _attachments(settings: OutOfStockSettings, scope_code: str, run: RunTime) -> list[AttachmentSpec]:
    return report_attachments(
        settings.attachments,
        stem="parts-out-of-stock" if settings.language == "en" else "repuestos-sin-stock",
        scope_code=scope_code,
        fallback_code=settings.scope,
        run_date=run.run_date,
    )
