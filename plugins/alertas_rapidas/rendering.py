"""Render a message: subject, HTML body, text body and attachments, into a MIME e-mail.

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

import hashlib
import hmac
import importlib
import io
import re
from collections.abc import Callable
from datetime import datetime
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, EmailPolicy
from email.utils import format_datetime, formataddr
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from alertas_rapidas import formatting
from alertas_rapidas.branding import BrandingConfig, brand_context
from alertas_rapidas.contracts.plan import Attachment, OutgoingMessage
from alertas_rapidas.paths import TEMPLATES_DIR
from alertas_rapidas.recipients import unique_addresses

if TYPE_CHECKING:
    from alertas_rapidas.unsubscribes import UnsubscribeLinks

_BLANKS = re.compile(r"\s+")


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, with each header's class made once and the headers every
    message repeats parsed once.

    `HeaderRegistry` builds a new class (`type(...)`) for every header it parses: about 20 per
    message here, a quarter of the time spent building a message. And most of a message's
    headers are the same in every message of a run (the sender, the MIME headers of each part):
    header objects are immutable strings, so one parsed object serves them all.
    """

    # Headers whose values repeat across messages; To, Cc, Subject and Message-ID never do.
    SHARED = frozenset(
        {
            "from",
            "reply-to",
            "mime-version",
            "content-type",
            "content-transfer-encoding",
            "content-language",
            "x-alertas-family",
            "auto-submitted",
            "list-unsubscribe-post",
        }
    )
    MAX_SHARED = 1024  # distinct shared values kept; the table starts over when full

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}
        self._parsed: dict[tuple[str, str], Any] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made

    def __call__(self, name: str, value: Any) -> Any:
        lowered = name.lower()
        if lowered not in self.SHARED or type(value) is not str:
            return super().__call__(name, value)
        key = (lowered, value)
        parsed = self._parsed.get(key)
        if parsed is None or parsed.name != name:
            if len(self._parsed) >= self.MAX_SHARED:
                self._parsed.clear()
            parsed = self._parsed[key] = super().__call__(name, value)
        return parsed


class _FoldOnce(EmailPolicy):
    """The e-mail policy, folding each shared header object once (folding re-parses it)."""

    # `_fold` is CPython's private folding step of EmailPolicy: typeshed does not declare it
    def _fold(self, name: str, value: Any, refold_binary: bool = False) -> str:
        if getattr(value, "name", "").lower() not in _HeaderClasses.SHARED:
            return super()._fold(name, value, refold_binary)  # type: ignore[misc]  # private: see above
        # The generator clones the policy for every message: key on what folding depends on.
        key = (self.linesep, self.utf8, self.max_line_length, type(value), name, str(value))
        folded = _FOLDED.get(key)
        if folded is None:
            if len(_FOLDED) >= _HeaderClasses.MAX_SHARED:
                _FOLDED.clear()
            folded = _FOLDED[key] = super()._fold(name, value, refold_binary)  # type: ignore[misc]  # idem
        return folded


_FOLDED: dict[tuple[Any, ...], str] = {}
_HEADERS = _HeaderClasses()


def _policy(base: EmailPolicy[EmailMessage]) -> _FoldOnce:
    # Headers unfolded up to RFC 5322's hard limit: Python folds an unbreakable first word onto a
    # new line, which some clients then show as a subject with a leading space.
    return _FoldOnce(**{**base.__dict__, "max_line_length": 998, "header_factory": _HEADERS})


_POLICY = _policy(SMTP)
_POLICY_UTF8 = _policy(SMTPUTF8)


class RenderError(RuntimeError):
    """A template is missing or failed to render."""


@lru_cache(maxsize=4)
def template_environment(*templates_dirs: str) -> Environment:
    """The Jinja environment over `templates_dirs` (searched in order; default: the package's)."""
    env = Environment(
        loader=FileSystemLoader(list(templates_dirs) or [str(TEMPLATES_DIR)]),
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        cell=formatting.cell,
        money=formatting.money,
        quantity=formatting.quantity,
        money_currency=formatting.money_with_currency,
        short_date=formatting.short_date,
        month_label=formatting.month_label,
        hour_minute=formatting.hour_minute,
        signed_ref=signed_ref,
        document_type=formatting.document_type_name,
        movement_description=formatting.movement_description,
    )
    from alertas_rapidas.pdf.table_layout import report_layout

    env.globals["report_layout"] = report_layout  # column widths of `_reports/table` PDFs
    return env


def signed_ref(value: object, variable: str) -> str:
    """An opaque token for a link: HMAC-SHA256 of `value` (e.g. "sale:123") keyed with the link
    secret named `variable` (the Airflow Variable of that name, else the package's own: see
    `link_secrets`), as 64 hex digits, e.g. `{{ row.survey_ref | signed_ref(settings.secret_variable) }}`.
    The secret is read when the mail is rendered and goes nowhere else (not in the plan, the
    context, XCom or a log); the site the link points to finds the record by computing the same
    HMAC."""
    from alertas_rapidas.ledger.link_secrets import link_secret

    secret = link_secret(variable)
    return hmac.new(secret.encode("utf-8"), str(value).encode("utf-8"), hashlib.sha256).hexdigest()


LABELS_FILE = "labels.yaml"
LANGUAGES = ("es", "en")


