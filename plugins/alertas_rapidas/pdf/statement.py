"""The account statement PDF of `customer_statements`, drawn with reportlab's platypus.

Same content and texts as `include/templates/customer_statements/statement.<lang>.html` (the
xhtml2pdf engine, `pdf_engine: html`), built for speed: fixed column widths, plain-string cells
(a description becomes a wrapping Paragraph only when it does not fit its column), one style per
table, the table header repeated on every page and a footer drawn on each page (no page-count
pass). Data goes into Paragraph markup only through `escape`, so a name like `<b>` or `A & B`
is shown as it is. The texts are in `TEXTS`: a wording change goes here and in the templates.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from alertas_rapidas.formatting import money, money_with_currency, month_label, short_date

FONT, BOLD = "Helvetica", "Helvetica-Bold"
BODY_SIZE = 9
MARGINS = {"topMargin": 1.6 * cm, "rightMargin": 1.4 * cm, "bottomMargin": 1.8 * cm, "leftMargin": 1.4 * cm}
WIDTH = A4[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]
HEIGHT = A4[1] - MARGINS["topMargin"] - MARGINS["bottomMargin"]
COLUMNS = [0.13, 0.42, 0.15, 0.15, 0.15]  # date, description, debit, credit, balance
COL_WIDTHS = [WIDTH * share for share in COLUMNS]
CELL_PAD = 4  # left and right padding of a cell, points

INK, MUTED = colors.HexColor("#222222"), colors.HexColor("#666666")
HEADING_BG, HEADER_BG = colors.HexColor("#eef2f6"), colors.HexColor("#dfe6ee")
TOTAL_BG, RULE = colors.HexColor("#f5f7f9"), colors.HexColor("#e3e3e3")

BODY = ParagraphStyle("body", fontName=FONT, fontSize=BODY_SIZE, leading=11.5, textColor=INK)
BODY_RIGHT = ParagraphStyle("body_right", parent=BODY, alignment=TA_RIGHT)
MUTED_TEXT = ParagraphStyle("muted", parent=BODY, textColor=MUTED)
H1 = ParagraphStyle("h1", parent=BODY, fontName=BOLD, fontSize=15, leading=18, spaceAfter=4)
H1_RIGHT = ParagraphStyle("h1_right", parent=H1, alignment=TA_RIGHT)
H2 = ParagraphStyle(
    "h2",
    parent=BODY,
    fontName=BOLD,
    fontSize=11,
    leading=14,
    spaceBefore=14,
    spaceAfter=7,
    backColor=HEADING_BG,
    borderPadding=(3, 4, 3, 4),
    leftIndent=4,
    rightIndent=4,
)
SECTION_ROOM = 3 * cm  # a section starts on a new page when less than this is left
CELL = ParagraphStyle("cell", parent=BODY, leading=10.5)

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Estado de cuenta",
        "dealer_tax_id": "CUIT {tax_id}",
        "period": "Período: {start} al {end}",
        "customer": "Cliente:",
        "code": "Código:",
        "tax_id": "CUIT:",
        "section": "Cuenta corriente en {currency}",
        "local": " (moneda local)",
        "foreign": " (moneda extranjera)",
        "columns": "Fecha|Descripción|Débito|Crédito|Saldo",
        "opening": "Saldo anterior",
        "total": "Total del período",
        "closing": "Saldo final",
        "footer": "{dealership} - Estado de cuenta de {customer} - {month}",
        "page": "Página {page}",
    },
    "en": {
        "title": "Account statement",
        "dealer_tax_id": "Tax ID (CUIT) {tax_id}",
        "period": "Period: {start} to {end}",
        "customer": "Customer:",
        "code": "Code:",
        "tax_id": "Tax ID:",
        "section": "Current account in {currency}",
        "local": " (local currency)",
        "foreign": " (foreign currency)",
        "columns": "Date|Description|Debit|Credit|Balance",
        "opening": "Opening balance",
        "total": "Period total",
        "closing": "Closing balance",
        "footer": "{dealership} - Statement of {customer} - {month}",
        "page": "Page {page}",
    },
}

_GRID_BASE = [
    ("FONT", (0, 0), (-1, -1), FONT, BODY_SIZE),
    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
    ("LINEBELOW", (0, 1), (-1, -1), 0.5, RULE),
    # the header row (repeated on every page)
    ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
    ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
    ("TOPPADDING", (0, 0), (-1, 0), 3),
    ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
    # the opening-balance row
    ("FONT", (0, 1), (-1, 1), BOLD, BODY_SIZE),
    ("BACKGROUND", (0, 1), (-1, 1), TOTAL_BG),
    # the period-total and closing-balance rows
    ("FONT", (0, -2), (-1, -1), BOLD, BODY_SIZE),
    ("BACKGROUND", (0, -2), (-1, -1), TOTAL_BG),
]
GRID_STYLE = TableStyle(_GRID_BASE)
HEADER_STYLE = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


def build_statement(context: dict[str, Any], lang: str) -> bytes:
    """The statement PDF of one customer (the message context the transform builds)."""
    lang = "en" if lang == "en" else "es"
    texts = TEXTS[lang]
    dealership, customer, period = context["dealership"], context["customer"], context["period"]
    start, end = short_date(period["start"], lang), short_date(period["last_day"], lang)

    story: list[Any] = [
        Table(
            [
                [
                    [
                        Paragraph(escape(dealership["name"]), H1),
                        Paragraph(escape(texts["dealer_tax_id"].format(tax_id=dealership["tax_id"])), BODY),
                        Paragraph(escape(dealership["branch"]), MUTED_TEXT),
                    ],
                    [
                        Paragraph(escape(texts["title"]), H1_RIGHT),
                        Paragraph(escape(texts["period"].format(start=start, end=end)), BODY_RIGHT),
                    ],
                ]
            ],
            colWidths=[WIDTH * 0.6, WIDTH * 0.4],
            style=HEADER_STYLE,
        ),
        Spacer(1, 9),
        Paragraph(
            "&nbsp;&nbsp;".join(
                f"<b>{escape(texts[label])}</b> {escape(customer[field])}"
                for label, field in (("customer", "legal_name"), ("code", "code"), ("tax_id", "tax_id"))
            ),
            BODY,
        ),
    ]
    for section in context["sections"]:
        kind = texts["local"] if section["kind"] == "local" else texts["foreign"]
        story.append(CondPageBreak(SECTION_ROOM))  # never a section title alone at a page's foot
        story.append(Paragraph(escape(texts["section"].format(currency=section["currency"]) + kind), H2))
        story.append(_section_table(section, texts, lang, end))

    footer = texts["footer"].format(
        dealership=dealership["name"],
        customer=customer["legal_name"],
        month=month_label(period["start"], lang),
    )
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=texts["title"],
        author=dealership["name"],
        creator="Alertas Rápidas",
        lang="en" if lang == "en" else "es-AR",
        pageCompression=1,
        **MARGINS,
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
    document.addPageTemplates(PageTemplate("page", [frame], onPageEnd=_footer(footer, texts["page"])))
    document.build(story)
    return buffer.getvalue()


def _section_table(section: dict[str, Any], texts: dict[str, str], lang: str, end: str) -> Table:
    currency = section["currency"]
    rows: list[list[Any]] = [
        texts["columns"].split("|"),
        ["", texts["opening"], "", "", money(section["opening"], lang)],
    ]
    for movement in section["movements"]:
        rows.append(
            [
                short_date(movement["date"], lang),
                _description(movement["description"]),
                money(movement["debit"], lang) if movement["debit"] else "",
                money(movement["credit"], lang) if movement["credit"] else "",
                money(movement["balance"], lang),
            ]
        )
    rows.append(
        ["", texts["total"], money(section["debit_total"], lang), money(section["credit_total"], lang), ""]
    )
    rows.append([end, texts["closing"], "", "", money_with_currency(section["closing"], currency, lang)])
    return Table(rows, colWidths=COL_WIDTHS, repeatRows=1, style=GRID_STYLE)


_DESCRIPTION_ROOM = COL_WIDTHS[1] - 2 * CELL_PAD


def _description(text: str) -> Any:
    """A plain string (drawn as is, fast) when it fits on one line; else a wrapping Paragraph."""
    if "\n" not in text and stringWidth(text, FONT, BODY_SIZE) <= _DESCRIPTION_ROOM:
        return text
    return Paragraph(escape(text), CELL)


def _footer(text: str, page_label: str) -> Any:
    room = WIDTH - 60  # leave the right end for the page number

    def draw(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(MUTED)
        y = 1.0 * cm
        canvas.drawString(MARGINS["leftMargin"], y, _fit(text, room, 8))
        canvas.drawRightString(A4[0] - MARGINS["rightMargin"], y, page_label.format(page=document.page))
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
