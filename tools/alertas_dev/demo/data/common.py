"""Shared pieces of the demo data: the dealership's time zone and currency, local times as UTC
instants, money and quantity text, weighted random choices."""

from __future__ import annotations

import bisect
import random
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime
from datetime import time as clock
from itertools import accumulate
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("America/Argentina/Buenos_Aires")


LOCAL_CURRENCY = "ARS"


USD_RATE_HINT = 1450  # ARS per USD, only to price USD lines; exchange_rates has the real series


Row = Sequence[object]


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A local wall-clock time in the dealership's time zone, as a UTC instant."""
    local = datetime.combine(day, clock(hour, minute, second), tzinfo=LOCAL_TZ)
    return local.astimezone(UTC)


def _at_seconds(day: date, seconds: int) -> datetime:
    return _at(day, seconds // 3600, seconds // 60 % 60, seconds % 60)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _quantity(milli: int) -> str:
    return f"{milli // 1000}.{milli % 1000:03d}"


def _with_tax(subtotal: int) -> tuple[int, int]:
    """IVA 21 %, rounded half up to the cent: (tax, total)."""
    tax = (subtotal * 21 + 50) // 100
    return tax, subtotal + tax


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _slug(text: str) -> str:
    """Lowercase ASCII for e-mail local parts: 'Martín Gómez' -> 'martin.gomez'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in plain.lower()).split()
    return ".".join(words)


def _cuit(prefix: int, body: int) -> str:
    """A CUIT with a valid check digit; bodies whose digit would be 10 move to the next one."""
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = f"{prefix:02d}{body:08d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{prefix:02d}-{body:08d}-{check}"
        body += 1


def _randint(rng: random.Random, low: int, high: int) -> int:
    """Like ``rng.randint`` (one ``random()`` draw, several times faster) for the hot paths."""
    return low + int(rng.random() * (high - low + 1))


def _cents(rng: random.Random, low: int, high: int, step: int = 100) -> int:
    """A random amount in cents between two amounts in units, a multiple of `step` cents."""
    return _randint(rng, low * 100 // step, high * 100 // step) * step


Weighted = tuple[tuple[str, ...], list[int]]


def _weighted(pairs: Sequence[tuple[str, int]]) -> Weighted:
    values, weights = zip(*pairs, strict=True)
    return values, list(accumulate(weights))


def _pick(rng: random.Random, table: Weighted) -> str:
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _in_usd(ars_cents: int) -> int:
    return max(100, ars_cents // USD_RATE_HINT)
