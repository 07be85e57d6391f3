"""How wide a report table is in the mail body, against the 640 px the mail layout gives it.

The body table (`_macros/tables.html`: Arial 14 px, 8 px padding each side) can wrap text at its
spaces, but never inside a word, an amount or a date: its narrowest possible width is the sum of
each column's widest unbreakable piece (heading words in bold, cells). When that sum is wider than
the mail (`_layouts/mail.html`, `max-width: 640px`), the table runs past the mail's right edge.

`validate` estimates it from the declared columns (headings, and a typical value of each kind);
`preview` measures the cells the messages really carry. Each says so in a warning line naming the
family and the table: a warning, not a problem (the mail is still sent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAIL_WIDTH = 640  # px: `max-width` of `_layouts/mail.html`
FONT_SIZE = 14  # px: the body's font (Arial; Helvetica's metrics are Arial's)
CELL_PADDING = 16  # px: 8 px each side, `_macros/tables.html`
# A value of each kind as wide as a usual one, for an estimate without data.
TYPICAL = {
    "money": "1.234.567,89",
    "date": "31/10/2026",
    "int": "12.345",
    "quantity": "1.234,5",
    "text": "Xxxxxxxx",
}


@dataclass(frozen=True)
class TableWidth:
    """A table's narrowest width in the mail, with its columns for the message."""

    name: str  # `table`, or `tables.<name>`
    width: int
    columns: int

    @property
    def too_wide(self) -> bool:
        return self.width > MAIL_WIDTH

    def warning(self, measured: str) -> str:
        return (
            f"the body's {self.name} is about {self.width} px wide at its narrowest ({self.columns} "
            f"columns, {measured}), wider than the {MAIL_WIDTH} px mail: it runs past the mail's "
            "edge; show fewer columns in the body or shorter headings (the XLSX can keep them all)"
        )


def text_width(text: str, *, bold: bool = False) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, "Helvetica-Bold" if bold else "Helvetica", FONT_SIZE)


def widest_piece(text: str, *, bold: bool = False) -> float:
    """The widest part of `text` a browser cannot break (it breaks at spaces, not at no-break ones)."""
    return max((text_width(word, bold=bold) for word in text.split(" ") if word), default=0.0)


def column_width(heading: str, cells: Iterable[str]) -> float:
    return max([widest_piece(heading, bold=True), *(widest_piece(cell) for cell in cells)]) + CELL_PADDING


def measure(name: str, headings: Sequence[str], cells_by_column: Sequence[Iterable[str]]) -> TableWidth:
    width = sum(column_width(h, c) for h, c in zip(headings, cells_by_column, strict=True))
    return TableWidth(name, round(width), len(headings))


def estimated(name: str, columns: Sequence[tuple[Mapping[str, str], str]]) -> TableWidth:
    """From declared columns, (heading by language, kind) each: the wider language, typical values."""
    widths = [
        measure(
            name,
            [column[0][lang] for column in columns],
            [[TYPICAL.get(kind, TYPICAL["text"])] for _, kind in columns],
        )
        for lang in ("es", "en")
    ]
    return max(widths, key=lambda each: each.width)


def rendered(
    name: str, table: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], language: str
) -> TableWidth:
    """From a message's table (context `table`) and the rows its body shows (`top`)."""
    from alertas_rapidas.formatting import cell

    columns = table["columns"]
    headings = [column[f"label_{language}"] for column in columns]
    cells = [[cell(row.get(column["key"]), column["kind"], language) for row in rows] for column in columns]
    return measure(name, headings, cells)
