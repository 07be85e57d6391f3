"""Rendering: es-AR/en formats, autoescaping, header safety, envelope, and the PDF statement."""

from __future__ import annotations

import io
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from pypdf import PdfReader

from alertas_rapidas import formatting
from alertas_rapidas.contracts.plan import Attachment, OutgoingMessage
from alertas_rapidas.rendering import MessageRenderer, RenderError, format_sender

SCRIPT_NAME = "<script>alert('x')</script> & Co"


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "language", "expected"),
    [
        (123456, "es", "1.234,56"),
        (-123456789, "es", "-1.234.567,89"),
        (0, "es", "0,00"),
        (5, "es", "0,05"),
        (100000000, "es", "1.000.000,00"),
        (123456, "en", "1,234.56"),
        (-123456789, "en", "-1,234,567.89"),
    ],
)
def test_money(cents, language, expected):
    assert formatting.money(cents, language) == expected


def test_money_with_currency_and_missing_amounts():
    assert formatting.money_with_currency(123456, "ARS") == "$\u00a01.234,56"
    assert formatting.money_with_currency(123456, "USD") == "US$\u00a01.234,56"
    assert formatting.money_with_currency(123456, "USD", "en") == "US$\u00a01,234.56"
    assert formatting.money(None) == ""
    assert formatting.money_with_currency(None, "ARS") == ""


@pytest.mark.parametrize("value", [date(2026, 10, 5), datetime(2026, 10, 5, 23, 59), "2026-10-05"])
def test_short_date(value):
    assert formatting.short_date(value) == "05/10/2026"
    assert formatting.short_date(value, "en") == "5 Oct 2026"  # day first, month by name


def test_month_label():
    assert formatting.month_label("2026-10-01") == "octubre de 2026"
    assert formatting.month_label(date(2026, 1, 31), "es") == "enero de 2026"
    assert formatting.month_label("2026-10-01", "en") == "October 2026"


# --- messages -----------------------------------------------------------------------------------


def statement_context(
    legal_name: str = "Transportes del Sur S.R.L.", dealership: str = "Autosur S.A."
) -> dict:
    return {
        "dealership": {"name": dealership, "tax_id": "30-71234567-8", "branch": "Casa Central"},
        "customer": {"code": "C001", "legal_name": legal_name, "tax_id": "30-70000001-5"},
        "period": {"start": "2026-10-01", "last_day": "2026-10-31"},
        "sections": [
            {
                "currency": "ARS",
                "kind": "local",
                "opening": 74_999_950,
                "debit_total": 123_456,
                "credit_total": 50_000_000,
                "closing": 25_123_406,
                "movements": [
                    {
                        "date": "2026-10-05",
                        "description": "Factura A 0001-00001234",
                        "debit": 123_456,
                        "credit": 0,
                        "balance": 75_123_406,
                    },
                    {
                        "date": "2026-10-20",
                        "description": "Recibo 0001-00000456",
                        "debit": 0,
                        "credit": 50_000_000,
                        "balance": 25_123_406,
                    },
                ],
            },
            {
                "currency": "USD",
                "kind": "foreign",
                "opening": 0,
                "debit_total": 1_500_000,
                "credit_total": 0,
                "closing": 1_500_000,
                "movements": [
                    {
                        "date": "2026-10-10",
                        "description": "Factura E 0003-00000077",
                        "debit": 1_500_000,
                        "credit": 0,
                        "balance": 1_500_000,
                    },
                ],
            },
        ],
    }


def outgoing(*, language: str = "es", pdf: bool = False, **fields: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "recipient_ref": "customer:1",
        "business_key": "statement:2026-10",
        "to": ["pagos@transportes.example.com"],
        "language": language,
        "display_name": "Transportes del Sur S.R.L.",
        "context": statement_context(),
    }
    if pdf:
        stem = "statement" if language == "en" else "estado-de-cuenta"
        values["attachments"] = [Attachment(template="statement", filename=f"{stem}-C001-2026-10.pdf")]
    values.update(fields)
    return OutgoingMessage(**values)


@pytest.fixture
def renderer() -> MessageRenderer:
    return MessageRenderer(
        "customer_statements",
        "customer_statements",
        sender=format_sender("Autosur S.A.", "alertas@autosur.example.com"),
    )


def sent_form(mail: EmailMessage) -> tuple[bytes, EmailMessage]:
    """The bytes that go over SMTP, and the message a receiving client parses from them."""
    raw = bytes(mail)
    return raw, message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def header_lines(raw: bytes) -> list[str]:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


