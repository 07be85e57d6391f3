"""The account statement PDF of `customer_statements`, drawn with reportlab's platypus.

Same content and texts as `include/templates/customer_statements/statement.<lang>.html` (the
xhtml2pdf engine, `pdf_engine: html`), built for speed: fixed column widths, plain-string cells
(a description becomes a wrapping Paragraph only when it does not fit its column), one style per
table, the table header repeated on every page and a footer drawn on each page (the page count is
written when the document is saved: no second layout pass). Data goes into Paragraph markup
only through `escape`, so a name like `<b>` or `A & B`
is shown as it is. Its wording, colours and column widths are read from the editable
`statement.layout.yaml` beside the templates (see `statement_layout`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
)

from alertas_rapidas.formatting import (
    money,
    money_with_currency,
    month_label,
    movement_description,
    short_date,
)
from alertas_rapidas.pdf.statement_layout import StatementLayout, StatementTexts, load_layout

FONT, BOLD = "Helvetica", "Helvetica-Bold"
BODY_SIZE = 9
MARGINS = {"topMargin": 1.6 * cm, "rightMargin": 1.4 * cm, "bottomMargin": 1.8 * cm, "leftMargin": 1.4 * cm}
WIDTH = A4[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]
HEIGHT = A4[1] - MARGINS["topMargin"] - MARGINS["bottomMargin"]
CELL_PAD = 4  # left and right padding of a cell, points
SECTION_ROOM = 3 * cm  # a section starts on a new page when less than this is left


@dataclass(frozen=True)
class _Look:
    """Paragraph and table styles made from a layout's colours and widths (once per layout)."""

    layout: StatementLayout
    body: ParagraphStyle
    body_right: ParagraphStyle
    muted: ParagraphStyle
    h1: ParagraphStyle
    h1_right: ParagraphStyle
    h2: ParagraphStyle
    colours: dict[str, Any]  # name in the layout file -> reportlab colour
    col_widths: list[float]
    muted_colour: Any

    @property
    def description_room(self) -> float:
        return self.col_widths[1] - 2 * CELL_PAD


def _make_look(layout: StatementLayout) -> _Look:
    colour = {name: colors.HexColor(value) for name, value in layout.colours.model_dump().items()}
    body = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=11.5, textColor=colour["text"])
    h1 = ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=15, leading=18, spaceAfter=4)
    return _Look(
        layout=layout,
        body=body,
        body_right=ParagraphStyle("body_right", parent=body, alignment=TA_RIGHT),
        muted=ParagraphStyle("muted", parent=body, textColor=colour["muted"]),
        h1=h1,
        h1_right=ParagraphStyle("h1_right", parent=h1, alignment=TA_RIGHT),
        h2=ParagraphStyle(
            "h2",
            parent=body,
            fontName=BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=14,
            spaceAfter=7,
            backColor=colour["section_heading"],
            # (top, right, bottom, left): reportlab takes a tuple too; its stubs say float only
            borderPadding=(3, 4, 3, 4),  # type: ignore[arg-type]
            leftIndent=4,
            rightIndent=4,
        ),
        colours=colour,
        col_widths=[WIDTH * share for share in layout.column_widths.shares()],
        muted_colour=colour["muted"],
    )


_LOOKS: dict[int, _Look] = {}


def _look(layout: StatementLayout) -> _Look:
    look = _LOOKS.get(id(layout))
    if look is None or look.layout is not layout:
        if len(_LOOKS) > 8:  # layouts only change when the file is edited
            _LOOKS.clear()
        look = _LOOKS[id(layout)] = _make_look(layout)
    return look


