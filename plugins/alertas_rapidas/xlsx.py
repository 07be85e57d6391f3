"""Tabular reports as XLSX attachments (openpyxl), from the plain `table(...)` data."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

_FORMATS = {"money": "#,##0.00", "date": "DD/MM/YYYY", "int": "0", "quantity": "#,##0.###"}
_HEADER_FILL = PatternFill("solid", fgColor="DFE6EE")
SHEET_NAME_MAX = 31  # Excel's limit
PORTRAIT_CHARACTERS = 95  # wider sheets (sum of column widths) print landscape
# A text column holding only digits (no leading zero: "0001" is a code) holds numbers: work
# orders, model years. Stored as numbers, shown without a thousands separator.
_DIGITS = re.compile(r"^[1-9][0-9]{0,14}$")
_CONNECTORS = frozenset({"a", "al", "con", "de", "del", "en", "la", "las", "los", "para", "por", "sin", "y"})
_CONNECTORS |= {"and", "at", "for", "in", "of", "on", "the", "to", "with", "without"}
_PAGE_FOOTER = {"es": "Página &P de &N", "en": "Page &P of &N"}


def _cell_value(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "money":
        return Decimal(int(value)).scaleb(-2)
    if kind == "date":
        return date.fromisoformat(str(value)[:10])
    if kind in ("int", "quantity"):
        return value
    return str(value)


def _numeric_text_columns(columns: list[dict[str, Any]], rows: list[dict[str, Any]]) -> set[str]:
    """Text columns whose every value is a whole number written in digits (no leading zero, so
    not a code such as 00012345): stored as numbers."""
    found = set()
    for column in columns:
        if column["kind"] != "text":
            continue
        values = [str(row.get(column["key"])) for row in rows if row.get(column["key"]) not in (None, "")]
        if values and all(_DIGITS.match(value) for value in values):
            found.add(column["key"])
    return found


def _shown_length(value: Any, kind: str) -> int:
    """About how many characters a cell shows (its width in the sheet)."""
    if value is None:
        return 0
    if kind == "date":
        return 10
    if kind == "money":
        return len(f"{value:,.2f}")
    if isinstance(value, (int, float, Decimal)) and kind in ("int", "quantity"):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def sheet_name(title: str) -> str:
    """A sheet name (at most 31 characters, no []:*?/\\): the title, or the whole words of it
    that fit; never a word cut in the middle."""
    text = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet"
    if len(text) <= SHEET_NAME_MAX:
        return text
    words, kept = text.split(), ""
    for word in words:
        candidate = f"{kept} {word}".strip()
        if len(candidate) > SHEET_NAME_MAX:
            break
        kept = candidate
    while " " in kept and kept.rsplit(" ", 1)[1].lower() in _CONNECTORS:  # not "Stock con"
        kept = kept.rsplit(" ", 1)[0]
    return kept or words[0][:SHEET_NAME_MAX]


def table_to_xlsx(table: dict[str, Any], language: str = "es") -> bytes:
    """One sheet: a bold header row, typed cells, frozen header, filter, sensible widths."""
    return tables_to_xlsx([table], language)


def tables_to_xlsx(tables: list[dict[str, Any]], language: str = "es") -> bytes:
    """One sheet per table, in order, each as `table_to_xlsx` makes it."""
    workbook = Workbook()
    if isinstance(workbook.active, Worksheet):  # the empty sheet a new workbook has
        workbook.remove(workbook.active)
    for table in tables:
        _write_sheet(workbook.create_sheet(), table, language)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet: Any, table: dict[str, Any], language: str) -> None:
    lang = "en" if language == "en" else "es"
    sheet.title = sheet_name(table.get(f"sheet_{lang}") or table[f"title_{lang}"])
    columns = table["columns"]
    labels = [column[f"label_{lang}"] for column in columns]
    sheet.append(labels)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    numeric = _numeric_text_columns(columns, table["rows"])
    values = [
        [
            int(row[c["key"]])
            if c["key"] in numeric and row.get(c["key"])
            else _cell_value(row.get(c["key"]), c["kind"])
            for c in columns
        ]
        for row in table["rows"]
    ]
    for row in values:
        sheet.append(row)
    totals = table.get("totals") or {}
    total_row: list[Any] = []
    if totals and table["rows"]:  # a total row under the columns the config adds up
        total_row = [_cell_value(totals.get(c["key"]), c["kind"]) for c in columns]
        if columns[0]["key"] not in totals:
            total_row[0] = "Total"
        sheet.append(total_row)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    widths = []
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        number_format = _FORMATS.get(column["kind"])
        if number_format is None and any(isinstance(row[index - 1], int) for row in values):
            number_format = "0"  # numbers from a text column: no thousands separator
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                if not isinstance(cell.value, str):
                    cell.number_format = number_format
        cells = [row[index - 1] for row in values] + ([total_row[index - 1]] if total_row else [])
        longest = max([len(labels[index - 1]) + 2] + [_shown_length(v, column["kind"]) for v in cells])
        width = min(max(10, longest + 2), 60)
        sheet.column_dimensions[letter].width = width
        widths.append(width)
    sheet.freeze_panes = "A2"
    if table["rows"]:  # the filter spans the data rows, never the total row
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A1:{last}{len(table['rows']) + 1}"
    _print_setup(sheet, sum(widths), lang)


def _print_setup(sheet: Any, width: float, lang: str) -> None:
    """A4, one page wide (as many tall as needed), landscape when wide, the header row on every
    printed page, "Página N de M" in the footer."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if width > PORTRAIT_CHARACTERS else "portrait"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = False
    sheet.oddFooter.center.text = _PAGE_FOOTER[lang]
