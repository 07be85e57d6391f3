"""Money as whole cents: the one rule for configured families (engine/values) and Python ones.

A value is read as the decimal it was written as: a `Decimal` as it is (a typed `numeric` column
of the extract), a float by its shortest decimal form (0.285 is 0.285, not 0.28499999…), so
the cents are exact. Half a cent rounds away from zero, as PostgreSQL's `round(numeric)` does
(0.285 -> 29, -0.285 -> -29). Missing values (None, NaN, NA) are 0 cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

_ONE = Decimal(1)
# A float product `x * 100` is within this many of its own magnitude of the exact one; a product
# whose fraction is closer than that to a half cent is recomputed from the decimal.
_RELATIVE_ERROR = 2.0**-48


def cents(value: Any) -> int:
    """One amount as whole cents: 12.345 -> 1235, Decimal("-0.005") -> -1, None or NaN -> 0."""
    if value is None or value is pd.NA or value is pd.NaT:
        return 0
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    if amount.is_nan():
        return 0
    return int(amount.scaleb(2).quantize(_ONE, rounding=ROUND_HALF_UP))


def to_cents(values: pd.Series) -> pd.Series:
    """A column of amounts as whole cents in int64, each as `cents` gives it.

    Floats and integers are converted at once; only the floats whose product lands near half a
    cent (or too large for a float to hold its cents) go through `cents` one by one. Other columns
    (Decimals from the extract's typed numerics, mixed objects) go value by value."""
    if not pd.api.types.is_numeric_dtype(values.dtype):
        return pd.Series([cents(value) for value in values], index=values.index, dtype="int64")
    if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        return values.astype("int64") * 100
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    numbers = np.where(np.isnan(numbers), 0.0, numbers)
    scaled = np.abs(numbers * 100)
    whole = np.floor(scaled)
    result = np.copysign(whole + (scaled - whole >= 0.5), numbers)
    near_half = np.abs(scaled - whole - 0.5) <= np.maximum(scaled * _RELATIVE_ERROR, 1e-9)
    doubtful = near_half | ~np.isfinite(scaled)
    out = np.where(doubtful, 0, result).astype("int64")
    for position in np.flatnonzero(doubtful):
        out[position] = cents(float(numbers[position]))
    return pd.Series(out, index=values.index, dtype="int64")
