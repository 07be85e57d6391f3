"""Locale-aware formatting for mail content (Babel): es-AR by default, English per recipient."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel.core import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, parse_pattern

LOCALES: dict[str, str] = {"es": "es_AR", "en": "en_US"}
DATE_PATTERNS: dict[str, str] = {"es": "dd/MM/yyyy", "en": "MM/dd/yyyy"}
MONTH_PATTERNS: dict[str, str] = {"es": "MMMM 'de' yyyy", "en": "MMMM yyyy"}
CURRENCY_SYMBOLS: dict[str, str] = {"ARS": "$", "USD": "US$"}


@lru_cache(maxsize=8)
def locale_for(language: str) -> Locale:
    """The Babel locale of a language, parsed once (formatting runs per cell of every PDF)."""
    return Locale.parse(LOCALES.get(language, LOCALES["es"]))


_MONEY = parse_pattern("#,##0.00")


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def money(cents: int | None, language: str = "es") -> str:
    """An amount given in cents, e.g. 123456 -> '1.234,56' (es) or '1,234.56' (en)."""
    if cents is None:
        return ""
    return _MONEY.apply(cents_to_decimal(cents), locale_for(language))


def money_with_currency(cents: int | None, currency: str, language: str = "es") -> str:
    """'$ 1.234,56' / 'US$ 1.234,56': symbol first, as Argentine documents show it."""
    if cents is None:
        return ""
    return f"{CURRENCY_SYMBOLS.get(currency, currency)} {money(cents, language)}"


def as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def short_date(value: date | datetime | str | None, language: str = "es") -> str:
    """'31/10/2026' (es) or '10/31/2026' (en)."""
    if value is None or value == "":
        return ""
    pattern = DATE_PATTERNS.get(language, DATE_PATTERNS["es"])
    return format_date(as_date(value), pattern, locale=locale_for(language))


def hour_minute(value: datetime | str | None) -> str:
    """The local time of an instant given in ISO 8601 with its offset: '07:15'."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.strftime("%H:%M")


def month_label(value: date | datetime | str, language: str = "es") -> str:
    """'octubre de 2026' (es) or 'October 2026' (en)."""
    pattern = MONTH_PATTERNS.get(language, MONTH_PATTERNS["es"])
    return format_date(as_date(value), pattern, locale=locale_for(language))


def quantity(value: float | int | Decimal | str | None, language: str = "es") -> str:
    """A quantity with up to 3 decimals, no trailing zeros: '12', '1,5' (es) / '1.5' (en)."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(str(value)), format="#,##0.###", locale=locale_for(language))


def cell(value: object, kind: str, language: str = "es") -> str:
    """A report cell formatted by its column kind (see `messages.Column`)."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return money(int(value), language)  # type: ignore[arg-type]
    if kind == "date":
        return short_date(value, language)  # type: ignore[arg-type]
    if kind == "quantity":
        return quantity(value, language)  # type: ignore[arg-type]
    if kind == "int":
        return format_decimal(int(value), locale=locale_for(language))  # type: ignore[arg-type]
    return str(value)
