"""Locale-aware formatting for mail content and documents (Babel): es-AR by default, English per
recipient.

Choices (docs/mails-and-documents.md, "Documents and formats"):
- Spanish follows es_AR: dates 31/10/2026, amounts 1.234,56.
- English follows Babel's en_GB (the English of a day-first country): dates "31 Oct 2026" (the
  month by name, so no reader takes 10/11 for October 11th or November 10th), amounts 1,234.56.
- An amount with its currency puts the sign before the symbol and a non-breaking space between
  symbol and number, in both languages: "-$ 119.033,79", "US$ 1,234.56" (a line never ends in "$").
- Names of document types (Factura, Recibo, Nota de crédito...) come from `DOCUMENT_TYPES`, the one
  place that translates them; `movement_description` puts a DMS description such as
  "Recibo 0003-00002732" in the reader's language ("Receipt 0003-00002732").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import SupportsInt

from babel.core import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, parse_pattern

LOCALES: dict[str, str] = {"es": "es_AR", "en": "en_GB"}
DATE_FORMATS: dict[str, str] = {"es": "dd/MM/yyyy", "en": "medium"}  # a pattern or a Babel format name
MONTH_PATTERNS: dict[str, str] = {"es": "MMMM 'de' yyyy", "en": "MMMM yyyy"}
CURRENCY_SYMBOLS: dict[str, str] = {"ARS": "$", "USD": "US$"}
NBSP = "\u00a0"  # keeps a currency symbol on the same line as its number

# doc_type (the DMS's code) -> its name per language. The DMS writes movement descriptions with
# the Spanish names ("Factura A 0003-00004157"), longest first so "Nota de crédito" wins over "Nota".
DOCUMENT_TYPES: dict[str, dict[str, str]] = {
    "invoice": {"es": "Factura", "en": "Invoice"},
    "credit_note": {"es": "Nota de crédito", "en": "Credit note"},
    "debit_note": {"es": "Nota de débito", "en": "Debit note"},
    "receipt": {"es": "Recibo", "en": "Receipt"},
}
_SPANISH_NAMES = sorted(
    ((names["es"], doc_type) for doc_type, names in DOCUMENT_TYPES.items()), key=lambda item: -len(item[0])
)
_NAMED = re.compile(
    r"^(" + "|".join(re.escape(name) for name, _ in _SPANISH_NAMES) + r")(?=\s|$)", re.IGNORECASE
)


@lru_cache(maxsize=8)
def locale_for(language: str) -> Locale:
    """The Babel locale of a language, parsed once (formatting runs per cell of every PDF)."""
    return Locale.parse(LOCALES.get(language, LOCALES["es"]))


def document_type_name(doc_type: str, language: str = "es") -> str:
    """'Factura' / 'Invoice' for 'invoice'; an unknown code is shown as it is."""
    names = DOCUMENT_TYPES.get(doc_type)
    return names["en" if language == "en" else "es"] if names else doc_type


def movement_description(text: str | None, language: str = "es") -> str:
    """A DMS description that starts with a document type's Spanish name, in `language`:
    'Factura A 0003-00004157' -> 'Invoice A 0003-00004157' (en); any other text unchanged."""
    if not text or language != "en":
        return text or ""
    found = _NAMED.match(text)
    if not found:
        return text
    doc_type = next(code for name, code in _SPANISH_NAMES if name.lower() == found.group(1).lower())
    return document_type_name(doc_type, language) + text[found.end() :]


_MONEY = parse_pattern("#,##0.00")


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(int(cents)).scaleb(-2)


def money(cents: int | None, language: str = "es") -> str:
    """An amount given in cents, e.g. 123456 -> '1.234,56' (es) or '1,234.56' (en)."""
    if cents is None:
        return ""
    return _MONEY.apply(cents_to_decimal(cents), locale_for(language))


def money_with_currency(cents: int | None, currency: str, language: str = "es") -> str:
    """'$ 1.234,56' / 'US$ 1,234.56' / '-$ 119.033,79': the sign first, then the symbol, a
    non-breaking space and the number in the language's separators."""
    if cents is None:
        return ""
    sign = locale_for(language).number_symbols["latn"]["minusSign"] if int(cents) < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency, currency)
    return f"{sign}{symbol}{NBSP}{money(abs(int(cents)), language)}"


def as_date(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def short_date(value: date | datetime | str | None, language: str = "es") -> str:
    """'31/10/2026' (es) or '31 Oct 2026' (en)."""
    if value is None or value == "":
        return ""
    pattern = DATE_FORMATS.get(language, DATE_FORMATS["es"])
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


def _whole(value: object) -> int:
    """A cell's whole number (cents, a count): a number, or text that holds one."""
    if isinstance(value, SupportsInt | str):
        return int(value)
    raise TypeError(f"not a whole number: {type(value).__name__}")


def cell(value: object, kind: str, language: str = "es") -> str:
    """A report cell formatted by its column kind (see `messages.Column`)."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return money(_whole(value), language)
    if kind == "date":
        return short_date(value, language)  # type: ignore[arg-type]
    if kind == "quantity":
        return quantity(value, language)  # type: ignore[arg-type]
    if kind == "int":
        return format_decimal(_whole(value), locale=locale_for(language))
    return str(value)