def build_statement(context: dict[str, Any], lang: str, layout: StatementLayout | None = None) -> bytes:
    """The statement PDF of one customer (the message context the transform builds), with the
    wording, colours and widths of `layout` (by default the editable `statement.layout.yaml`)."""
    lang = "en" if lang == "en" else "es"
    look = _look(layout or load_layout())
    texts = look.layout.texts[lang]
    dealership, customer, period = context["dealership"], context["customer"], context["period"]
    start, end = short_date(period["start"], lang), short_date(period["last_day"], lang)

    story: list[Any] = [
        _Columns(
            (
                (
                    0.6,
                    [
                        *_logo(context.get("brand")),
                        _PlainLines(dealership["name"], look.h1),
                        _PlainLines(texts.dealer_tax_id.format(tax_id=dealership["tax_id"]), look.body),
                        _PlainLines(dealership["branch"], look.muted),
                        *_letterhead(context.get("brand"), look),
                    ],
                ),
                (
                    0.4,
                    [
                        _PlainLines(texts.title, look.h1_right),
                        _PlainLines(texts.period.format(start=start, end=end), look.body_right),
                    ],
                ),
            )
        ),
        Spacer(1, 9),
        Paragraph(
            "&nbsp;&nbsp;".join(
                f"<b>{escape(getattr(texts, label))}</b> {escape(customer[field])}"
                for label, field in (("customer", "legal_name"), ("code", "code"), ("tax_id", "tax_id"))
            ),
            look.body,
        ),
    ]
    for section in context["sections"]:
        kind = texts.local if section["kind"] == "local" else texts.foreign
        story.append(CondPageBreak(SECTION_ROOM))  # never a section title alone at a page's foot
        story.append(Paragraph(escape(texts.section.format(currency=section["currency"]) + kind), look.h2))
        story.append(_section_table(section, look, texts, lang, end))

    footer = texts.footer.format(
        dealership=dealership["name"],
        customer=customer["legal_name"],
        month=month_label(period["start"], lang),
    )
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=texts.title,
        author=dealership["name"],
        creator="Alertas Rápidas",
        lang="en" if lang == "en" else "es-AR",
        pageCompression=1,
        topMargin=MARGINS["topMargin"],
        rightMargin=MARGINS["rightMargin"],
        bottomMargin=MARGINS["bottomMargin"],
        leftMargin=MARGINS["leftMargin"],
    )
    frame = Frame(
        MARGINS["leftMargin"],
        MARGINS["bottomMargin"],
        WIDTH,
        HEIGHT,
        leftPadding=0,
        rightPadding=0,
        id="body",
    )
    document.addPageTemplates(PageTemplate("page", [frame], onPageEnd=_footer(footer, look.muted_colour)))
    document.build(story, canvasmaker=_counting_canvas(texts.page, look.muted_colour))
    return buffer.getvalue()


class _Columns(Flowable):
    """Columns of flowables side by side (a share of the width each), stacked from the top with
    their space before and after: the statement's head (the dealership on the left, the title on
    the right), laid out without a table's cell styles and measuring passes."""

    def __init__(self, columns: tuple[tuple[float, list[Flowable]], ...]) -> None:
        super().__init__()
        self.columns = columns
        self._sizes: list[list[tuple[float, float]]] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self._sizes, heights = available_width, [], []
        for share, items in self.columns:
            sizes = [item.wrap(available_width * share, available_height) for item in items]
            self._sizes.append(sizes)
            spaces = sum(item.getSpaceBefore() + item.getSpaceAfter() for item in items)
            heights.append(sum(height for _, height in sizes) + spaces)
        self.height = max(heights, default=0.0)
        return self.width, self.height

    def draw(self) -> None:
        x = 0.0
        for (share, items), sizes in zip(self.columns, self._sizes, strict=True):
            y = self.height
            for item, (_, height) in zip(items, sizes, strict=True):
                y -= item.getSpaceBefore() + height
                item.drawOn(self.canv, x, y)
                y -= item.getSpaceAfter()
            x += self.width * share


LOGO_HEIGHT = 1.3 * cm


