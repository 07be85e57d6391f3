"""What the SMTP sink received, read the way the tests check it: keyed by recipients or subject,
and a message's plain-text or HTML body."""

from __future__ import annotations

from typing import Any


def by_recipients(messages: list[Any]) -> dict[tuple[str, ...], Any]:
    """Each message keyed by its envelope recipients, sorted."""
    return {tuple(sorted(m.rcpt_tos)): m for m in messages}


def by_subject(messages: list[Any]) -> dict[str, Any]:
    return {m.subject: m for m in messages}


def plain(message: Any) -> str:
    """The message's text/plain body."""
    return message.message.get_body(("plain",)).get_content()


def html(message: Any) -> str:
    """The message's text/html body."""
    return message.message.get_body(("html",)).get_content()
