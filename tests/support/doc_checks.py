"""Machine checks of the documents recipients open: PDFs (no two words on top of each other, no
word off the page, "page N of M") and XLSX files (sheet names, typed cells, widths, print set-up,
total rows).

Each check returns a list of problems (plain sentences naming the file, the page or sheet and the
words or cells); `assert_pdf_ok` / `assert_xlsx_ok` fail a test with all of them at once.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

OVERLAP_SHARE = 0.2  # two glyphs overlap when they share this much of the smaller one's box
EDGE = 0.5  # points a glyph may touch past the page's edge (rounding)
SHEET_NAME_MAX = 31  # Excel's limit
DIGITS_ONLY = re.compile(r"^[1-9][0-9]{0,14}$")  # a number written as text (not a code like 0001)


@dataclass(frozen=True)
class _Glyph:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    word: str


def _shown(value: object) -> int:
    """About how many characters a cell shows: a date 10, a number with its separators."""
    if value is None:
        return 0
    if isinstance(value, (date, datetime)):
        return 10
    if isinstance(value, (int, float, Decimal)):
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _glyphs(page) -> list[_Glyph]:
    """Every visible character of a pdfplumber page, with the word it belongs to (words are
    looked up among those of the character's own line)."""
    lines: dict[int, list[dict]] = {}
    for word in page.extract_words(keep_blank_chars=False, use_text_flow=True):
        lines.setdefault(round(word["top"]), []).append(word)
    glyphs = []
    for char in page.chars:
        if not char["text"].strip():
            continue
        top = round(char["top"])
        near = [w for key in (top - 1, top, top + 1) for w in lines.get(key, ())]
        word = next(
            (
                w["text"]
                for w in near
                if w["x0"] - 0.1 <= char["x0"]
                and char["x1"] <= w["x1"] + 0.1
                and abs(w["top"] - char["top"]) < 1
            ),
            char["text"],
        )
        glyphs.append(_Glyph(char["text"], char["x0"], char["x1"], char["top"], char["bottom"], word))
    return glyphs


def _overlap(a: _Glyph, b: _Glyph) -> float:
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.bottom, b.bottom) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    smaller = min((a.x1 - a.x0) * (a.bottom - a.top), (b.x1 - b.x0) * (b.bottom - b.top)) or 1.0
    return width * height / smaller


def pdf_problems(data: bytes, name: str = "PDF") -> list[str]:
    """Overlapping words and words leaving the page, on every page of `data`."""
    import pdfplumber

    problems: list[str] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            glyphs = sorted(_glyphs(page), key=lambda g: g.x0)
            seen: set[tuple[str, str]] = set()
            for i, a in enumerate(glyphs):
                for b in glyphs[i + 1 :]:
                    if b.x0 >= a.x1:
                        break
                    if a.word != b.word and _overlap(a, b) > OVERLAP_SHARE:
                        pair = tuple(sorted((a.word, b.word)))
                        if pair not in seen:
                            seen.add(pair)
                            problems.append(f"{name} page {number}: {a.word!r} overlaps {b.word!r}")
            for glyph in glyphs:
                if (
                    glyph.x0 < -EDGE
                    or glyph.top < -EDGE
                    or glyph.x1 > page.width + EDGE
                    or glyph.bottom > page.height + EDGE
                ):
                    problems.append(f"{name} page {number}: {glyph.word!r} leaves the page")
                    break
    return problems