class _EncodedImage:
    """An image as a PDF image XObject, encoded once per process.

    reportlab's `drawImage` encodes an image again for every document it is drawn in (a digest of
    its pixels, then the pixels and their alpha deflated anew): for a logo on 100,000 statements,
    that was a third of a statement's cost. Here the encoded XObject (and its soft mask) is made
    once, and each document gets a shallow copy registered under the same name, exactly as
    `drawImage` registers its own (reportlab's `Canvas._doc`, `_setXObjects`, `_formsinuse`:
    reportlab is pinned in requirements.txt, and tests/unit/pdf/test_statement.py reads the logo
    back from the PDF)."""

    def __init__(self, path: str) -> None:
        import hashlib

        from reportlab import rl_config

        with open(path, "rb") as file:
            self.name = "alertasimg" + hashlib.sha256(file.read()).hexdigest()[:24]
        ascii85, rl_config.useA85 = rl_config.useA85, 0  # binary Flate: no ASCII85 text to re-encode
        try:
            self.prototype = _FormattedOnce(self.name, ImageReader(path), mask="auto")
        finally:
            rl_config.useA85 = ascii85
        self.prototype.name = self.name
        self.width, self.height = self.prototype.width, self.prototype.height

    def draw(self, canvas: Canvas, width: float, height: float) -> None:
        """Draw it at the origin of `canvas`, `width` x `height` points."""
        import copy

        # reportlab's private canvas and document API (its stubs declare none of it): the form
        # XObject is registered once per document and drawn by name
        pdf: Any = canvas
        document = pdf._doc
        registered = document.getXObjectName(self.name)
        if document.idToObject.get(registered) is None:  # first drawing in this document
            image: Any = copy.copy(self.prototype)
            image._origin = self.prototype
            mask = image.__dict__.pop("_smask", None)
            pdf._setXObjects(image)
            document.Reference(image, registered)
            document.addForm(self.name, image)
            if mask is not None:
                mask = copy.copy(mask)
                pdf._setXObjects(mask)
                image.smask = document.Reference(mask, document.getXObjectName(mask.name))
        canvas.saveState()
        canvas.scale(width, height)
        pdf._code.append(f"/{registered} Do")
        canvas.restoreState()
        pdf._formsinuse.append(self.name)


class _FormattedOnce(PDFImageXObject):
    """An image XObject that writes its PDF bytes once: without a soft mask (whose reference
    differs in each document) they are the same in every document."""

    _formatted: bytes | None = None

    def format(self, document: Any) -> bytes:
        if getattr(self, "smask", None) is not None:
            return super().format(document)
        if self._formatted is None:
            type(self)._cache_for(self, super().format(document))
        return self._formatted  # type: ignore[return-value]

    @staticmethod
    def _cache_for(image: _FormattedOnce, data: bytes) -> None:
        image._formatted = data
        origin = getattr(image, "_origin", None)  # the prototype a document's copy came from
        if origin is not None:
            origin._formatted = data


_LOGOS: dict[str, _EncodedImage] = {}


class _Logo(Flowable):
    """The logo, from its image encoded once for the process (`_EncodedImage`)."""

    def __init__(self, image: _EncodedImage) -> None:
        super().__init__()
        self.image = image
        self.width, self.height = LOGO_HEIGHT * image.width / image.height, LOGO_HEIGHT
        self.hAlign = "LEFT"

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.image.draw(self.canv, self.width, self.height)


def _logo(brand: dict[str, Any] | None) -> list[Any]:
    """The dealership's logo (the `branding.logo` file), 1.3 cm tall, or nothing."""
    path = (brand or {}).get("logo")
    if not path:
        return []
    image = _LOGOS.get(path)
    if image is None:
        if len(_LOGOS) > 8:
            _LOGOS.clear()
        image = _LOGOS[path] = _EncodedImage(path)
    return [_Logo(image), Spacer(1, 4)]


def _letterhead(brand: dict[str, Any] | None, look: _Look) -> list[Any]:
    """The `branding.letterhead` lines (address, phone, web) on one muted line (wrapped when
    longer than the column)."""
    lines = (brand or {}).get("letterhead") or []
    return [_PlainLines(" · ".join(lines), look.muted)] if lines else []


