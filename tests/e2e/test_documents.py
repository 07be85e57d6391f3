"""Every family's documents, checked by machine: the demo data of `make demo` on a real
PostgreSQL, every family found in dags/families/ previewed for the demo's date at 08:00 (extract,
transform, render as a run does; nothing sent), then every PDF and XLSX produced goes through
tests/support/doc_checks.py (no overlapping or off-page words, "Página N de M", sheet names,
numbers stored as numbers, widths, print set-up, totals). The families are discovered, never
counted: a family added as files is checked here too, with its demo case
(tools/alertas_dev/demo/cases/<key>.sql) making it send.

The points of issue 13 each have a check here that failed on the output before it: the report
table of parts_issued_not_invoiced (date over part code, quantity over value) and the header of
parts_out_of_stock ("Existencia" into "Reservado"), the English statement (document names, dates,
negative balance), the cut sheet name, the work order stored as text, the missing total row and
print set-up, the logo, and "Página 1" without "de N".
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.support import doc_checks

pytestmark = [pytest.mark.e2e, pytest.mark.families]

# The Python families whose messages carry PDFs on the demo date; a configured family says so in
# its file (a `pdf` or `pdf_table` attachment), see `declared_pdf_families`.
PYTHON_PDF_FAMILIES = {"customer_statements", "payments_pending_authorization", "sales_documents"}


@pytest.fixture(scope="module")
def rendered(postgres, tmp_path_factory) -> Path:
    from alertas_dev import gallery

    out = tmp_path_factory.mktemp("documents")
    dms_dsn = postgres.create_database("documents_dms", drop=True)
    alerts_dsn = postgres.create_database("documents_alerts", drop=True)
    gallery.load_demo(dms_dsn, alerts_dsn)
    # preview points the connections at these databases: the other tests' stay as they were
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "AIRFLOW_CONN_DMS_POSTGRES",
            "AIRFLOW_CONN_ALERTS_POSTGRES",
            gallery.SURVEY_SECRET_VARIABLE,
        ):
            patch.setenv(name, "")
            patch.delenv(name)
        results = gallery.render_all(out, dms_dsn, alerts_dsn)
    failed = {key: line for key, line in results.items() if line.startswith("ERROR")}
    assert not failed, failed
    return out


def files(rendered: Path, family: str, suffix: str) -> list[Path]:
    return sorted((rendered / family).glob(f"[0-9][0-9][0-9]-*{suffix}"))


def configured_families_attaching(*kinds: str) -> set[str]:
    """The configured families whose file declares an attachment of one of `kinds` that its
    settings do not turn off (a `when` on the settings, e.g. "'pdf' in attachments")."""
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.engine.templating import holds
    from alertas_rapidas.paths import FAMILIES_DIR

    found = set()
    for path in FAMILIES_DIR.glob("[!_]*.yaml"):
        config, settings = load_family_config(path)
        if config.alert is None:
            continue
        values = settings.model_dump(mode="json")
        for rule in config.alert.attachments:
            try:
                attached = rule.when is None or holds(rule.when, values)
            except Exception:  # a condition on the row: attached to some messages
                attached = True
            if rule.kind in kinds and attached:
                found.add(config.key)
    return found


def test_every_family_sends_on_the_demo_date_and_its_documents_pass_the_checks(rendered):
    from alertas_dev.gallery import families

    keys = families()
    silent = [key for key in keys if not (rendered / key / "001.eml").exists()]
    assert silent == [], (
        f"no message on the demo date from {silent}: give the demo a case that makes each send, "
        "tools/alertas_dev/demo/cases/<key>.sql (docs/add-an-alert.md, step 7)"
    )
    pdfs = {key for key in keys if files(rendered, key, ".pdf")}
    sheets = {key for key in keys if files(rendered, key, ".xlsx")}
    assert pdfs == configured_families_attaching("pdf", "pdf_table") | PYTHON_PDF_FAMILIES
    assert sheets == configured_families_attaching("xlsx") and len(sheets) >= 10
    assert doc_checks.check_folder(rendered) == []


def test_every_familys_mails_pass_the_strict_mail_checks(rendered):
    """Each family's rendered messages (tests/support/mail_checks.py: strict parse, Date with its
    offset, Message-ID, Auto-Submitted, text and HTML alternatives, named attachments); the
    recurring ones carry one-click List-Unsubscribe headers and the link at the foot."""
    from alertas_dev.gallery import families
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.paths import FAMILIES_DIR
    from tests.support.mail_checks import message_problems, strict_message

    problems, recurring = [], set()
    for key in families():
        for eml in sorted((rendered / key).glob("[0-9][0-9][0-9].eml")):
            raw = eml.read_bytes()
            problems += [f"{key}/{eml.name}: {problem}" for problem in message_problems(raw)]
            mail = strict_message(raw)
            assert str(mail["Date"]).endswith("-0300"), (key, mail["Date"])  # Buenos Aires
            if mail["List-Unsubscribe-Post"] is not None:
                assert "alertas-unsubscribe/" in mail.get_body(("html",)).get_content()
                recurring.add(key)
    assert problems == []
    configured = {key for key in families() if load_family_config(FAMILIES_DIR / f"{key}.yaml")[0].recurring}
    assert recurring == configured and recurring


def test_the_report_tables_no_longer_print_text_over_text(rendered):
    """The two PDFs of the issue: each cell's text is its own word, in its own column."""
    import pdfplumber

    [issued] = files(rendered, "parts_issued_not_invoiced", ".pdf")
    data = issued.read_bytes()
    assert doc_checks.pdf_problems(data) == []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        words = [word["text"] for word in pdf.pages[0].extract_words()]
    assert "02/10/2026" in words and "FRE-0001" in words  # was "02/10/2FRE-0001"
    assert not any(re.search(r"\d/\d+[A-Z]", word) for word in words)

    for stock in files(rendered, "parts_out_of_stock", ".pdf"):
        data = stock.read_bytes()
        assert doc_checks.pdf_problems(data) == []
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            words = [word["text"] for word in pdf.pages[0].extract_words()]
        assert "Existencia" in words and "Reservado" in words  # was "ExistenciReservado"