@lru_cache(maxsize=64)
def load_labels(folder: str, *roots: str) -> dict[str, dict[str, Any]]:
    """A template folder's `labels.yaml` ({} when it has none), from the first of `roots` (default:
    the package's templates) that has it; both languages must have the same keys, so a label is
    never missing in one of them."""
    import yaml

    found = [Path(root) / folder / LABELS_FILE for root in roots or (str(TEMPLATES_DIR),)]
    path = next((candidate for candidate in found if candidate.exists()), None)
    if path is None:
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or set(data) != set(LANGUAGES):
        raise RenderError(f"{path}: must hold exactly two mappings, es: and en:")
    if not all(isinstance(data[lang], dict) for lang in LANGUAGES):
        raise RenderError(f"{path}: es: and en: must each be a mapping of label: text")
    missing = set(data["es"]) ^ set(data["en"])
    if missing:
        raise RenderError(f"{path}: labels missing in one language: {', '.join(sorted(missing))}")
    return data


def one_line(value: str) -> str:
    """Fold any CR, LF, tab or run of blanks to one space: the header-injection guard."""
    return _BLANKS.sub(" ", value).strip()


def render_template(env: Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(**context)
    except Exception as exc:  # jinja2 errors name the template and line, never the data
        raise RenderError(f"template {name} failed: {type(exc).__name__}: {exc}") from exc


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

        addresses = [*message.to, *message.cc, *self.extra_cc]
        # A non-ASCII local part cannot be encoded in a header: such a message is written in
        # UTF-8 (RFC 6532) and sent with SMTPUTF8; every other message stays 7-bit.
        ascii_only = all(address.isascii() for address in addresses)
        mail = EmailMessage(policy=_POLICY if ascii_only else _POLICY_UTF8)
        if self.sender:
            mail["From"] = self.sender
        names = _display_names(message)
        mail["To"] = [self._address(address, names.get(address.lower())) for address in message.to]
        cc = [*message.cc, *self.extra_cc]
        if cc:
            mail["Cc"] = [self._address(address, names.get(address.lower())) for address in cc]
        if self.reply_to:
            mail["Reply-To"] = self.reply_to
        mail["Subject"] = subject
        mail["Date"] = format_datetime(self.clock(self.zone).replace(microsecond=0))
        mail["Message-ID"] = message_id
        mail["Auto-Submitted"] = "auto-generated"
        if self.unsubscribe is not None:
            for name, value in self.unsubscribe.headers(message.recipient_ref, lang).items():
                mail[name] = value
        mail["X-Alertas-Family"] = self.family

        text_name = self._name("body", lang, "txt")
        text = render_template(self.env, text_name, context) if self._has(text_name) else None
        text = text or _html_to_text(html)
        if link and link["url"] not in text:
            text = f"{text.rstrip()}\n\n{link['label']}: {link['url']}\n"
        # Data can only reach the text parts and attachment names (attachments are base64).
        data = [text, html, *(attachment.filename for attachment in message.attachments)]
        mail.set_content(text)
        mail.make_alternative(boundary=_boundary("alternative", data))
        mail.add_alternative(html, subtype="html")
        if message.attachments:
            mail.make_mixed(boundary=_boundary("mixed", data))
        for attachment in message.attachments:
            self._attach(mail, attachment, context, lang)
        mail["Content-Language"] = "en" if lang == "en" else "es-AR"  # set_content clears Content-*
        return mail

    def envelope(self, message: OutgoingMessage) -> list[str]:
        """Every address the SMTP transaction names: To, Cc and Bcc (never in headers)."""
        return unique_addresses([*message.to, *message.cc, *self.extra_cc, *message.bcc, *self.extra_bcc])

    def _attach(self, mail: EmailMessage, attachment: Attachment, context: dict[str, Any], lang: str) -> None:
        own = attachment.context
        data = context if own is None else {**own, "lang": lang, "t": context["t"], "brand": self.brand}
        filename = one_line(attachment.filename)
        if attachment.kind == "xlsx":
            from alertas_rapidas.xlsx import tables_to_xlsx

            tables = [data["tables"][name] for name in attachment.sheets or ()] or [data["table"]]
            mail.add_attachment(
                tables_to_xlsx(tables, lang),
                maintype="application",
                subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                filename=filename,
            )
            return
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
        mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)

    @staticmethod
    def _address(address: str, display_name: str | None) -> Address:
        username, _, domain = address.rpartition("@")
        return Address(display_name=one_line(display_name or ""), username=username, domain=domain)


def _display_names(message: OutgoingMessage) -> dict[str, str]:
    """Address (lower case) -> display name: the message's `names`, and `display_name` for its one
    To address (a customer's legal name, an employee's full name)."""
    names = {address.lower(): name for address, name in message.names.items() if name}
    if message.display_name and len(message.to) == 1:
        names.setdefault(message.to[0].lower(), message.display_name)
    return names


def _boundary(kind: str, data: list[str]) -> str | None:
    """The fixed MIME boundary of a `kind` of multipart, or None when some data contains it.

    With None the generator makes a random one, after checking it against the whole message
    with a regular expression compiled for it: a third of the time of writing a message out.
    """
    boundary = f"=_alertas-rapidas.{kind}"
    return None if any(boundary in item for item in data) else boundary


def format_sender(name: str | None, address: str | None) -> str | None:
    if not address:
        return None
    return formataddr((one_line(name or ""), address))


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