@lru_cache(maxsize=64)
def _split(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` broken into lines `width` wide (the same letterhead on every statement: once)."""
    from reportlab.lib.utils import simpleSplit

    return simpleSplit(text, font, size, width)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """`text` in lines `width` wide, broken at spaces; a word wider than a line is broken where it
    reaches the edge (as reportlab's Paragraph does), so nothing runs into the next column."""
    lines: list[str] = []
    for line in _split(" ".join(text.split()), font, size, width) or [""]:
        while stringWidth(line, font, size) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


class _PlainLines(Flowable):
    """Plain text in one style (its font, size, leading, colour, left or right alignment and space
    after), broken into lines at spaces: drawn with `drawString`, no markup parsed, so data shows
    as it is (a Paragraph's parsing and layout were most of what the header cost a statement)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = " ".join(text.split()), style
        self.lines: list[str] = []
        self.spaceBefore, self.spaceAfter = style.spaceBefore, style.spaceAfter

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.lines = _split(self.text, self.style.fontName, self.style.fontSize, available_width)
        self.width = available_width
        return available_width, self.style.leading * len(self.lines)

    def draw(self) -> None:
        canvas, style = self.canv, self.style
        canvas.setFont(style.fontName, style.fontSize)
        canvas.setFillColor(style.textColor)
        baseline = style.leading * len(self.lines) - style.fontSize
        for number, line in enumerate(self.lines):
            if style.alignment == TA_RIGHT:
                canvas.drawRightString(self.width, baseline - number * style.leading, line)
            else:
                canvas.drawString(0, baseline - number * style.leading, line)


def _counting_canvas(page_label: str, colour: Any) -> type[Canvas]:
    """A canvas that holds its pages until the end, then writes "Página N de M" on each: the
    number of pages is known only when the story has been laid out (no second layout pass)."""

    class CountingCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's private page reset (not in its stubs)

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.saveState()
                self.setFont(FONT, 8)
                self.setFillColor(colour)
                label = page_label.format(page=number, pages=total)
                self.drawRightString(A4[0] - MARGINS["rightMargin"], 1.0 * cm, label)
                self.restoreState()
                super().showPage()
            super().save()

    return CountingCanvas


def _section_table(
    section: dict[str, Any], look: _Look, texts: StatementTexts, lang: str, end: str
) -> _SectionTable:
    currency = section["currency"]
    rows = [
        _Row("header", tuple(texts.columns())),
        _Row("totals", ("", texts.opening, "", "", money(section["opening"], lang))),
    ]
    for movement in section["movements"]:
        rows.append(
            _Row(
                "body",
                (
                    short_date(movement["date"], lang),
                    movement_description(movement["description"], lang),
                    money(movement["debit"], lang) if movement["debit"] else "",
                    money(movement["credit"], lang) if movement["credit"] else "",
                    money(movement["balance"], lang),
                ),
            )
        )
    rows.append(
        _Row(
            "totals",
            ("", texts.total, money(section["debit_total"], lang), money(section["credit_total"], lang), ""),
        )
    )
    rows.append(
        _Row("totals", (end, texts.closing, "", "", money_with_currency(section["closing"], currency, lang)))
    )
    return _SectionTable(rows, look)


# How each kind of row of a section table is drawn: font, size, top and bottom padding.
_ROW_FONTS = {"header": (BOLD, 8.5, 3.0), "totals": (BOLD, BODY_SIZE, 2.0), "body": (FONT, BODY_SIZE, 2.0)}
_WRAP_LEADING = 10.5  # between the lines of a description that wraps


@dataclass(frozen=True)
class _Row:
    kind: str  # header | totals | body
    cells: tuple[str, ...]  # date, description, debit, credit, balance


class _SectionTable(Flowable):
    """One section's table (header row, opening balance, movements, totals, closing balance),
    drawn straight on the canvas: every cell is plain text in its row's font, one text object for
    the whole table, figures right-aligned, a rule below each row, shaded header and totals rows.
    A description wider than its column wraps at spaces. Split across pages between rows, the
    header row repeated on top of every part. Same look as the reportlab `Table` it replaces, at a
    fraction of the cost (a `Table` styles, measures and draws each cell through generic code)."""

    def __init__(self, rows: list[_Row], look: _Look) -> None:
        super().__init__()
        self.rows, self.look = rows, look
        self.width = sum(look.col_widths)
        self._lines = [self._cell_lines(row) for row in rows]
        self._heights = [self._row_height(row, lines) for row, lines in zip(rows, self._lines, strict=True)]
        self.height = sum(self._heights)

    def _cell_lines(self, row: _Row) -> list[str] | None:
        """The description's lines when it wraps (a movement's only), else None."""
        text = row.cells[1]
        if row.kind != "body" or (
            "\n" not in text and stringWidth(text, FONT, BODY_SIZE) <= self.look.description_room
        ):
            return None
        return _wrap(text, FONT, BODY_SIZE, self.look.description_room)

    @staticmethod
    def _row_height(row: _Row, lines: list[str] | None) -> float:
        _, size, padding = _ROW_FONTS[row.kind]
        content = size * 1.2 if lines is None else max(size * 1.2, len(lines) * _WRAP_LEADING)
        return content + 2 * padding

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The rows that fit (at least one after the header), and the rest under the header again."""
        used, count = self._heights[0], 1
        while count < len(self.rows) and used + self._heights[count] <= available_height:
            used += self._heights[count]
            count += 1
        if count < 2 or count == len(self.rows):
            return []  # nothing but the header fits (the frame moves on), or everything does
        header = self.rows[0]
        return [
            _SectionTable(self.rows[:count], self.look),
            _SectionTable([header, *self.rows[count:]], self.look),
        ]

    def draw(self) -> None:
        canvas, look = self.canv, self.look
        colours = look.colours
        top = self.height
        edges = [0.0]
        for width in look.col_widths:
            edges.append(edges[-1] + width)
        canvas.saveState()
        # backgrounds, then the rules below every row but the header
        y = top
        for row, height in zip(self.rows, self._heights, strict=True):
            y -= height
            if row.kind != "body":
                canvas.setFillColor(colours["table_header" if row.kind == "header" else "totals"])
                canvas.rect(0, y, self.width, height, stroke=0, fill=1)
        canvas.setStrokeColor(colours["rules"])
        canvas.setLineWidth(0.5)
        y = top
        for row, height in zip(self.rows, self._heights, strict=True):
            y -= height
            if row.kind != "header":
                canvas.line(0, y, self.width, y)
        text = canvas.beginText()
        text.setFillColor(colours["text"])
        y = top
        current = None
        for row, height, lines in zip(self.rows, self._heights, self._lines, strict=True):
            font, size, padding = _ROW_FONTS[row.kind]
            if (font, size) != current:
                text.setFont(font, size)
                current = (font, size)
            baseline = y - padding - size
            for column, value in enumerate(row.cells):
                if column == 1 and lines is not None:
                    for number, line in enumerate(lines):
                        text.setTextOrigin(edges[1] + CELL_PAD, baseline - number * _WRAP_LEADING)
                        text.textOut(line)
                elif value:
                    if column >= 2:  # figures (and their headings) to the right
                        x = edges[column + 1] - CELL_PAD - stringWidth(value, font, size)
                    else:
                        x = edges[column] + CELL_PAD
                    text.setTextOrigin(x, baseline)
                    text.textOut(value)
            y -= height
        canvas.drawText(text)
        canvas.restoreState()


def _footer(text: str, colour: Any) -> Any:
    room = WIDTH - 80  # leave the right end for "Página N de M" (drawn by the canvas at the end)

    def draw(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colour)
        y = 1.0 * cm
        canvas.drawString(MARGINS["leftMargin"], y, _fit(text, room, 8))
        canvas.restoreState()

    return draw


def _fit(text: str, room: float, size: float) -> str:
    """`text` on one line: cut with an ellipsis when wider than `room` points."""
    text = " ".join(text.split())
    if stringWidth(text, FONT, size) <= room:
        return text
    while text and stringWidth(text + "…", FONT, size) > room:
        text = text[: max(0, len(text) - max(1, len(text) // 10))]
    return text.rstrip() + "…"
