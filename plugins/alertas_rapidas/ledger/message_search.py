"""The message search's query on the delivery ledger: the messages to a DMS reference, about a
business key, to an address or a domain (any of To, Cc, Bcc; without regard to case), or whose
subject holds some words, with family, run dates and run as filters; and one message by its key.
These rows hold addresses and customers' references: `ui.search` decides who gets them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypedDict, cast

from alertas_rapidas.ledger.tables import present_columns

WORD = re.compile(r"\S+")
MAX_WORDS = 10  # subject words searched for


class SearchTerms(Protocol):
    """What to look for: the text, read by its `kind` (reference, address, domain, subject, none),
    and the filters (None: any)."""

    @property
    def text(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def family(self) -> str | None: ...
    @property
    def date_from(self) -> date | None: ...
    @property
    def date_to(self) -> date | None: ...
    @property
    def dag_id(self) -> str | None: ...
    @property
    def run_id(self) -> str | None: ...


class FoundMessage(TypedDict):
    """A message as the search shows it (`subject` and `outbox` are None on a ledger that does
    not record them yet)."""

    idempotency_key: str
    family: str
    run_date: date | None
    status: str
    reason: str | None
    attempts: int
    recipients: list[str] | None
    refused: dict[str, Any] | None
    smtp_response: str | None
    recipient_ref: str
    business_key: str
    subject: str | None
    message_id: str | None
    dag_id: str | None
    run_id: str | None
    first_seen_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    outbox: str | None


_COLUMNS: Sequence[str] = tuple(FoundMessage.__annotations__)
# columns later migrations added (0007, 0011): read as null from a ledger not migrated yet
_LATER = ("subject", "outbox")


def _select(conn: Any) -> str:
    present = present_columns(conn, "deliveries", _LATER)
    return ", ".join(
        f"null::text as {name}" if name in _LATER and name not in present else name for name in _COLUMNS
    )


def _row(values: Sequence[Any]) -> FoundMessage:
    return cast(FoundMessage, dict(zip(_COLUMNS, values, strict=True)))


def has_subjects(conn: Any) -> bool:
    """Whether the ledger records subjects yet (migration 0007 applied)."""
    return bool(present_columns(conn, "deliveries", ["subject"]))


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def condition(terms: SearchTerms) -> tuple[str, dict[str, Any]]:
    """The SQL condition of `terms` and its parameters (every value bound, never formatted in)."""
    clauses = [
        "(%(family)s::text is null or family = %(family)s::text)",
        "(%(date_from)s::date is null or run_date >= %(date_from)s::date)",
        "(%(date_to)s::date is null or run_date <= %(date_to)s::date)",
        "(%(dag_id)s::text is null or dag_id = %(dag_id)s::text)",
        "(%(run_id)s::text is null or run_id = %(run_id)s::text)",
    ]
    params: dict[str, Any] = {
        "family": terms.family,
        "date_from": terms.date_from,
        "date_to": terms.date_to,
        "dag_id": terms.dag_id,
        "run_id": terms.run_id,
    }
    text = terms.text.strip()
    kind = terms.kind
    if kind == "reference":
        clauses.append("(recipient_ref = %(text)s or business_key = %(text)s)")
        params["text"] = text
    elif kind == "address":
        clauses.append("exists (select 1 from unnest(recipients) as r where lower(r) = lower(%(text)s))")
        params["text"] = text
    elif kind == "domain":
        clauses.append("exists (select 1 from unnest(recipients) as r where lower(r) like '%%' || %(text)s)")
        params["text"] = like_escape(text.lower())
    elif kind == "subject":
        for number, word in enumerate(WORD.findall(text)[:MAX_WORDS]):
            clauses.append(f"subject ilike '%%' || %(word{number})s || '%%'")
            params[f"word{number}"] = like_escape(word)
    return " and ".join(clauses), params


def find(conn: Any, terms: SearchTerms, limit: int) -> list[FoundMessage]:
    """The ledger's messages that match, the latest first (at most `limit`)."""
    where, params = condition(terms)
    rows = conn.execute(
        f"""
        select {_select(conn)}
          from alerts.deliveries
         where {where}
         order by coalesce(sent_at, updated_at) desc, idempotency_key
         limit %(limit)s
        """,
        {**params, "limit": limit},
    ).fetchall()
    return [_row(row) for row in rows]


def by_key(conn: Any, key: str) -> FoundMessage | None:
    """One message by its ledger key, or None."""
    row = conn.execute(
        f"select {_select(conn)} from alerts.deliveries where idempotency_key = %s", (key,)
    ).fetchone()
    return _row(row) if row else None
