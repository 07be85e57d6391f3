"""The editable layout of the reportlab statement: the shipped file, edits, and bad values."""

from __future__ import annotations

import io
import os
import shutil

import pytest
from pypdf import PdfReader

from alertas_rapidas.pdf.statement import build_statement
from alertas_rapidas.pdf.statement_layout import (
    LAYOUT_FILE,
    StatementLayoutError,
    load_layout,
    parse_layout,
)
from alertas_rapidas.templating import RenderError
from tests.support.runs import pdf_text
from tests.unit.pdf.test_statement import statement, statement_message, statement_renderer

SHOWN = "statement.layout.yaml"


def edited(old: str, new: str) -> str:
    text = LAYOUT_FILE.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


def error_of(text: str) -> str:
    with pytest.raises(StatementLayoutError) as caught:
        parse_layout(text, SHOWN)
    return str(caught.value)


def test_the_shipped_layout_is_valid_in_both_languages():
    layout = load_layout()
    assert set(layout.texts) == {"es", "en"}
    assert layout.texts["es"].columns() == ["Fecha", "Descripción", "Débito", "Crédito", "Saldo"]
    assert sum(layout.column_widths.shares()) == pytest.approx(1)


def test_an_edited_wording_and_colour_show_in_the_pdf():
    text = edited("title: Estado de cuenta", "title: Resumen de cuenta")
    text = text.replace('period: "Período: {start} al {end}"', 'period: "Movimientos del {start} al {end}"')
    text = text.replace('table_header: "#dfe6ee"', 'table_header: "#FFCC00"')
    layout = parse_layout(text, SHOWN)
    pdf = build_statement(statement(), "es", layout=layout)
    shown = pdf_text(pdf)
    assert "Resumen de cuenta" in shown
    assert "Movimientos del 01/10/2026 al 31/10/2026" in shown
    assert "Estado de cuenta\n" not in shown
    # The colour is the fill of the column titles: 1 0.8 0 in PDF's 0-1 RGB scale.
    drawn = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert b"1 .8 0 rg" in drawn
    assert (
        b"1 .8 0 rg"
        not in PdfReader(io.BytesIO(build_statement(statement(), "es"))).pages[0].get_contents().get_data()
    )


def test_column_widths_decide_where_a_long_description_wraps():
    data = statement()
    long_text = "Factura A 0001-00001234 por repuestos y mano de obra"
    data["sections"][0]["movements"][0]["description"] = long_text
    text = edited("  date: 0.13\n  description: 0.42", "  date: 0.10\n  description: 0.60")
    text = text.replace(
        "debit: 0.15\n  credit: 0.15\n  balance: 0.15", "debit: 0.10\n  credit: 0.10\n  balance: 0.10"
    )
    narrow = pdf_text(build_statement(data, "es"))
    wide = pdf_text(build_statement(data, "es", layout=parse_layout(text, SHOWN)))
    assert long_text not in narrow  # wrapped over two lines in the shipped 42% column
    assert long_text in wide


def test_the_file_is_read_again_when_it_changes(tmp_path):
    path = tmp_path / "statement.layout.yaml"
    shutil.copy(LAYOUT_FILE, path)
    assert load_layout(path).texts["en"].title == "Account statement"
    path.write_text(edited("title: Account statement", "title: Statement of account"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_layout(path).texts["en"].title == "Statement of account"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'period: "Período: {start} al {end}"',
            'period: "Período: {inicio} al {end}"',
            "texts.es: period: unknown placeholder {inicio}; allowed: {end}, {start}",
        ),
        (
            "title: Account statement",
            "title: Account {statement",
            "texts.en: title: expected '}' before end of string (write {{ or }} for a brace itself)",
        ),
        ('muted: "#666666"', "muted: grey", "colours.muted: String should match pattern"),
        (
            "  date: 0.13",
            "  date: 0.23",
            "column_widths: the five shares add up to 1.100; they must add up to 1",
        ),
        ("  date: 0.13", "  fecha: 0.13", "column_widths.fecha: unknown field"),
        (
            "  en:\n",
            "  fr:\n",
            "texts: needs the texts of es and en, and only those "
            "(missing en; not a language of the statement: fr)",
        ),
    ],
)
def test_a_bad_value_names_the_file_the_field_and_what_is_allowed(old, new, expected):
    message = error_of(edited(old, new))
    assert message.startswith(f"Invalid statement layout {SHOWN}:")
    assert expected in message


def test_missing_text_and_missing_file_and_broken_yaml_are_named(tmp_path):
    assert "texts.en.page: Field required" in error_of(edited("    page: Page {page} of {pages}\n", ""))
    assert "is not valid YAML at line" in error_of("colours: [unclosed\n")
    with pytest.raises(StatementLayoutError, match="does not exist"):
        load_layout(tmp_path / "missing.yaml")


def test_a_bad_layout_fails_the_render_with_its_message_and_no_customer_data(tmp_path, monkeypatch):
    path = tmp_path / "statement.layout.yaml"
    path.write_text(edited('text: "#222222"', 'text: "#22"'), encoding="utf-8")
    monkeypatch.setattr("alertas_rapidas.pdf.statement.load_layout", lambda: load_layout(path))
    renderer, message = statement_renderer(), statement_message()
    with pytest.raises(RenderError) as caught:
        renderer.render(message, message_id="<m1@alertas-rapidas>")
    assert "colours.text: String should match pattern" in str(caught.value)
    assert "Transportes" not in str(caught.value)
