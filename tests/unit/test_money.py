"""Money to cents: one exact rule (Decimal, half a cent away from zero) for frames and scalars."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from alertas_rapidas.engine.values import convert
from alertas_rapidas.money import cents, to_cents

CASES = [
    (0.285, 29),  # a float product gives 28.499999999999996
    (1.005, 101),
    (-0.285, -29),
    (-1.005, -101),
    (0.125, 13),  # exactly half a cent: away from zero, not to even
    (12.34, 1234),
    (0, 0),
    (1e15, 100_000_000_000_000_000),
    (1e15 + 0.125, 100_000_000_000_000_010),  # read as its shortest form, 1000000000000000.1
    (Decimal("0.285"), 29),
    (Decimal("-0.005"), -1),
    (Decimal("9999999999999999.99"), 999_999_999_999_999_999),
    (7, 700),
    ("12.5", 1250),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_an_amount_is_its_exact_cents(value, expected):
    assert cents(value) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), np.nan, pd.NA, Decimal("NaN")])
def test_a_missing_amount_is_zero_cents(missing):
    assert cents(missing) == 0
    assert to_cents(pd.Series([missing, 1.5], dtype=object)).tolist() == [0, 150]


def test_a_float_column_agrees_with_the_scalar_rule():
    floats = [value for value, _ in CASES if isinstance(value, float)] + [float("nan"), -0.0]
    column = to_cents(pd.Series(floats, dtype="float64"))
    assert column.dtype == "int64"
    assert column.tolist() == [cents(value) for value in floats]


def test_a_decimal_column_agrees_with_the_scalar_rule():
    decimals = [value for value, _ in CASES if isinstance(value, Decimal)] + [None]
    assert to_cents(pd.Series(decimals, dtype=object)).tolist() == [cents(value) for value in decimals]


def test_frame_and_scalar_agree_on_many_amounts_with_three_decimals():
    draw = random.Random(27)
    amounts = [draw.randint(-(10**9), 10**9) / 1000 for _ in range(20_000)]
    amounts += [draw.randint(-(10**15), 10**15) / 100 for _ in range(2_000)]
    assert to_cents(pd.Series(amounts)).tolist() == [cents(value) for value in amounts]


def test_integer_and_nullable_columns():
    assert to_cents(pd.Series([1, -2])).tolist() == [100, -200]
    assert to_cents(pd.Series([1, None], dtype="Int64")).tolist() == [100, 0]
    assert to_cents(pd.Series([], dtype=object)).tolist() == []


def test_a_configured_family_reads_money_by_the_same_rule():
    assert convert(0.285, "money", "UTC") == cents(0.285) == 29
    assert convert(Decimal("1.005"), "money", "UTC") == 101
    assert convert(None, "money", "UTC") is None  # a missing cell stays blank in a configured family