def test_every_pdf_carries_the_logo_the_letterhead_and_page_n_of_m(rendered):
    import pdfplumber

    from alertas_dev.gallery import families

    pdf_families = [key for key in families() if files(rendered, key, ".pdf")]
    assert len(pdf_families) >= len(PYTHON_PDF_FAMILIES)
    for family in pdf_families:
        for path in files(rendered, family, ".pdf")[:3]:
            data = path.read_bytes()
            assert doc_checks.page_numbering_problems(data, path.name) == []
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                first = pdf.pages[0]
                assert first.images, f"{path.name}: no logo"
                logo = first.images[0]
                assert logo["top"] < 120 and logo["x0"] < 100, f"{path.name}: the logo is not at the top left"
                text = first.extract_text()
            assert "Autosur S.A." in text and "30-71234567-1" in text, path.name
            assert "Av. Rivadavia 1234, CABA" in text and "www.autosur.example" in text, path.name


def test_the_english_statement_reads_in_english(rendered):
    """Document names, dates and the negative closing balance in the reader's language."""
    english = [path for path in files(rendered, "customer_statements", ".pdf") if "statement-" in path.name]
    assert english
    for path in english:
        text = "\n".join(doc_checks.pdf_text(path.read_bytes()))
        assert "Recibo" not in text and "Factura" not in text and "Nota de" not in text, path.name
        assert not re.search(r"\b(0[1-9]|1[0-2])/\d\d/20\d\d\b", text), (
            f"{path.name}: a numeric date in English"
        )
        assert re.search(r"\b\d{1,2} Oct 2026\b", text), path.name
        assert "$ -" not in text, path.name  # the sign goes before the symbol: -$ 119,033.79
    texts = "\n".join("\n".join(doc_checks.pdf_text(path.read_bytes())) for path in english)
    assert "Receipt " in texts and "Invoice A " in texts
    assert re.search(r"-\$ \d{1,3}(,\d{3})*\.\d\d", texts), (
        "some demo customer closes with a negative balance"
    )


def test_a_currency_symbol_never_ends_a_line_in_the_mails(rendered):
    """The HTML bodies join symbol and amount with a no-break space."""
    bodies = [path.read_text(encoding="utf-8") for path in sorted(rendered.glob("*/[0-9][0-9][0-9].html"))]
    amounts = [found for body in bodies for found in re.findall(r"(?:US)?\$(.)\d", body)]
    assert len(amounts) > 50
    assert set(amounts) == {"\u00a0"}


def test_the_xlsx_reports_are_ready_to_print(rendered):
    from openpyxl import load_workbook

    [issued] = files(rendered, "parts_issued_not_invoiced", ".xlsx")
    sheet = load_workbook(issued).active
    assert sheet.title == "Sin facturar"  # was "Repuestos entregados sin factur"
    header = [cell.value for cell in sheet[1]]
    work_orders = [
        row[header.index("Orden de reparación")] for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert any(isinstance(value, int) for value in work_orders)  # was the text "1"
    assert not any(isinstance(value, str) for value in work_orders[:-1])
    last = [cell.value for cell in sheet[sheet.max_row]]
    assert last[0] == "Total" and last[header.index("Valor al costo")] > 0
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.page_setup.orientation == "landscape"  # nine columns: three portrait pages wide before
    assert sheet.print_title_rows.replace("$", "") == "1:1"
    for path in files(rendered, "aged_vehicle_stock", ".xlsx"):
        assert load_workbook(path).active.title == "Stock con antigüedad"
