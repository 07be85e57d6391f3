"""The editable part of the reportlab statement: its wording, colours and column widths.

They live in `include/templates/customer_statements/statement.layout.yaml`, beside the mail
templates, so that a person who edits texts (not code) can change them; the layout of the page
itself (what goes where) is drawn in `statement.py`. The file is validated with Pydantic: a bad
value fails the render with a message naming the file, the field, what was given and what is
allowed. It is read again when it changes (the next render sees an edit).
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from alertas_rapidas.config import describe_errors
from alertas_rapidas.models import StrictModel
from alertas_rapidas.paths import TEMPLATES_DIR
from alertas_rapidas.templating import RenderError

LAYOUT_FILE = TEMPLATES_DIR / "customer_statements" / "statement.layout.yaml"
HEX_COLOUR = r"^#[0-9A-Fa-f]{6}$"


class StatementLayoutError(RenderError):
    """The statement layout file is missing, not YAML, or has a bad value (names no data)."""


# The {placeholders} each text may use; any other name in braces is an error.
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "dealer_tax_id": frozenset({"tax_id"}),
    "period": frozenset({"start", "end"}),
    "section": frozenset({"currency"}),
    "footer": frozenset({"dealership", "customer", "month"}),
    "page": frozenset({"page", "pages"}),
}


class StatementTexts(StrictModel):
    """The statement's wording in one language."""

    title: str = Field(min_length=1, max_length=80)
    dealer_tax_id: str = Field(max_length=80, description="under the dealership's name; {tax_id}")
    period: str = Field(min_length=1, max_length=120, description="{start} and {end}: the period's dates")
    customer: str = Field(max_length=40)
    code: str = Field(max_length=40)
    tax_id: str = Field(max_length=40)
    section: str = Field(min_length=1, max_length=120, description="a currency's heading; {currency}")
    local: str = Field(max_length=60, description="appended to the heading of the local currency")
    foreign: str = Field(max_length=60, description="appended to the heading of other currencies")
    date: str = Field(max_length=30)
    description: str = Field(max_length=60)
    debit: str = Field(max_length=30)
    credit: str = Field(max_length=30)
    balance: str = Field(max_length=30)
    opening: str = Field(min_length=1, max_length=60)
    total: str = Field(min_length=1, max_length=60)
    closing: str = Field(min_length=1, max_length=60)
    footer: str = Field(max_length=200, description="{dealership}, {customer} and {month}")
    page: str = Field(max_length=40, description="{page}: the page number; {pages}: the number of pages")

    @model_validator(mode="after")
    def _known_placeholders(self) -> StatementTexts:
        for name in type(self).model_fields:
            allowed = PLACEHOLDERS.get(name, frozenset())
            used = _placeholders(getattr(self, name), name)
            unknown = sorted(used - allowed)
            if unknown:
                shown = ", ".join(f"{{{item}}}" for item in sorted(allowed)) or "none"
                given = ", ".join(f"{{{item}}}" for item in unknown)
                raise ValueError(f"{name}: unknown placeholder {given}; allowed: {shown}")
        return self

    def columns(self) -> list[str]:
        return [self.date, self.description, self.debit, self.credit, self.balance]


class StatementColours(StrictModel):
    """Colours as #RRGGBB."""

    text: str = Field(pattern=HEX_COLOUR)
    muted: str = Field(pattern=HEX_COLOUR, description="the branch line and the footer")
    section_heading: str = Field(pattern=HEX_COLOUR, description="background of a currency's heading")
    table_header: str = Field(pattern=HEX_COLOUR, description="background of the column titles")
    totals: str = Field(pattern=HEX_COLOUR, description="background of opening, total and closing rows")
    rules: str = Field(pattern=HEX_COLOUR, description="the line under each row")


class ColumnWidths(StrictModel):
    """Each column's share of the table's width; together they must make 1."""

    date: float = Field(ge=0.05, le=0.6)
    description: float = Field(ge=0.1, le=0.8)
    debit: float = Field(ge=0.05, le=0.6)
    credit: float = Field(ge=0.05, le=0.6)
    balance: float = Field(ge=0.05, le=0.6)

    @model_validator(mode="after")
    def _whole_width(self) -> ColumnWidths:
        total = sum(self.shares())
        if abs(total - 1) > 0.005:
            raise ValueError(f"the five shares add up to {total:.3f}; they must add up to 1")
        return self

    def shares(self) -> list[float]:
        return [self.date, self.description, self.debit, self.credit, self.balance]


class StatementLayout(StrictModel):
    colours: StatementColours
    column_widths: ColumnWidths
    texts: dict[str, StatementTexts]

    @field_validator("texts")
    @classmethod
    def _both_languages(cls, value: dict[str, StatementTexts]) -> dict[str, StatementTexts]:
        missing, extra = {"es", "en"} - set(value), set(value) - {"es", "en"}
        if missing or extra:
            problems = [f"missing {', '.join(sorted(missing))}"] if missing else []
            problems += [f"not a language of the statement: {', '.join(sorted(extra))}"] if extra else []
            raise ValueError(f"needs the texts of es and en, and only those ({'; '.join(problems)})")
        return value


def _placeholders(text: str, field: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:  # an unmatched brace
        raise ValueError(f"{field}: {exc} (write {{{{ or }}}} for a brace itself)") from None


_CACHE: dict[Path, tuple[int, StatementLayout]] = {}


def load_layout(path: Path = LAYOUT_FILE) -> StatementLayout:
    """The validated layout in `path`, parsed again only when the file changes."""
    try:
        changed = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise StatementLayoutError(f"Statement layout {_shown(path)} does not exist") from None
    cached = _CACHE.get(path)
    if cached and cached[0] == changed:
        return cached[1]
    layout = parse_layout(path.read_text(encoding="utf-8"), _shown(path))
    _CACHE[path] = (changed, layout)
    return layout


def parse_layout(text: str, shown: str) -> StatementLayout:
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise StatementLayoutError(f"Statement layout {shown} is not valid YAML{where}") from None
    try:
        return StatementLayout.model_validate(data)
    except ValidationError as exc:
        message = describe_errors(shown, exc, StatementLayout, what="statement layout")
        raise StatementLayoutError(message) from None


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(TEMPLATES_DIR.resolve().parents[1]))
    except ValueError:
        return str(path)
