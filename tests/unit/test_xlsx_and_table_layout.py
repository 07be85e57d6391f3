"""Issue 13's document points on hand-made data: Babel formats per language, document-type names,
the branding config, XLSX sheet names, numbers, totals and print set-up, report-table widths."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from alertas_rapidas import formatting
from tests.support import doc_checks

NBSP = "\u00a0"


# --- formats ------------------------------------------------------------------------------------


def test_a_negative_amount_puts_its_sign_before_the_symbol_in_both_languages():
    assert formatting.money_with_currency(-11_903_379, "ARS", "en") == f"-${NBSP}119,033.79"
    assert formatting.money_with_currency(-11_903_379, "ARS", "es") == f"-${NBSP}119.033,79"
    assert formatting.money_with_currency(-5, "USD", "en") == f"-US${NBSP}0.05"
    assert formatting.money(-11_903_379, "en") == "-119,033.79"


def test_symbol_and_number_are_joined_by_a_no_break_space():
    for language in ("es", "en"):
        for currency in ("ARS", "USD"):
            shown = formatting.money_with_currency(123_456, currency, language)
            symbol, number = shown.split(NBSP)
            assert " " not in shown and symbol in ("$", "US$") and number[0].isdigit()


def test_english_dates_are_day_first_with_the_month_by_name():
    assert formatting.short_date("2026-10-02", "en") == "2 Oct 2026"
    assert formatting.short_date("2026-11-10", "en") == "10 Nov 2026"
    assert formatting.short_date("2026-10-02", "es") == "02/10/2026"
    assert formatting.month_label("2026-10-01", "en") == "October 2026"


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("Recibo 0003-00002732", "Receipt 0003-00002732"),
        ("Factura A 0003-00004157", "Invoice A 0003-00004157"),
        ("Nota de crédito A 0003-00000314", "Credit note A 0003-00000314"),
        ("Nota de débito A 0003-00000089", "Debit note A 0003-00000089"),
        ("Ajuste por redondeo", "Ajuste por redondeo"),  # not a document: left as the DMS wrote it
        ("Recibos varios", "Recibos varios"),  # a whole word only
    ],
)
def test_document_type_names_follow_the_reader(spanish, english):
    assert formatting.movement_description(spanish, "en") == english
    assert formatting.movement_description(spanish, "es") == spanish


def test_document_types_are_named_in_one_place():
    from alertas_rapidas.families._documents import DOC_NAMES

    for code, (name_es, name_en, _, _) in DOC_NAMES.items():
        assert formatting.DOCUMENT_TYPES[code] == {"es": name_es, "en": name_en}
    assert formatting.document_type_name("receipt", "en") == "Receipt"
    assert formatting.document_type_name("unknown", "en") == "unknown"


# --- branding -----------------------------------------------------------------------------------


def family_file(folder: Path, branding: dict) -> Path:
    from alertas_rapidas.paths import FAMILIES_DIR

    data = yaml.safe_load((FAMILIES_DIR / "parts_out_of_stock.yaml").read_text(encoding="utf-8"))
    data["branding"] = branding
    path = folder / "parts_out_of_stock.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_missing_logo_file_is_a_config_error_naming_the_field_and_the_file(tmp_path):
    from alertas_rapidas.config import FamilyConfigError, load_family_config

    with pytest.raises(FamilyConfigError) as info:
        load_family_config(family_file(tmp_path, {"logo": "include/branding/nope.png"}))
    message = str(info.value)
    assert (
        "branding.logo" in message and "include/branding/nope.png" in message and "does not exist" in message
    )


def test_a_logo_that_is_not_an_image_is_refused(tmp_path):
    from alertas_rapidas.config import FamilyConfigError, load_family_config

    fake = tmp_path / "logo.png"
    fake.write_text("not a picture", encoding="utf-8")
    with pytest.raises(FamilyConfigError, match="not a PNG or JPEG image"):
        load_family_config(family_file(tmp_path, {"logo": str(fake)}))


def test_the_dealership_defaults_carry_the_logo_and_letterhead():
    from alertas_rapidas.branding import brand_context
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.paths import FAMILIES_DIR

    config, _ = load_family_config(FAMILIES_DIR / "customer_statements.yaml")
    brand = brand_context(config.branding)
    assert brand["logo"] and Path(brand["logo"]).is_file()
    assert "Av. Rivadavia 1234, CABA" in brand["letterhead"]


# --- XLSX ---------------------------------------------------------------------------------------


def report(title: str, rows: list[dict], **extra) -> dict:
    columns = [
        {"key": "day", "label_es": "Fecha", "label_en": "Date", "kind": "date"},
        {"key": "code", "label_es": "Código", "label_en": "Code", "kind": "text"},
        {"key": "work_order", "label_es": "Orden de reparación", "label_en": "Work order", "kind": "text"},
        {"key": "amount", "label_es": "Importe", "label_en": "Amount", "kind": "money"},
    ]
    return {"title_es": title, "title_en": title, "columns": columns, "rows": rows, **extra}


ROWS = [
    {"day": "2026-10-02", "code": "0001", "work_order": "1", "amount": 7_600_000},
    {"day": "2026-10-22", "code": "0002", "work_order": "1234", "amount": 4_200_000},
]


@pytest.mark.parametrize(
    ("title", "sheet"),
    [
        ("Repuestos entregados sin facturar", "Repuestos entregados"),  # was "...sin factur"
        ("Unidades en stock con antigüedad", "Unidades en stock"),
        ("Cheques a depositar", "Cheques a depositar"),
        ("Reclamos: garantía / pendientes", "Reclamos garantía pendientes"),
    ],
)
def test_a_sheet_name_is_whole_words_within_31_characters(title, sheet):
    from alertas_rapidas.xlsx import sheet_name

    assert sheet_name(title).split() == sheet.split()
    assert len(sheet_name(title)) <= 31


def test_the_declared_sheet_name_wins():
    from openpyxl import load_workbook

    from alertas_rapidas.xlsx import table_to_xlsx

    data = table_to_xlsx(report("Repuestos entregados sin facturar", ROWS, sheet_es="Sin facturar"), "es")
    assert load_workbook(io.BytesIO(data)).active.title == "Sin facturar"


def test_numbers_are_numbers_codes_stay_text_totals_add_up_and_it_prints_one_page_wide():
    from openpyxl import load_workbook

    from alertas_rapidas.xlsx import table_to_xlsx

    data = table_to_xlsx(report("Repuestos", ROWS, totals={"amount": 11_800_000}), "es")
    assert doc_checks.xlsx_problems(data, titles=["Repuestos"]) == []
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert [row[2] for row in values[1:3]] == [1, 1234]  # work orders as numbers
    assert [row[1] for row in values[1:3]] == ["0001", "0002"]  # codes keep their zeros
    assert values[-1] == ("Total", None, None, Decimal("118000"))
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.oddFooter.center.text == "Página &P de &N"


def test_the_checks_catch_what_the_old_sheets_had():
    """A sheet as xlsx.py wrote it before: cut name, a number as text, no print set-up."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Repuestos entregados sin factur"
    sheet.append(["Código", "Orden de reparación", "Importe"])
    sheet.append(["FRE-0001", "1", 760.0])
    sheet.append(["LUB-0001", "12", 420.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    problems = "\n".join(
        doc_checks.xlsx_problems(buffer.getvalue(), titles=["Repuestos entregados sin facturar"])
    )
    assert "cut mid-word (factur)" in problems
    assert "the number '1' is stored as text" in problems
    assert "does not fit to the page" in problems
    assert "header row is not repeated" in problems


# --- report-table PDF widths --------------------------------------------------------------------


def test_report_columns_are_at_least_as_wide_as_their_widest_unbreakable_text():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from alertas_rapidas.pdf.table_layout import page_width, report_layout

    table = report("Repuestos", ROWS)
    layout = report_layout(table, "es")
    assert layout["orientation"] == "portrait" and abs(sum(layout["widths"]) - 100) < 0.1
    room = page_width("portrait")
    date_width = layout["widths"][0] * room / 100
    assert date_width >= stringWidth("22/10/2026", "Helvetica", 9) + 8
    header_width = layout["widths"][2] * room / 100
    assert header_width >= stringWidth("reparación", "Helvetica-Bold", 8.5) + 8


def test_a_wide_report_turns_landscape():
    from alertas_rapidas.pdf.table_layout import report_layout

    columns = [
        {"key": f"c{i}", "label_es": f"Columna {i}", "label_en": f"Column {i}", "kind": "money"}
        for i in range(10)
    ]
    rows = [{f"c{i}": 123_456_789_00 for i in range(10)}]
    table = {"title_es": "Ancho", "title_en": "Wide", "columns": columns, "rows": rows}
    assert report_layout(table, "es")["orientation"] == "landscape"


def render_table_pdf(table: dict, lang: str = "es") -> bytes:
    from alertas_rapidas.rendering import html_to_pdf
    from alertas_rapidas.templating import render_template, template_environment

    context = {
        "table": table,
        "lang": lang,
        "run_date": "2026-11-01",
        "dealership": {"name": "Autosur S.A.", "tax_id": "30-71234567-1"},
        "brand": {"logo": None, "letterhead": ["Av. Rivadavia 1234, CABA"]},
    }
    return html_to_pdf(render_template(template_environment(), f"_reports/table.{lang}.html", context))


def test_a_long_wide_report_pdf_is_landscape_numbered_and_never_overlaps():
    import pdfplumber

    columns = [
        {"key": "day", "label_es": "Fecha", "label_en": "Date", "kind": "date"},
        {"key": "code", "label_es": "Código", "label_en": "Code", "kind": "text"},
        *[
            {"key": f"n{i}", "label_es": f"Existencia{i}", "label_en": f"Stock{i}", "kind": "money"}
            for i in range(8)
        ],
    ]
    rows = [
        {"day": "2026-10-22", "code": f"FRE-{n:04d}", **{f"n{i}": 1_234_567_89 for i in range(8)}}
        for n in range(70)
    ]
    data = render_table_pdf({"title_es": "Ancho", "title_en": "Wide", "columns": columns, "rows": rows})
    assert doc_checks.pdf_problems(data) == []
    assert doc_checks.page_numbering_problems(data) == []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) >= 2
        assert all(page.width > page.height for page in pdf.pages)  # landscape
        assert all("Existencia7" in (page.extract_text() or "") for page in pdf.pages)  # header repeated
