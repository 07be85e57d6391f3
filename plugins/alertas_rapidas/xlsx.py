"""Tabular reports as XLSX attachments (openpyxl), from the plain `table(...)` data."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

_FORMATS = {"money": "#,##0.00", "date": "DD/MM/YYYY", "int": "0", "quantity": "#,##0.###"}
_HEADER_FILL = PatternFill("solid", fgColor="DFE6EE")


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


def table_to_xlsx(table: dict[str, Any], language: str = "es") -> bytes:
    """One sheet: a bold header row, typed cells, frozen header, filter, sensible widths."""
    return tables_to_xlsx([table], language)


def tables_to_xlsx(tables: list[dict[str, Any]], language: str = "es") -> bytes:
    """One sheet per table, in order, each as `table_to_xlsx` makes it."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        _write_sheet(workbook.create_sheet(), table, language)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet: Any, table: dict[str, Any], language: str) -> None:
    title = table["title_en"] if language == "en" else table["title_es"]
    sheet.title = title[:31]
    columns = table["columns"]
    labels = [column["label_en"] if language == "en" else column["label_es"] for column in columns]
    sheet.append(labels)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for row in table["rows"]:
        sheet.append([_cell_value(row.get(column["key"]), column["kind"]) for column in columns])
    totals = table.get("totals") or {}
    if totals and table["rows"]:  # a total row under the columns the config adds up
        label = "Total"
        sheet.append(
            [_cell_value(totals[c["key"]], c["kind"]) if c["key"] in totals else None for c in columns]
        )
        if columns[0]["key"] not in totals:
            sheet.cell(row=sheet.max_row, column=1, value=label)
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        number_format = _FORMATS.get(column["kind"])
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        longest = max(
            [len(labels[index - 1])] + [len(str(r.get(column["key"]) or "")) for r in table["rows"]]
        )
        sheet.column_dimensions[letter].width = min(max(10, longest + 2), 60)
    sheet.freeze_panes = "A2"
    if table["rows"]:  # the filter spans the data rows, never the total row
        last = get_column_letter(len(columns))
        sheet.auto_filter.ref = f"A1:{last}{len(table['rows']) + 1}"
