"""Machine checks of a sent message, as a strict mail reader sees it.

`message_problems(raw)` parses the bytes with the standard library's `email.policy.strict` (a
structural defect raises) and lists what a receiving server or client would object to: every
header's own defects, a missing or undated `Date`, a missing or malformed `Message-ID`, no
`Auto-Submitted: auto-generated`, lines over RFC 5322's 998 characters, a List-Unsubscribe that is
not `<https:...>`/`<mailto:...>` (with `List-Unsubscribe-Post` only beside an https one), and, for
an alert (`X-Alertas-Family`), the MIME shape: text and HTML as `multipart/alternative`, inside
`multipart/mixed` when there are attachments, each attachment named with a type its name matches.

The session's `mail_sink` fixture runs it on every message a test received (tests/conftest.py).
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.errors import MessageDefect
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

MESSAGE_ID = re.compile(r"<[^<>@\s]+@[^<>@\s]+>")
UNSUBSCRIBE_TARGET = re.compile(r"<(https://[^<>\s,]+|mailto:[^<>\s,]+)>")
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def strict_message(raw: bytes) -> EmailMessage:
    """The message parsed with `policy.strict` (raises `MessageDefect` on a structural defect)."""
    return message_from_bytes(raw, policy=policy.strict)  # type: ignore[return-value]


def message_problems(raw: bytes) -> list[str]:
    """What is wrong with a sent message; [] when nothing is."""
    try:
        mail = strict_message(raw)
        problems = _header_problems(mail, raw)
    except MessageDefect as exc:
        return [f"strict parse: {type(exc).__name__}: {exc}"]
    if mail["X-Alertas-Family"] is not None:
        problems += _structure_problems(mail)
    return problems


def _header_problems(mail: EmailMessage, raw: bytes) -> list[str]:
    problems = []
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    long_lines = [line for line in head.splitlines() if len(line) > 998]
    if long_lines:
        problems.append(f"{len(long_lines)} header line(s) over 998 characters")
    for name, value in mail.items():
        for defect in getattr(value, "defects", ()):
            problems.append(f"{name}: {type(defect).__name__}: {defect}")
    for name in ("From", "Date", "Message-ID", "Subject", "Auto-Submitted"):
        count = len(mail.get_all(name) or [])
        if count != 1:
            problems.append(f"{name}: appears {count} times (want exactly once)")
    if not (mail.get_all("To") or mail.get_all("Cc")):
        problems.append("no To or Cc")
    date = mail["Date"]
    if date is not None:
        try:
            when = parsedate_to_datetime(str(date))
        except (TypeError, ValueError):
            problems.append(f"Date: not an RFC 5322 date: {str(date)!r}")
        else:
            if when.tzinfo is None:
                problems.append("Date: no time zone offset")
    message_id = mail["Message-ID"]
    if message_id is not None and not MESSAGE_ID.fullmatch(str(message_id).strip()):
        problems.append(f"Message-ID: not <left@right>: {str(message_id)!r}")
    auto = mail["Auto-Submitted"]
    if auto is not None and str(auto).strip().lower() != "auto-generated":
        problems.append(f"Auto-Submitted: {str(auto)!r}, want auto-generated")
    problems += _unsubscribe_problems(mail)
    return problems


def _unsubscribe_problems(mail: EmailMessage) -> list[str]:
    value, post = mail["List-Unsubscribe"], mail["List-Unsubscribe-Post"]
    if value is None:
        return ["List-Unsubscribe-Post without List-Unsubscribe"] if post is not None else []
    items = [item.strip() for item in str(value).split(",")]
    if not items or not all(UNSUBSCRIBE_TARGET.fullmatch(item) for item in items):
        return [f"List-Unsubscribe: want <https://...> and/or <mailto:...>, got {str(value)!r}"]
    if post is not None:
        if str(post).strip() != "List-Unsubscribe=One-Click":
            return [f"List-Unsubscribe-Post: {str(post)!r}, want List-Unsubscribe=One-Click"]
        if not any(item.startswith("<https://") for item in items):
            return ["List-Unsubscribe-Post needs an https target in List-Unsubscribe (RFC 8058)"]
    return []


def _structure_problems(mail: EmailMessage) -> list[str]:
    problems = []
    top = mail.get_content_type()
    if top == "multipart/mixed":
        parts = list(mail.iter_parts())
        body, attachments = (parts[0], parts[1:]) if parts else (None, [])
        if not attachments:
            problems.append("multipart/mixed without attachments")
    else:
        body, attachments = mail, []
    if body is None or body.get_content_type() != "multipart/alternative":
        got = body.get_content_type() if body is not None else "nothing"
        problems.append(f"body: {got}, want multipart/alternative (text and HTML)")
    else:
        kinds = [part.get_content_type() for part in body.iter_parts()]
        if kinds != ["text/plain", "text/html"]:
            problems.append(f"multipart/alternative holds {kinds}, want text/plain then text/html")
        for part in body.iter_parts():
            if part.get_content_charset() not in ("utf-8", "us-ascii"):
                problems.append(f"{part.get_content_type()}: charset {part.get_content_charset()!r}")
    for part in attachments:
        name = part.get_filename()
        if not name or part.get_content_disposition() != "attachment":
            problems.append(f"attachment {part.get_content_type()} without a file name")
            continue
        want = ATTACHMENT_TYPES.get(name[name.rfind(".") :].lower())
        if want is None or part.get_content_type() != want:
            problems.append(f"attachment {name!r}: type {part.get_content_type()} does not match its name")
        if not part.get_content():
            problems.append(f"attachment {name!r} is empty")
    return problems
