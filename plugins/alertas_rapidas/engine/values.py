"""Rows of a DataFrame as plain, JSON-friendly dicts, each column read by its declared kind.

money -> integer cents (exact sums and formatting); date -> 'YYYY-MM-DD'; instant -> ISO 8601 in
the dealership's time zone ('2026-11-01T07:15:00-03:00'); int, number, quantity -> numbers;
bool -> bool; list -> list of strings; text -> stripped string. Undeclared columns are read by
their type. Missing values are None everywhere (templates show them as blank).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from alertas_rapidas.engine.spec import ColumnSpec
from alertas_rapidas.money import cents


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def _instant(value: Any, timezone: str) -> str:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(timezone).isoformat()


def convert(value: Any, kind: str | None, timezone: str) -> Any:
    """One cell as a plain value of its kind (None when missing)."""
    if kind == "list":
        if value is None or isinstance(value, float):
            return []
        return [str(item) for item in list(value) if item is not None]
    if _missing(value):
        return None
    if kind == "money":
        return cents(value)
    if kind == "date":
        return value.date().isoformat() if isinstance(value, datetime) else str(value)[:10]
    if kind == "instant":
        return _instant(value, timezone)
    if kind == "int":
        return int(value)
    if kind in ("number", "quantity"):
        return float(value)
    if kind == "bool":
        return bool(value)
    if kind == "text":
        return str(value).strip()
    return _natural(value, timezone)


def _natural(value: Any, timezone: str) -> Any:
    """An undeclared column's value by its own type."""
    if isinstance(value, bool):
        return value
    if isinstance(value, pd.Timestamp | datetime):
        return _instant(value, timezone) if getattr(value, "tzinfo", None) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):
        return [str(item) for item in list(value) if item is not None]
    return value


def frame_rows(frame: pd.DataFrame, columns: dict[str, ColumnSpec], timezone: str) -> list[dict[str, Any]]:
    """Every row of `frame` as a dict of plain values."""
    if frame.empty:
        return []
    names = list(frame.columns)
    kinds = [columns[name].kind if name in columns else None for name in names]
    rows = []
    for record in frame.itertuples(index=False, name=None):
        rows.append(
            {
                name: convert(value, kind, timezone)
                for name, kind, value in zip(names, kinds, record, strict=True)
            }
        )
    by_language = [name for name, spec in columns.items() if spec.by_language]
    if by_language:
        for row in rows:
            for name in by_language:
                row[name] = {"es": row.get(f"{name}_es"), "en": row.get(f"{name}_en")}
    return rows


def in_language(row: dict[str, Any], columns: dict[str, ColumnSpec], language: str) -> dict[str, Any]:
    """The row as one language sees it: `by_language` columns reduced to that language's text."""
    names = [name for name, spec in columns.items() if spec.by_language]
    if not names:
        return row
    return {**row, **{name: (row.get(name) or {}).get(language) for name in names}}
