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
# `float(amount) * 100` is within 2**-52 of its own magnitude of `amount * 100` (the float
# nearest the amount, then the product's rounding); 2**-48 leaves a margin of 16.
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

    The column is converted at once through float64; a float is within 2**-52 of its own
    magnitude of the decimal it stands for, so its cents are right unless the product lands
    that close to half a cent. Those values, and missing or non-numeric ones, go through `cents`
    from the column's own value (the Decimal, not its float)."""
    if pd.api.types.is_integer_dtype(values.dtype) and not values.hasnans:
        return values.astype("int64") * 100
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    scaled = numbers * 100
    nearest = np.rint(scaled)  # to even at exactly half a cent: such a value is doubtful anyway
    room = np.abs(scaled - nearest)
    np.subtract(0.5, room, out=room)  # how far from half a cent
    margin = np.abs(scaled, out=scaled)
    margin *= _RELATIVE_ERROR
    margin += 1e-9
    sure = np.greater(room, margin, out=np.empty(len(room), dtype=bool))  # False for NaN, infinity
    positions = np.flatnonzero(~sure)
    nearest[positions] = 0
    out = nearest.astype("int64")
    if len(positions):
        originals = values.to_numpy()
        for position in positions:
            out[position] = cents(originals[position])
    return pd.Series(out, index=values.index, dtype="int64")
