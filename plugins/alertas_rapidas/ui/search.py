"""The message search: "did customer X get statement Y, and when?" without SQL.

One text box, read by its shape:

- a DMS reference, `kind:id` (`customer:42`, `supplier:7`, or a business key such as
  `statement:2026-10`): the messages to that recipient, or about that document or period;
- an address (`ana@example.com`), or a domain (`@example.com`): the messages sent to it (any of
  To, Cc, Bcc; matched without regard to case);
- anything else: subject words, each of which the subject must contain (`estado octubre`).

with the family and run dates as filters, or one run (its tab on the run page). Each message comes
with its state and reason, attempts, the SMTP reply and refused recipients, and for a sent one
whether its `.eml` is still in its run's folder (retention removes run folders after
ALERTAS_RETENTION_DAYS).

The results hold addresses and customers' references: only users who may trigger DAG runs get
them (see `access`). Every search is logged with who asked, the query's kind, a hash of the
query (never the query itself), the filters and the number of rows; never an address.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from alertas_rapidas.ledger import message_search
from alertas_rapidas.ledger.message_search import FoundMessage
from alertas_rapidas.ui.queries import DAG_ID_PATTERN, FAMILY_PATTERN, MAX_RUN_ID, FilterError

log = logging.getLogger(__name__)

MAX_ROWS = 200
MAX_QUERY = 200
EML_CHECKS = 60  # at most this many `.eml` look-ups per search (an object store answers slowly)
REFERENCE = re.compile(r"[a-z][a-z0-9_]*:[^\s]+")
ADDRESS = re.compile(r"[^\s@]*@[^\s@]+")


@dataclass(frozen=True)
class MessageQuery:
    text: str = ""
    family: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    dag_id: str | None = None
    run_id: str | None = None

    @property
    def kind(self) -> str:
        """reference, address, domain, subject or none."""
        text = self.text.strip()
        if not text:
            return "none"
        if ADDRESS.fullmatch(text):
            return "domain" if text.startswith("@") else "address"
        if REFERENCE.fullmatch(text):
            return "reference"
        return "subject"

    @classmethod
    def parse(
        cls,
        text: str | None,
        family: str | None,
        date_from: str | None,
        date_to: str | None,
        dag_id: str | None = None,
        run_id: str | None = None,
    ) -> MessageQuery:
        """Validate the search's parameters (empty means none); raise FilterError with each problem."""
        errors = []
        text = (text or "").strip()
        if len(text) > MAX_QUERY:
            errors.append(f"q: at most {MAX_QUERY} characters")
        family = (family or "").strip() or None
        if family and not FAMILY_PATTERN.fullmatch(family):
            errors.append("family: use a family key (lower-case letters, digits and _)")
        days: dict[str, date | None] = {}
        for name, value in (("from", date_from), ("to", date_to)):
            value = (value or "").strip()
            try:
                days[name] = date.fromisoformat(value) if value else None
            except ValueError:
                errors.append(f"{name}: not a date (YYYY-MM-DD)")
                days[name] = None
        if days["from"] and days["to"] and days["from"] > days["to"]:
            errors.append("from: must not be after to")
        dag_id = (dag_id or "").strip() or None
        run_id = (run_id or "").strip() or None
        if dag_id and not DAG_ID_PATTERN.fullmatch(dag_id):
            errors.append("dag_id: not a DAG id")
        if run_id and len(run_id) > MAX_RUN_ID:
            errors.append("run_id: too long")
        if not (text or family or days["from"] or days["to"] or run_id):
            errors.append("q: give a reference, an address or subject words, or a family or dates")
        if errors:
            raise FilterError(errors)
        return cls(text, family, days["from"], days["to"], dag_id, run_id)

    def fingerprint(self) -> str:
        """A hash of the query text, for the log: the same query gives the same hash."""
        return hashlib.sha256(self.text.strip().encode()).hexdigest()[:12]


def search(conn: Any, query: MessageQuery, limit: int = MAX_ROWS) -> list[FoundMessage]:
    """The ledger's rows that match, the latest first (at most `limit`). A ledger from before
    subjects were recorded (`has_subjects`) has none: a subject search there raises FilterError."""
    if query.kind == "subject" and not message_search.has_subjects(conn):
        raise FilterError(
            ["q: this ledger does not record subjects yet (python -m alertas_rapidas.ops migrate)"]
        )
    return message_search.find(conn, query, limit)


def eml_bytes(row: FoundMessage) -> bytes | None:
    """The message as its run rendered it, from the run's outbox (`outbox.py`: the batch archive
    the ledger names, or the message's own `.eml` of a run rendered before archives); None once
    retention removed the run folder."""
    from alertas_rapidas.delivery.outbox import message_bytes
    from alertas_rapidas.storage import outbox_dir

    dag_id, run_id = row["dag_id"], row["run_id"]
    if not dag_id or not run_id:  # a row recorded without its run: no folder to read
        return None
    return message_bytes(outbox_dir(dag_id, run_id), row["idempotency_key"], row.get("outbox"))


def has_eml(row: FoundMessage) -> bool:
    """A sent message (not a row a digest carried) whose `.eml` its run's folder still keeps."""
    from alertas_rapidas.delivery.outbox import member
    from alertas_rapidas.delivery.states import IN_DIGEST
    from alertas_rapidas.storage import outbox_dir

    if row["status"] != "sent" or row["reason"] == IN_DIGEST or not row["dag_id"] or not row["run_id"]:
        return False
    folder = outbox_dir(row["dag_id"], row["run_id"])
    try:
        return bool((folder / (row.get("outbox") or member(row["idempotency_key"]))).exists())
    except Exception:  # an object store that cannot be reached: say it is not available
        log.warning("Message search: cannot check the run folder of %s", row["dag_id"])
        return False


def message_json(row: FoundMessage, eml: bool | None) -> dict[str, Any]:
    out = {name: _plain(value) for name, value in row.items()}
    out["key"] = out.pop("idempotency_key")
    out["eml"] = eml
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def log_search(user: str, query: MessageQuery, rows: int) -> None:
    log.info(
        "Alertas message search by %s: %s query %s, family %s, dates %s..%s, run %s: %d row(s)",
        user,
        query.kind,
        query.fingerprint(),
        query.family or "any",
        query.date_from or "",
        query.date_to or "",
        "given" if query.run_id else "any",
        rows,
    )


def find_message(conn: Any, key: str) -> FoundMessage | None:
    if not re.fullmatch(r"[0-9a-f]{64}", key):
        return None
    return message_search.by_key(conn, key)
