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
    Table,
    TableStyle,
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

HEADER_STYLE = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


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
    cell: ParagraphStyle
    grid: TableStyle
    col_widths: list[float]
    muted_colour: Any

    @property
    def description_room(self) -> float:
        return self.col_widths[1] - 2 * CELL_PAD


def _make_look(layout: StatementLayout) -> _Look:
    colour = {name: colors.HexColor(value) for name, value in layout.colours.model_dump().items()}
    body = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=11.5, textColor=colour["text"])
    h1 = ParagraphStyle("h1", parent=body, fontName=BOLD, fontSize=15, leading=18, spaceAfter=4)
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, BODY_SIZE),
            ("TEXTCOLOR", (0, 0), (-1, -1), colour["text"]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 1), (-1, -1), 0.5, colour["rules"]),
            # the header row (repeated on every page)
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
            ("BACKGROUND", (0, 0), (-1, 0), colour["table_header"]),
            ("TOPPADDING", (0, 0), (-1, 0), 3),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
            # the opening-balance row
            ("FONT", (0, 1), (-1, 1), BOLD, BODY_SIZE),
            ("BACKGROUND", (0, 1), (-1, 1), colour["totals"]),
            # the period-total and closing-balance rows
            ("FONT", (0, -2), (-1, -1), BOLD, BODY_SIZE),
            ("BACKGROUND", (0, -2), (-1, -1), colour["totals"]),
        ]
    )
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
        cell=ParagraphStyle("cell", parent=body, leading=10.5),
        grid=grid,
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
        Table(
            [
                [
                    [
                        *_logo(context.get("brand")),
                        Paragraph(escape(dealership["name"]), look.h1),
                        Paragraph(escape(texts.dealer_tax_id.format(tax_id=dealership["tax_id"])), look.body),
                        Paragraph(escape(dealership["branch"]), look.muted),
                        *_letterhead(context.get("brand"), look),
                    ],
                    [
                        Paragraph(escape(texts.title), look.h1_right),
                        Paragraph(escape(texts.period.format(start=start, end=end)), look.body_right),
                    ],
                ]
            ],
            colWidths=[WIDTH * 0.6, WIDTH * 0.4],
            style=HEADER_STYLE,
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


class _PlainLines(Flowable):
    """Plain text in one style, broken into lines at spaces: drawn with `drawString`, no markup
    parsed (a Paragraph's parsing and layout were most of what the letterhead cost a statement)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = " ".join(text.split()), style
        self.lines: list[str] = []

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


def _section_table(section: dict[str, Any], look: _Look, texts: StatementTexts, lang: str, end: str) -> Table:
    currency = section["currency"]
    rows: list[list[Any]] = [
        texts.columns(),
        ["", texts.opening, "", "", money(section["opening"], lang)],
    ]
    for movement in section["movements"]:
        rows.append(
            [
                short_date(movement["date"], lang),
                _description(movement_description(movement["description"], lang), look),
                money(movement["debit"], lang) if movement["debit"] else "",
                money(movement["credit"], lang) if movement["credit"] else "",
                money(movement["balance"], lang),
            ]
        )
    rows.append(
        ["", texts.total, money(section["debit_total"], lang), money(section["credit_total"], lang), ""]
    )
    rows.append([end, texts.closing, "", "", money_with_currency(section["closing"], currency, lang)])
    return Table(rows, colWidths=look.col_widths, repeatRows=1, style=look.grid)


def _description(text: str, look: _Look) -> Any:
    """A plain string (drawn as is, fast) when it fits on one line; else a wrapping Paragraph."""
    if "\n" not in text and stringWidth(text, FONT, BODY_SIZE) <= look.description_room:
        return text
    return Paragraph(escape(text), look.cell)


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
