"""Render a message: subject, HTML body, text body and attachments, into a MIME e-mail.

This module puts a message together; the templates (environment, filters, labels) are
`templating`'s and the MIME form (headers on one line, bodies, attachments) is `mime`'s.

Templates live in `include/templates/<family>/` as `subject.<lang>.txt`, `body.<lang>.html`,
optional `body.<lang>.txt`, and one `<attachment>.<lang>.html` per PDF attachment (or a PDF
builder function named by the attachment, see `Attachment.builder`). A template without a
language (`body.html`) serves both languages: its words come from the folder's `labels.yaml`
(`es:` and `en:` mappings, the same keys in both), seen by the template as `t`. HTML is autoescaped;
header values are folded to one line, so data can never add a header.

Every message carries `Date` (the render time in the family's time zone, RFC 5322), `Message-ID`
(stable per ledger key), `Auto-Submitted: auto-generated` (RFC 3834: no auto-replies) and, for a
`recurring` family, `List-Unsubscribe` and `List-Unsubscribe-Post` (see alertas_rapidas.unsubscribes).
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from alertas_rapidas.branding import BrandingConfig, brand_context
from alertas_rapidas.contracts.plan import Attachment, OutgoingMessage
from alertas_rapidas.mime import FilePart, compose, format_sender, mailbox, one_line
from alertas_rapidas.paths import TEMPLATES_DIR
from alertas_rapidas.recipients import address_key, unique_addresses
from alertas_rapidas.templating import RenderError, load_labels, render_template, template_environment

if TYPE_CHECKING:
    from alertas_rapidas.unsubscribes import UnsubscribeLinks


def html_to_pdf(html: str) -> bytes:
    from xhtml2pdf import pisa

    buffer = io.BytesIO()
    status = pisa.CreatePDF(html, dest=buffer, encoding="utf-8")
    if status.err:
        raise RenderError(f"xhtml2pdf reported {status.err} error(s)")
    return buffer.getvalue()


PdfRenderer = Callable[[str], bytes]
PdfBuilder = Callable[[dict[str, Any], str], bytes]


@lru_cache(maxsize=32)
def pdf_builder(name: str) -> PdfBuilder:
    """The function named "module:function" by `Attachment.builder`."""
    module_name, _, function_name = name.partition(":")
    try:
        return getattr(importlib.import_module(module_name), function_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise RenderError(f"PDF builder {name!r} cannot be loaded: {type(exc).__name__}: {exc}") from exc


class MessageRenderer:
    """Renders the messages of one family with one Jinja environment."""

    @classmethod
    def for_family(
        cls, config: Any, family: Any, *, sender: str, unsubscribe: UnsubscribeLinks | None
    ) -> MessageRenderer:
        """The renderer of a family's messages as its config sets it up (reply-to, copies, time
        zone, branding; its own templates first): the render step, the preview and the benchmark's
        raw job floor all render through this."""
        own_roots = tuple(Path(root) for root in getattr(family, "template_roots", ()))
        return cls(
            config.key,
            family.templates,
            sender=format_sender(config.sender.name, config.sender.address or sender),
            reply_to=config.sender.reply_to,
            cc=list(config.cc),
            bcc=list(config.bcc),
            templates_roots=(*own_roots, TEMPLATES_DIR),
            timezone=config.timezone,
            unsubscribe=unsubscribe,
            branding=config.branding,
        )

    def __init__(
        self,
        family: str,
        template_dir: str,
        *,
        sender: str | None,
        reply_to: str | None = None,
        cc: list[str] | None = None,
        bcc: list[str] | None = None,
        templates_roots: tuple[Path, ...] = (TEMPLATES_DIR,),
        pdf_renderer: PdfRenderer = html_to_pdf,
        timezone: str = "America/Argentina/Buenos_Aires",
        unsubscribe: UnsubscribeLinks | None = None,
        clock: Callable[[ZoneInfo], datetime] = datetime.now,
        branding: BrandingConfig | None = None,
    ) -> None:
        self.family = family
        self.brand = brand_context(branding)  # logo and letterhead of every PDF and the mail header
        self.zone = ZoneInfo(timezone)
        self.unsubscribe = unsubscribe
        self.clock = clock
        self.template_dir = template_dir
        self.sender = sender
        self.reply_to = reply_to
        self.extra_cc = list(cc or [])
        self.extra_bcc = list(bcc or [])
        roots = tuple(str(root) for root in templates_roots)
        self.env = template_environment(*roots)
        self.pdf_renderer = pdf_renderer
        self._templates = frozenset(self.env.list_templates())
        self.labels = load_labels(template_dir, *roots)

    def _name(self, stem: str, language: str, suffix: str) -> str:
        """`<stem>.<lang>.<suffix>`, or the language-neutral `<stem>.<suffix>` when only it exists."""
        folder = "" if stem.startswith("_") else f"{self.template_dir}/"
        name = f"{folder}{stem}.{language}.{suffix}"
        neutral = f"{folder}{stem}.{suffix}"
        return neutral if name not in self._templates and neutral in self._templates else name

    def _has(self, name: str) -> bool:
        return name in self._templates

    def render(self, message: OutgoingMessage, *, message_id: str) -> EmailMessage:
        lang = message.language
        context = {**message.context, "lang": lang, "t": self.labels.get(lang, {}), "brand": self.brand}
        # A recurring family's footer link (the layout shows it; the text part ends with it).
        link = self.unsubscribe.link(message.recipient_ref, lang) if self.unsubscribe else None
        context["unsubscribe_link"] = link
        subject = one_line(render_template(self.env, self._name("subject", lang, "txt"), context))
        html = render_template(self.env, self._name("body", lang, "html"), context)

        names = _display_names(message)
        headers: list[tuple[str, Any]] = []
        if self.sender:
            headers.append(("From", self.sender))
        headers.append(("To", [mailbox(address, names.get(address_key(address))) for address in message.to]))
        cc = [*message.cc, *self.extra_cc]
        if cc:
            headers.append(("Cc", [mailbox(address, names.get(address_key(address))) for address in cc]))
        if self.reply_to:
            headers.append(("Reply-To", self.reply_to))
        headers += [
            ("Subject", subject),
            ("Date", format_datetime(self.clock(self.zone).replace(microsecond=0))),
            ("Message-ID", message_id),
            ("Auto-Submitted", "auto-generated"),
        ]
        if self.unsubscribe is not None:
            headers += self.unsubscribe.headers(message.recipient_ref, lang).items()
        headers.append(("X-Alertas-Family", self.family))

        text_name = self._name("body", lang, "txt")
        text = render_template(self.env, text_name, context) if self._has(text_name) else None
        text = text or _html_to_text(html)
        if link and link["url"] not in text:
            text = f"{text.rstrip()}\n\n{link['label']}: {link['url']}\n"
        files = [self._attachment(attachment, context, lang) for attachment in message.attachments]
        return compose(
            headers=headers,
            text=text,
            html=html,
            files=files,
            language=lang,
            # a non-ASCII local part needs UTF-8 headers (RFC 6532, sent with SMTPUTF8)
            utf8=not all(address.isascii() for address in [*message.to, *cc]),
        )

    def envelope(self, message: OutgoingMessage) -> list[str]:
        """Every address the SMTP transaction names: To, Cc and Bcc (never in headers)."""
        return unique_addresses([*message.to, *message.cc, *self.extra_cc, *message.bcc, *self.extra_bcc])

    def _attachment(self, attachment: Attachment, context: dict[str, Any], lang: str) -> FilePart:
        own = attachment.context
        data = context if own is None else {**own, "lang": lang, "t": context["t"], "brand": self.brand}
        filename = one_line(attachment.filename)
        if attachment.kind == "xlsx":
            from alertas_rapidas.xlsx import tables_to_xlsx

            tables = [data["tables"][name] for name in attachment.sheets or ()] or [data["table"]]
            return FilePart(
                tables_to_xlsx(tables, lang),
                "application",
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                filename,
            )
        if attachment.builder:
            build = pdf_builder(attachment.builder)
            try:
                pdf = build(data, lang)
            except RenderError:  # e.g. an invalid layout file: the message names it, never data
                raise
            except Exception as exc:
                raise RenderError(f"PDF builder {attachment.builder} failed: {type(exc).__name__}") from exc
        elif attachment.template:
            html = render_template(self.env, self._name(attachment.template, lang, "html"), data)
            pdf = self.pdf_renderer(html)
        else:
            raise RenderError(f"PDF attachment {filename!r} names no template")
        return FilePart(pdf, "application", "pdf", filename)


def _display_names(message: OutgoingMessage) -> dict[str, str]:
    """Address (lower case) -> display name: the message's `names`, and `display_name` for its one
    To address (a customer's legal name, an employee's full name)."""
    names = {address_key(address): name for address, name in message.names.items() if name}
    if message.display_name and len(message.to) == 1:
        names.setdefault(address_key(message.to[0]), message.display_name)
    return names


_TAGS = re.compile(r"<[^>]+>")
_TEXT_URL = re.compile(r'(?is)<a\s[^>]*?href="([^"]+)"[^>]*?\sdata-text-url[^>]*>(.*?)</a>')


def _html_to_text(html: str) -> str:
    """A plain-text fallback for clients that do not show HTML."""
    import html as html_lib

    text = _TEXT_URL.sub(r"\2: \1", html)  # a link marked data-text-url keeps its address
    text = re.sub(r"(?i)<br\s*/?>|</p>|</tr>|</h[1-6]>", "\n", text)
    text = html_lib.unescape(_TAGS.sub("", text))
    lines = [one_line(line) for line in text.splitlines()]
    return "\n".join(line for line in lines if line) + "\n"
