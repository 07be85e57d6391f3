"""Small pandas helpers shared by the pure transforms."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from alertas_rapidas.recipients import Addressing, address_party


def to_iso_date(values: pd.Series) -> pd.Series:
    """Dates or timestamps as 'YYYY-MM-DD' strings (JSON-friendly, locale-free)."""
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d")


def clean_text(value: object) -> str:
    """A text cell as a plain string ('' for missing), with surrounding blanks removed."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def text_list(value: object) -> list[str]:
    """An array cell (list, numpy array or missing) as a list of strings."""
    if value is None or value is pd.NA or isinstance(value, float):
        return []
    if not isinstance(value, Iterable):
        raise TypeError(f"not an array cell: {type(value).__name__}")
    return [str(item) for item in list(value) if item is not None]


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def optional_int(value: object) -> int | None:
    """An id cell that may be missing (NULL, NaN, NA) as an int or None."""
    return None if _missing(value) else int(value)  # type: ignore[call-overload]


def truthy(value: object) -> bool:
    """A boolean cell that may be missing: missing counts as false."""
    return False if _missing(value) else bool(value)


def address_customer(row: Any) -> Addressing:
    """Addressing of a customer row (any row with `email`, `cc_emails`, `active`,
    `alerts_opt_out`: a namedtuple from `itertuples` or a Series)."""
    return address_party(
        row.email,
        text_list(row.cc_emails),
        active=truthy(row.active),
        opted_out=truthy(row.alerts_opt_out),
    )


def records_by(
    frame: pd.DataFrame, key: str, record: Callable[[Any], dict[str, Any]]
) -> dict[int, list[dict[str, Any]]]:
    """Each row of `frame`, in its order, as `record(row)`, listed under the row's integer `key`."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in frame.itertuples(index=False):
        grouped.setdefault(int(getattr(row, key)), []).append(record(row))
    return grouped
