"""What a transform produces: the messages to send and the candidates skipped, with reasons.

Plain dataclasses (no pandas, no Airflow) so that transforms stay pure and batches can be written
to JSON files between tasks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

AttachmentKind = Literal["pdf", "xlsx"]


@dataclass(frozen=True)
class Attachment:
    """An attachment of a message.

    `pdf`: rendered from the template `<template>.<lang>.html` of the family's folder (a name
    starting with `_` is taken from the templates root, e.g. `_layouts/report`), or, when
    `builder` is set, drawn by that function instead ("module:function" taking (context, lang)
    and returning the PDF's bytes, e.g. `alertas_rapidas.pdf.statement:build_statement`).
    `xlsx`: a sheet built from a `Table` in the context (`table`), or one sheet per name in
    `sheets` (the context's `tables.<name>`). The template or builder sees the
    message's context, or `context` when given (e.g. one document of several), plus `lang`.
    """

    filename: str
    kind: AttachmentKind = "pdf"
    template: str | None = None
    context: dict[str, Any] | None = None
    builder: str | None = None
    sheets: list[str] | None = None


@dataclass(frozen=True)
class Column:
    """A column of a tabular report: `kind` tells how values are formatted."""

    key: str
    label_es: str
    label_en: str
    kind: Literal["text", "money", "date", "int", "quantity"] = "text"

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_es


def table(columns: list[Column], rows: list[dict[str, Any]], title_es: str, title_en: str) -> dict[str, Any]:
    """A report table as plain data (JSON-friendly) for templates and XLSX attachments.

    Money values are integer cents; dates ISO strings; quantities numbers.
    """
    return {
        "title_es": title_es,
        "title_en": title_en,
        "columns": [asdict(column) for column in columns],
        "rows": rows,
    }


@dataclass
class OutgoingMessage:
    """One e-mail to render and deliver, identified by (family, recipient_ref, business_key)."""

    recipient_ref: str  # who it is for, e.g. "customer:42" or "employee:7"
    business_key: str  # what it is about, e.g. "statement:2026-10"
    to: list[str]
    language: str = "es"
    display_name: str | None = None  # the name of the one To address
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)
    # Business keys of the rows a digest carries: recorded as sent to this recipient when the
    # message is, so a later digest lists only rows not yet sent (CATALOGUE.md, "Once per").
    covers: list[str] = field(default_factory=list)
    # Display names of To and Cc addresses, by address (staff digests to several people).
    names: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The message as JSON-ready data. The context is plain data already: it is shared, not
        deep-copied as `asdict` would (at 10,000 statements that copy was most of the transform)."""
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data.update(to=list(self.to), cc=list(self.cc), bcc=list(self.bcc), covers=list(self.covers))
        data["names"] = dict(self.names)
        data["attachments"] = [
            {item.name: getattr(attachment, item.name) for item in fields(attachment)}
            for attachment in self.attachments
        ]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutgoingMessage:
        attachments = [Attachment(**item) for item in data.get("attachments", [])]
        return cls(**{**data, "attachments": attachments})


@dataclass(frozen=True)
class SkippedCandidate:
    """A candidate that gets no message, and why (a reason code from `SKIP_REASONS`)."""

    recipient_ref: str
    business_key: str
    reason: str


SKIP_REASONS: dict[str, str] = {
    "no_email": "no e-mail address on file",
    "malformed_email": "e-mail address is malformed",
    "reserved_domain": (
        "the address is in a reserved domain (e.g. .local); allow it with allowed_special_domains"
    ),
    "opted_out": "recipient opted out of alerts",
    "unsubscribed": (
        "recipient unsubscribed from this recurring alert, or from all of them (List-Unsubscribe; "
        "`ops unsubscribes` lists them)"
    ),
    "bounced": (
        "the address bounces: suppressed by its bounce score or by a person (`ops suppressions`); "
        "contact_data_quality lists who has it, to fix the DMS"
    ),
    "inactive": "recipient is inactive",
    "no_activity": "no movement in the period and zero balance",
    "no_recipient": "nobody who should receive it has a usable address",
    "no_manager": "escalation needed but the owner has no manager",
    "not_covered": "the arrived quantity does not cover the whole back-ordered line",
}


# Why rows got no message in this run although they would otherwise (not a skip: no ledger row).
HOLD_REASONS: dict[str, str] = {
    "repeat_done": "sent already, as many times as the alert's repeat rule allows",
    "repeat_not_due": "sent before; the next repeat is not due yet",
}


@dataclass
class Plan:
    """A transform's result for one run. `held` counts the rows held back by the repeat rules
    (by reason, `HOLD_REASONS`): they are neither candidates nor skipped, but the summary shows them."""

    candidates: int
    messages: list[OutgoingMessage] = field(default_factory=list)
    skipped: list[SkippedCandidate] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)

    def hold(self, reason: str, rows: int = 1) -> None:
        self.held[reason] = self.held.get(reason, 0) + rows


def idempotency_key(family: str, recipient_ref: str, business_key: str) -> str:
    """The ledger key of a message: stable across retries, re-runs and backfills."""
    raw = f"{family}\x1f{recipient_ref}\x1f{business_key}".encode()
    return hashlib.sha256(raw).hexdigest()


def message_id_for(key: str) -> str:
    """The Message-ID header of the message with ledger key `key`: the same on every try."""
    return f"<{key[:40]}@alertas-rapidas>"


# Any Message-ID `message_id_for` makes (a delivery report quoting one names our message).
MESSAGE_ID_PATTERN = re.compile(r"<[0-9a-f]{40}@alertas-rapidas>")


def short_ref(recipient_ref: str) -> str:
    """A hashed id for logs: lets a person correlate lines without exposing who it is."""
    return hashlib.sha256(recipient_ref.encode()).hexdigest()[:10]
