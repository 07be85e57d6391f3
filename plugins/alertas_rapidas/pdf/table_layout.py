"""Column widths and page orientation of the shared report-table PDF (`_reports/table.html`).

xhtml2pdf wraps a cell only at spaces: a date, an amount or a code wider than its column is drawn
over the next one. So each column gets at least the width of its widest unbreakable text (a whole
number, date or amount; the longest word of a text or of the column's heading), measured in the
fonts the PDF uses; what is left goes to the columns that would like more (long texts). When the
minimum does not fit an A4 portrait page, the report is printed landscape.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth

from alertas_rapidas import formatting

BODY_FONT, BODY_SIZE = "Helvetica", 9.0
HEAD_FONT, HEAD_SIZE = "Helvetica-Bold", 8.5
SIDE_MARGIN = 1.4 * cm  # the layout's left and right page margins (`_layouts/pdf.html`)
CELL_ROOM = 8 + 4  # left + right padding of a cell (4pt each) and a little air, points
TEXT_MAX = 220.0  # a long text wraps past this many points rather than taking the page
NUMERIC = ("money", "int", "quantity", "date")


def page_width(orientation: str) -> float:
    size = landscape(A4) if orientation == "landscape" else A4
    return size[0] - 2 * SIDE_MARGIN


def _width(text: str, font: str = BODY_FONT, size: float = BODY_SIZE) -> float:
    return stringWidth(text, font, size)


def _longest_word(text: str, font: str, size: float) -> float:
    return max((_width(word, font, size) for word in text.split()), default=0.0)


def report_layout(table: dict[str, Any], lang: str = "es") -> dict[str, Any]:
    """`{"orientation": "portrait"|"landscape", "widths": [percent of the table, per column]}`."""
    columns = table["columns"]
    label = "label_en" if lang == "en" else "label_es"
    least, wanted = [], []
    for column in columns:
        head = _longest_word(str(column[label]), HEAD_FONT, HEAD_SIZE)
        values = [row.get(column["key"]) for row in table["rows"]]
        values.append((table.get("totals") or {}).get(column["key"]))  # the total row's cell
        cells = [formatting.cell(value, column["kind"], lang) for value in values]
        if column["kind"] in NUMERIC:  # never wrapped
            need = max([head, *(_width(cell) for cell in cells)])
            least.append(need + CELL_ROOM)
            wanted.append(need + CELL_ROOM)
        else:
            word = max([head, *(_longest_word(cell, BODY_FONT, BODY_SIZE) for cell in cells)])
            whole = max([head, *(_width(cell) for cell in cells)])
            least.append(word + CELL_ROOM)
            wanted.append(max(word, min(whole, TEXT_MAX)) + CELL_ROOM)
    portrait = page_width("portrait")
    orientation = "landscape" if sum(least) > portrait or sum(wanted) > 1.4 * portrait else "portrait"
    room = page_width(orientation)
    widths = _share(least, wanted, room)
    total = sum(widths) or 1.0
    return {"orientation": orientation, "widths": [round(100 * width / total, 2) for width in widths]}


def _share(least: list[float], wanted: list[float], room: float) -> list[float]:
    """Widths in points that fill `room`: each column its least, then towards what it wants, then
    the rest in proportion to what each wants. When even the least does not fit, the least scaled."""
    floor = sum(least)
    if floor >= room:
        return [width * room / floor for width in least]
    extra = room - floor
    growth = [want - low for low, want in zip(least, wanted, strict=True)]
    if sum(growth) >= extra:
        share = extra / sum(growth)
        return [low + grow * share for low, grow in zip(least, growth, strict=True)]
    spare = room - sum(wanted)
    return [want + spare * want / sum(wanted) for want in wanted]
