"""A mail's MIME form: headers that never fold a value onto a new line (data cannot add a header),
the multipart/alternative text and HTML bodies, attachments, and the fast paths of writing many
messages (header classes made once, the headers every message repeats parsed and folded once,
fixed boundaries).

A message whose addresses are all ASCII is written 7-bit (`SMTP` policy); a non-ASCII local part
cannot be encoded in a header, so such a message is written in UTF-8 (RFC 6532) and sent with
SMTPUTF8.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, EmailPolicy
from email.utils import formataddr
from typing import Any

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


def one_line(value: str) -> str:
    """Fold any CR, LF, tab or run of blanks to one space: the header-injection guard."""
    return _BLANKS.sub(" ", value).strip()


def format_sender(name: str | None, address: str | None) -> str | None:
    if not address:
        return None
    return formataddr((one_line(name or ""), address))


def mailbox(address: str, display_name: str | None) -> Address:
    """An address header's entry: `Name <user@domain>` (the name on one line)."""
    username, _, domain = address.rpartition("@")
    return Address(display_name=one_line(display_name or ""), username=username, domain=domain)


def boundary(kind: str, data: list[str]) -> str | None:
    """The fixed MIME boundary of a `kind` of multipart, or None when some data contains it.

    With None the generator makes a random one, after checking it against the whole message
    with a regular expression compiled for it: a third of the time of writing a message out.
    """
    boundary = f"=_alertas-rapidas.{kind}"
    return None if any(boundary in item for item in data) else boundary


@dataclass(frozen=True)
class FilePart:
    """An attachment's bytes, type and file name (already on one line)."""

    content: bytes
    maintype: str
    subtype: str
    filename: str


def attach(mail: EmailMessage, part: FilePart) -> None:
    """Add one file to the message (base64)."""
    mail.add_attachment(part.content, maintype=part.maintype, subtype=part.subtype, filename=part.filename)


def compose(
    *,
    headers: Sequence[tuple[str, Any]],
    text: str,
    html: str,
    files: Sequence[FilePart] = (),
    language: str,
    utf8: bool = False,
) -> EmailMessage:
    """The message: `headers` in order, the text and HTML bodies as alternatives, then the files;
    `Content-Language` from `language` (`en`, else `es-AR`). `utf8` writes it in UTF-8 (a
    non-ASCII address)."""
    mail = EmailMessage(policy=_POLICY_UTF8 if utf8 else _POLICY)
    for name, value in headers:
        mail[name] = value
    # Data can only reach the text parts and attachment names (attachments are base64).
    data = [text, html, *(part.filename for part in files)]
    mail.set_content(text)
    mail.make_alternative(boundary=boundary("alternative", data))
    mail.add_alternative(html, subtype="html")
    if files:
        mail.make_mixed(boundary=boundary("mixed", data))
    for part in files:
        attach(mail, part)
    mail["Content-Language"] = "en" if language == "en" else "es-AR"  # set_content clears Content-*
    return mail