def html_body(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def text_body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_spanish_mail_uses_es_ar_formats(renderer):
    _, mail = sent_form(renderer.render(outgoing(), message_id="<m1@alertas-rapidas>"))
    assert mail["Subject"] == "Estado de cuenta octubre de 2026 - Autosur S.A."
    [sender] = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Autosur S.A.", "alertas@autosur.example.com")
    assert mail["Message-ID"] == "<m1@alertas-rapidas>"
    for body in (html_body(mail), text_body(mail)):
        assert "octubre de 2026" in body
        assert "del 01/10/2026 al 31/10/2026" in body
        assert "$\u00a0749.999,50" in body
        assert "$\u00a0251.234,06" in body
        assert "US$\u00a015.000,00" in body


def test_english_mail_uses_english_formats(renderer):
    _, mail = sent_form(renderer.render(outgoing(language="en"), message_id="<m1@alertas-rapidas>"))
    assert mail["Subject"] == "Account statement October 2026 - Autosur S.A."
    body = html_body(mail)
    assert "1 Oct 2026 to 31 Oct 2026" in body
    assert "$\u00a0749,999.50" in body
    assert "US$\u00a015,000.00" in body
    assert "Dear Transportes del Sur S.R.L.," in text_body(mail)


def test_customer_data_is_escaped_in_the_html_body(renderer):
    message = outgoing(context=statement_context(legal_name=SCRIPT_NAME))
    _, mail = sent_form(renderer.render(message, message_id="<m1@alertas-rapidas>"))
    html = html_body(mail)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in html
    assert "<script" not in html
    # The plain-text part is not HTML: it shows the name as it is, not entity-encoded.
    assert SCRIPT_NAME in text_body(mail)


def test_line_breaks_in_display_name_cannot_add_a_header(renderer):
    message = outgoing(display_name="Evil\r\nBcc: x@example.com")
    raw, mail = sent_form(renderer.render(message, message_id="<m1@alertas-rapidas>"))

    assert mail.get_all("Bcc") is None
    assert not any(line.lower().startswith("bcc:") for line in header_lines(raw))
    [to_header] = mail.get_all("To")
    assert "\r" not in to_header and "\n" not in to_header
    assert [a.addr_spec for a in to_header.addresses] == ["pagos@transportes.example.com"]
    lines = header_lines(raw)
    [index] = [i for i, line in enumerate(lines) if line.startswith("To:")]
    assert not lines[index + 1].startswith((" ", "\t"))  # not folded onto a second line
    assert renderer.envelope(message) == ["pagos@transportes.example.com"]


def test_line_breaks_in_subject_data_and_filename_stay_on_one_line(renderer):
    message = outgoing(
        pdf=False,
        context=statement_context(dealership="Autosur\r\nBcc: y@example.com"),
    )
    raw, mail = sent_form(renderer.render(message, message_id="<m1@alertas-rapidas>"))
    assert mail.get_all("Bcc") is None
    assert mail["Subject"] == "Estado de cuenta octubre de 2026 - Autosur Bcc: y@example.com"
    assert not any(line.lower().startswith("bcc:") for line in header_lines(raw))


def test_envelope_has_to_cc_and_bcc_but_headers_never_show_bcc():
    renderer = MessageRenderer(
        "customer_statements",
        "customer_statements",
        sender="alertas@autosur.example.com",
        cc=["auditoria@autosur.example.com"],
        bcc=["archivo@autosur.example.com"],
    )
    message = outgoing(
        cc=["contaduria@transportes.example.com"],
        bcc=["oculto@transportes.example.com", "ARCHIVO@autosur.example.com"],
    )
    raw, mail = sent_form(renderer.render(message, message_id="<m1@alertas-rapidas>"))

    assert renderer.envelope(message) == [
        "pagos@transportes.example.com",
        "contaduria@transportes.example.com",
        "auditoria@autosur.example.com",
        "oculto@transportes.example.com",
        "ARCHIVO@autosur.example.com",
    ]
    assert [a.addr_spec for a in mail["To"].addresses] == ["pagos@transportes.example.com"]
    assert [a.addr_spec for a in mail["Cc"].addresses] == [
        "contaduria@transportes.example.com",
        "auditoria@autosur.example.com",
    ]
    assert mail.get_all("Bcc") is None
    assert b"oculto@" not in raw and b"archivo@" not in raw.lower()


def test_missing_template_is_a_render_error_naming_it(renderer):
    with pytest.raises(RenderError, match=r"customer_statements/subject\.fr\.txt"):
        renderer.render(outgoing(language="fr"), message_id="<m1@alertas-rapidas>")


@pytest.mark.parametrize(("language", "expected"), [("es", "es-AR"), ("en", "en")])
def test_message_declares_its_language(renderer, language, expected):
    _, mail = sent_form(renderer.render(outgoing(language=language), message_id="<m1@alertas-rapidas>"))
    assert mail["Content-Language"] == expected


def test_non_ascii_local_part_is_written_as_a_valid_address(renderer):
    """RFC 6532: the address is written in UTF-8 as it is, never as encoded-words inside it."""
    from email.parser import Parser

    message = outgoing(to=["josé@ñandú.com.ar"], display_name="José Núñez")
    raw = bytes(renderer.render(message, message_id="<m1@alertas-rapidas>"))
    assert "<josé@ñandú.com.ar>".encode() in raw
    assert b"=?utf-8?q?jos" not in raw
    # A UTF-8 aware client reads the header text as UTF-8 (Python's byte parser does not).
    mail = Parser(policy=policy.default).parsestr(raw.decode("utf-8"))
    assert [a.addr_spec for a in mail["To"].addresses] == ["josé@ñandú.com.ar"]
    assert {type(d).__name__ for d in mail["To"].defects} <= {"NonASCIILocalPartDefect"}


def test_customer_data_holding_the_fixed_boundary_gets_a_boundary_of_its_own(renderer):
    """Boundaries are fixed unless a text part contains one: then the generator picks another."""
    tricky = "Transportes --=_alertas-rapidas.alternative-- S.R.L."
    plain = renderer.render(outgoing(pdf=True), message_id="<m1@alertas-rapidas>")
    clash = renderer.render(
        outgoing(pdf=True, display_name=tricky, context=statement_context(legal_name=tricky)),
        message_id="<m2@alertas-rapidas>",
    )
    assert plain.get_boundary() == "=_alertas-rapidas.mixed"
    assert plain.get_payload(0).get_boundary() == "=_alertas-rapidas.alternative"
    _, mail = sent_form(clash)
    alternative = mail.get_payload(0)
    assert alternative.get_boundary() not in (None, "=_alertas-rapidas.alternative")
    # The client sees both bodies and the PDF, each whole, the name included as written.
    assert tricky in text_body(mail)
    assert [part.get_content_type() for part in alternative.iter_parts()] == ["text/plain", "text/html"]
    [attachment] = mail.iter_attachments()
    assert attachment.get_filename() == "estado-de-cuenta-C001-2026-10.pdf"
    assert "Transportes" in pdf_text(attachment.get_content())


def test_headers_shared_between_messages_stay_each_messages_own():
    """Parsed headers are shared between messages (sender, MIME headers): two renderers with
    different senders and languages still write their own, and the bytes parse back alike."""
    first = MessageRenderer(
        "customer_statements",
        "customer_statements",
        sender=format_sender("Autosur S.A.", "a@autosur.example.com"),
    )
    second = MessageRenderer(
        "customer_statements",
        "customer_statements",
        sender=format_sender("Norte S.A.", "b@norte.example.com"),
    )
    mails = [
        sent_form(renderer.render(outgoing(language=language), message_id=f"<m{n}@alertas-rapidas>"))[1]
        for n, (renderer, language) in enumerate([(first, "es"), (second, "en"), (first, "en")])
    ]
    assert [m["From"].addresses[0].addr_spec for m in mails] == [
        "a@autosur.example.com",
        "b@norte.example.com",
        "a@autosur.example.com",
    ]
    assert [m["Content-Language"] for m in mails] == ["es-AR", "en", "en"]
    assert [m["Message-ID"] for m in mails] == [f"<m{n}@alertas-rapidas>" for n in range(3)]


# --- the PDF statement --------------------------------------------------------------------------


def test_spanish_pdf_statement_reads_back_with_balances_and_escaped_name(renderer):
    message = outgoing(pdf=True, context=statement_context(legal_name=SCRIPT_NAME))
    _, mail = sent_form(renderer.render(message, message_id="<m1@alertas-rapidas>"))

    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "estado-de-cuenta-C001-2026-10.pdf"
    data = attachment.get_content()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)

    for expected in [
        "Autosur S.A.",
        "CUIT 30-71234567-8",
        "Período: 01/10/2026 al 31/10/2026",
        "Cuenta corriente en ARS (moneda local)",
        "Saldo anterior",
        "749.999,50",
        "05/10/2026",
        "Factura A 0001-00001234",
        "1.234,56",
        "751.234,06",
        "20/10/2026",
        "Recibo 0001-00000456",
        "500.000,00",
        "Saldo final",
        "$ 251.234,06",
        "Cuenta corriente en USD (moneda extranjera)",
        "US$ 15.000,00",
    ]:
        assert expected in text, expected
    assert text.index("Cuenta corriente en ARS") < text.index("Cuenta corriente en USD")
    # Autoescape: the name is shown as literal text, neither as markup nor as entities.
    assert SCRIPT_NAME in text
    assert "&lt;" not in text and "&amp;" not in text


def test_english_pdf_statement_reads_back_in_english_formats(renderer):
    _, mail = sent_form(renderer.render(outgoing(language="en", pdf=True), message_id="<m1@alertas-rapidas>"))
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "statement-C001-2026-10.pdf"
    text = pdf_text(attachment.get_content())
    for expected in [
        "Account statement",
        "Period: 1 Oct 2026 to 31 Oct 2026",
        "Opening balance",
        "749,999.50",
        "5 Oct 2026",
        "Invoice A 0001-00001234",
        "1,234.56",
        "751,234.06",
        "Closing balance",
        "$ 251,234.06",
        "US$ 15,000.00",
    ]:
        assert expected in text, expected