def pdf_text(data: bytes) -> list[str]:
    """Each page's text (pdfplumber's layout-free extraction)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def page_numbering_problems(data: bytes, name: str = "PDF") -> list[str]:
    """Every page says "Página N de M" or "Page N of M" with its own N and the real M."""
    pages = pdf_text(data)
    total = len(pages)
    problems = []
    for number, text in enumerate(pages, start=1):
        flat = " ".join(text.split())
        wanted = (f"Página {number} de {total}", f"Page {number} of {total}")
        if not any(item in flat for item in wanted):
            problems.append(f"{name} page {number}: no {wanted[0]!r} / {wanted[1]!r}")
    return problems


def assert_pdf_ok(data: bytes, name: str = "PDF") -> None:
    problems = pdf_problems(data, name) + page_numbering_problems(data, name)
    assert not problems, "\n".join(problems)


def xlsx_problems(data: bytes, name: str = "XLSX", titles: list[str] | None = None) -> list[str]:
    """Sheet names (<= 31 characters, whole words of the table's title when `titles` are given),
    numbers stored as numbers, every used column with a width, print set-up (one page wide,
    landscape when wider than a portrait page, the header row repeated), and a total row that
    adds up its columns."""
    from openpyxl import load_workbook

    problems: list[str] = []
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        where = f"{name} sheet {sheet.title!r}"
        if len(sheet.title) > SHEET_NAME_MAX:
            problems.append(f"{where}: name longer than {SHEET_NAME_MAX} characters")
        if titles:
            words = {word for title in titles for word in title.split()}
            cut = [word for word in sheet.title.split() if word not in words]
            if cut:
                problems.append(f"{where}: name cut mid-word ({', '.join(cut)})")
        rows = list(sheet.iter_rows())
        if not rows:
            problems.append(f"{where}: empty")
            continue
        header = [cell.value for cell in rows[0]]
        for index in range(len(header)):
            cells = [
                row[index] for row in rows[1:] if len(row) > index and row[index].value not in (None, "")
            ]
            texts = [cell for cell in cells if isinstance(cell.value, str)]
            if texts and len(texts) == len(cells) and all(DIGITS_ONLY.match(cell.value) for cell in texts):
                problems.append(
                    f"{where} {texts[0].coordinate}: the number {texts[0].value!r} is stored as text"
                )
        for index, label in enumerate(header, start=1):
            from openpyxl.utils import get_column_letter

            letter = get_column_letter(index)
            width = sheet.column_dimensions[letter].width
            longest = max(_shown(row[index - 1].value) for row in rows if len(row) >= index)
            if not width or width < min(longest, 60) * 0.9:
                problems.append(f"{where} column {letter} ({label}): width {width} for {longest} characters")
        setup = sheet.page_setup
        if not sheet.sheet_properties.pageSetUpPr or not sheet.sheet_properties.pageSetUpPr.fitToPage:
            problems.append(f"{where}: print set-up does not fit to the page")
        elif setup.fitToWidth != 1 or setup.fitToHeight not in (0, None):
            problems.append(f"{where}: prints {setup.fitToWidth} page(s) wide, {setup.fitToHeight} tall")
        total_width = sum(
            sheet.column_dimensions[get_column_letter(i)].width or 10 for i in range(1, len(header) + 1)
        )
        if total_width > 95 and setup.orientation != "landscape":
            problems.append(f"{where}: {total_width:.0f} characters wide, printed portrait")
        if (sheet.print_title_rows or "").replace("$", "") != "1:1":
            problems.append(f"{where}: the header row is not repeated on printed pages")
        last = rows[-1]
        if len(rows) > 2 and str(last[0].value or "").strip() == "Total":
            for index, cell in enumerate(last):
                if isinstance(cell.value, (int, float, Decimal)):
                    column = [row[index].value for row in rows[1:-1]]
                    added = sum(
                        Decimal(str(value)) for value in column if isinstance(value, (int, float, Decimal))
                    )
                    if Decimal(str(cell.value)) != added:
                        problems.append(
                            f"{where} {cell.coordinate}: total {cell.value} but the column adds to {added}"
                        )
    return problems


def xlsx_total_row(data: bytes) -> dict[str, list]:
    """Each sheet's last row (its values), to assert that a declared total is there."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [cell.value for cell in list(sheet.iter_rows())[-1]] for sheet in workbook.worksheets
    }


def assert_xlsx_ok(data: bytes, name: str = "XLSX", titles: list[str] | None = None) -> None:
    problems = xlsx_problems(data, name, titles)
    assert not problems, "\n".join(problems)


def check_folder(folder: Path) -> list[str]:
    """Every PDF and XLSX under `folder` (e.g. a preview's output), checked; their problems."""
    problems: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".pdf":
            data = path.read_bytes()
            shown = str(path.relative_to(folder))
            problems += pdf_problems(data, shown) + page_numbering_problems(data, shown)
        elif path.suffix == ".xlsx":
            problems += xlsx_problems(path.read_bytes(), str(path.relative_to(folder)))
    return problems


MAX_DOCUMENTS_PER_TEST = 25  # the hook below reads at most this many attachments per test


def message_document_problems(raw: bytes, name: str = "message") -> list[str]:
    """The PDFs (overlapping or off-page words) and XLSX files of one sent message, checked;
    what tests/conftest.py runs on the mails every test received (a cheap hook: a test's own
    PDFs need not say "Página N de M", its own tests check that)."""
    from email import message_from_bytes, policy

    mail = message_from_bytes(raw, policy=policy.default)
    problems: list[str] = []
    for part in mail.iter_attachments():
        filename = part.get_filename() or ""
        data = part.get_payload(decode=True) or b""
        if filename.endswith(".pdf"):
            problems += pdf_problems(data, f"{name} {filename}")
        elif filename.endswith(".xlsx"):
            problems += xlsx_problems(data, f"{name} {filename}")
    return problems
