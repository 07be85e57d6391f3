"""The reportlab statement (`pdf_engine: reportlab`): figures, texts, escaping, both languages, pages."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from typing import Any

import pytest
from pypdf import PdfReader

from alertas_rapidas.contracts.plan import Attachment, OutgoingMessage
from alertas_rapidas.families.customer_statements import STATEMENT_BUILDER, StatementSettings
from alertas_rapidas.pdf.statement import build_statement
from alertas_rapidas.rendering import MessageRenderer, RenderError, format_sender
from tests.support.runs import pdf_text

SCRIPT_NAME = "<script>alert('x')</script> & Co"


def statement(legal_name: str = "Transportes del Sur S.R.L.", movements: int = 2) -> dict[str, Any]:
    ars = [
        {"date": "2026-10-05", "description": "Factura A 0001-00001234", "debit": 123_456, "credit": 0,
         "balance": 75_123_406},
        {"date": "2026-10-20", "description": "Recibo 0001-00000456", "debit": 0, "credit": 50_000_000,
         "balance": 25_123_406},
    ]  # fmt: skip
    for number in range(movements - 2):
        ars.insert(1, {"date": "2026-10-12", "description": f"Nota de débito 0001-{number:08d}",
                       "debit": 100, "credit": 0, "balance": 75_123_406})  # fmt: skip
    return {
        "dealership": {"name": "Autosur S.A.", "tax_id": "30-71234567-8", "branch": "Casa Central"},
        "customer": {"code": "C001", "legal_name": legal_name, "tax_id": "30-70000001-5"},
        "period": {"start": "2026-10-01", "last_day": "2026-10-31"},
        "sections": [
            {"currency": "ARS", "kind": "local", "opening": 74_999_950, "debit_total": 123_456,
             "credit_total": 50_000_000, "closing": 25_123_406, "movements": ars},
            {"currency": "USD", "kind": "foreign", "opening": 0, "debit_total": 1_500_000, "credit_total": 0,
             "closing": 1_500_000, "movements": [
                 {"date": "2026-10-10", "description": "Factura E 0003-00000077", "debit": 1_500_000,
                  "credit": 0, "balance": 1_500_000}]},
        ],
    }  # fmt: skip


def test_spanish_statement_reads_back_with_es_ar_figures():
    data = build_statement(statement(), "es")
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in [
        "Autosur S.A.",
        "CUIT 30-71234567-8",
        "Casa Central",
        "Estado de cuenta",
        "Período: 01/10/2026 al 31/10/2026",
        "Cliente: Transportes del Sur S.R.L.",
        "Código: C001",
        "CUIT: 30-70000001-5",
        "Cuenta corriente en ARS (moneda local)",
        "Fecha",
        "Descripción",
        "Débito",
        "Crédito",
        "Saldo",
        "Saldo anterior",
        "749.999,50",
        "05/10/2026",
        "Factura A 0001-00001234",
        "1.234,56",
        "751.234,06",
        "20/10/2026",
        "Recibo 0001-00000456",
        "500.000,00",
        "Total del período",
        "Saldo final",
        "$ 251.234,06",
        "Cuenta corriente en USD (moneda extranjera)",
        "10/10/2026",
        "US$ 15.000,00",
        "Autosur S.A. - Estado de cuenta de Transportes del Sur S.R.L. - octubre de 2026",
        "Página 1",
    ]:
        assert expected in text, expected
    assert text.index("Cuenta corriente en ARS") < text.index("Cuenta corriente en USD")
    assert text.index("Saldo anterior") < text.index("Factura A") < text.index("Saldo final")


def test_english_statement_reads_back_in_english_formats():
    text = pdf_text(build_statement(statement(), "en"))
    for expected in [
        "Account statement",
        "Tax ID (CUIT) 30-71234567-8",
        "Period: 1 Oct 2026 to 31 Oct 2026",
        "Customer: Transportes del Sur S.R.L.",
        "Current account in ARS (local currency)",
        "Date",
        "Description",
        "Debit",
        "Credit",
        "Balance",
        "Opening balance",
        "749,999.50",
        "5 Oct 2026",
        "Invoice A 0001-00001234",
        "1,234.56",
        "751,234.06",
        "Period total",
        "Closing balance",
        "$ 251,234.06",
        "Current account in USD (foreign currency)",
        "US$ 15,000.00",
        "Statement of Transportes del Sur S.R.L. - October 2026",
        "Page 1 of 1",
    ]:
        assert expected in text, expected
    assert "Saldo" not in text and "749.999,50" not in text
    assert "Factura" not in text and "Recibo" not in text  # document types in English


@pytest.mark.parametrize("name", [SCRIPT_NAME, "Pedro Ruiz & Hijos <S.A.>", "<b>bold</b> &amp; <br/>"])
def test_data_is_shown_literally_never_as_markup(name):
    context = statement(legal_name=name)
    context["dealership"]["name"] = f"{name} Motors"
    context["sections"][0]["movements"][0]["description"] = name
    text = pdf_text(build_statement(context, "es"))
    assert text.count(name) >= 4  # header, customer line, a movement, the footer
    assert "&lt;" not in text and "&amp;amp;" not in text


def test_long_statement_breaks_pages_and_repeats_the_table_header():
    text_pages = [
        page.extract_text()
        for page in PdfReader(io.BytesIO(build_statement(statement(movements=150), "es"))).pages
    ]
    assert len(text_pages) >= 3
    for number, page in enumerate(text_pages, start=1):
        assert "Descripción" in page and "Saldo" in page, number  # the header on every page
        assert f"Página {number} de {len(text_pages)}" in page
    assert "Saldo final" in text_pages[-1]


def test_a_description_too_long_for_its_column_wraps_instead_of_overflowing():
    context = statement()
    long = "Factura A 0001-00001234 " + "por servicios de taller y repuestos varios " * 3 + "<fin>"
    context["sections"][0]["movements"][0]["description"] = long
    text = pdf_text(build_statement(context, "es"))
    assert " ".join(text.split()).count("por servicios de taller y repuestos varios") == 3
    assert "<fin>" in text


def test_a_word_too_long_for_the_description_column_breaks_instead_of_running_into_the_figures():
    from tests.support.doc_checks import pdf_problems

    context = statement()
    context["sections"][0]["movements"][0]["description"] = "REF" + "0123456789" * 12 + " fin"
    data = build_statement(context, "es")
    assert pdf_problems(data) == []
    assert "0123456789" in " ".join(pdf_text(data).split())


def test_a_section_split_across_pages_keeps_every_movement_once_in_order():
    context = statement(movements=150)
    text = " ".join(pdf_text(build_statement(context, "es")).split())
    descriptions = [movement["description"] for movement in context["sections"][0]["movements"]]
    positions = [text.find(description) for description in descriptions]
    assert -1 not in positions and positions == sorted(positions)


def statement_renderer() -> MessageRenderer:
    return MessageRenderer(
        "customer_statements", "customer_statements", sender=format_sender("Autosur S.A.", "a@example.com")
    )


def statement_message(legal_name: str = "Transportes del Sur S.R.L.") -> OutgoingMessage:
    """A statement e-mail whose PDF is drawn by the reportlab builder."""
    return OutgoingMessage(
        recipient_ref="customer:1",
        business_key="statement:2026-10",
        to=["pagos@transportes.example.com"],
        display_name=legal_name,
        context=statement(legal_name=legal_name),
        attachments=[
            Attachment(template="statement", builder=STATEMENT_BUILDER, filename="estado-de-cuenta.pdf")
        ],
    )


def test_renderer_uses_the_builder_named_by_the_attachment():
    renderer = statement_renderer()
    message = statement_message(legal_name=SCRIPT_NAME)
    mail = message_from_bytes(bytes(renderer.render(message, message_id="<m@x>")), policy=policy.default)
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    data = attachment.get_content()
    producer = PdfReader(io.BytesIO(data)).metadata.producer
    assert producer.startswith("ReportLab")  # drawn directly (xhtml2pdf names itself here)
    assert SCRIPT_NAME in pdf_text(data)

    broken = OutgoingMessage(
        **{**vars(message), "attachments": [Attachment(builder="nowhere:at_all", filename="x.pdf")]}
    )
    with pytest.raises(RenderError, match="nowhere:at_all"):
        renderer.render(broken, message_id="<m@x>")


def test_pdf_engine_setting_defaults_to_reportlab_and_html_stays_available():
    assert StatementSettings().pdf_engine == "reportlab"
    assert StatementSettings(pdf_engine="html").pdf_engine == "html"
    with pytest.raises(ValueError, match="reportlab"):
        StatementSettings(pdf_engine="weasyprint")


@pytest.mark.parametrize(("engine", "builder"), [("reportlab", STATEMENT_BUILDER), ("html", None)])
def test_transform_names_the_builder_of_the_chosen_engine(engine, builder):
    from alertas_rapidas.families.customer_statements.transform import build_plan
    from tests.unit.families.test_customer_statements import NOV_RUN, statement_frames

    plan = build_plan(statement_frames(), StatementSettings(pdf_engine=engine), NOV_RUN)
    attachments = [attachment for message in plan.messages for attachment in message.attachments]
    assert attachments and {(a.template, a.builder) for a in attachments} == {("statement", builder)}


# --- branding: the logo encoded once, the letterhead wrapped --------------------------------------


def branded(letterhead: list[str]) -> dict[str, Any]:
    from alertas_rapidas.paths import PROJECT_ROOT

    logo = str(PROJECT_ROOT / "include" / "branding" / "autosur-logo.png")
    return {**statement(), "brand": {"logo": logo, "letterhead": letterhead}}


def test_every_statement_embeds_the_logo_image_with_its_own_pixels():
    from PIL import Image

    from alertas_rapidas.paths import PROJECT_ROOT

    source = Image.open(PROJECT_ROOT / "include" / "branding" / "autosur-logo.png").convert("RGB")
    for _ in range(2):  # the second document gets the process's encoded image, not a new one
        page = PdfReader(io.BytesIO(build_statement(branded(["Av. Rivadavia 1234, CABA"]), "es"))).pages[0]
        [image] = [obj.get_object() for obj in page["/Resources"]["/XObject"].values()]
        assert (image["/Width"], image["/Height"]) == source.size
        pixels = Image.frombytes("RGB", source.size, image.get_data())
        assert pixels.tobytes() == source.tobytes()


def test_a_long_letterhead_wraps_within_the_column_and_reads_back():
    from tests.support.doc_checks import pdf_problems

    lines = [
        "Av. Rivadavia 12345, piso 3, oficina B, Ciudad Autónoma de Buenos Aires",
        "Tel. (011) 4000-1234",
        "www.autosur.example",
        "ventas@autosur.example",
    ]
    data = build_statement(branded(lines), "es")
    text = " ".join(pdf_text(data).split())
    assert "Ciudad Autónoma de Buenos Aires · Tel. (011) 4000-1234 · www.autosur.example" in text
    assert pdf_problems(data, "statement") == []  # no word off the page or over another
