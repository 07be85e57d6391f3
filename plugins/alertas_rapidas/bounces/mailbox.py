"""Read the bounce mailbox over IMAP and record what it holds; leave what is not ours alone.

Through Airflow's IMAP provider (`ImapHook`: the connection's host, port, login, password and
`use_ssl`), the folder `bounces.folder` is searched for the messages not looked at yet (those
without the keyword `$AlertasChecked`), read without marking them seen (`BODY.PEEK`), and each:

- a delivery report that names one of our messages: recorded (`bounces.record_report`), then
  **moved** to `bounces.processed_folder` (IMAP MOVE; or COPY, then only that message expunged by
  its UID). Never deleted;
- a delivery report that names none of ours, an auto-reply, a person's mail: left where it is for
  a person, only marked `$AlertasChecked` (a keyword mail clients do not show) so the next run
  does not read it again.

The counts (no addresses) are the task's return value.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from typing import Any

from alertas_rapidas.bounces.reports import read_report
from alertas_rapidas.config import BouncesConfig
from alertas_rapidas.ledger.bounces import match_message, record_report
from alertas_rapidas.ledger.suppressions import ScoreRule

log = logging.getLogger(__name__)

CHECKED = "$AlertasChecked"  # the keyword of every message looked at


class MailboxError(RuntimeError):
    """The IMAP server refused a step (one line: the step and the server's answer)."""


def _quoted(folder: str) -> str:
    return '"' + folder + '"'  # BouncesConfig allows no quote or backslash in a folder name


def _ok(step: str, answer: tuple[str, list[Any]]) -> list[Any]:
    kind, data = answer
    if kind != "OK":
        said = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise MailboxError(f"IMAP {step} refused: {said[:200]}")
    return data


def process_mailbox(config: BouncesConfig, conn: Any, day: date) -> dict[str, int]:
    """Read `config.folder` once (at most `max_reports` messages); return the counts."""
    from airflow.providers.imap.hooks.imap import ImapHook

    rule = ScoreRule(threshold=config.threshold, stale_after=config.stale_after)
    counts: Counter[str] = Counter()
    with ImapHook(imap_conn_id=config.imap_conn_id) as hook:
        client = hook.mail_client
        if client is None:
            raise MailboxError(f"IMAP connection {config.imap_conn_id!r} did not open")
        _ensure_folder(client, config.processed_folder)
        _ok(f"SELECT {config.folder}", client.select(_quoted(config.folder)))
        # None: no CHARSET argument (imaplib sends none); typeshed types each argument as a str
        uids = _ok("SEARCH", client.uid("SEARCH", None, "UNKEYWORD", CHECKED))[0].split()  # type: ignore[arg-type]
        moves = _mover(client)
        for uid in uids[: config.max_reports]:
            raw = _fetch(client, uid)
            if raw is None:
                continue
            report = read_report(raw)
            counts["read"] += 1
            if report.kind != "bounce":
                counts["auto_replies" if report.kind == "auto_reply" else "other"] += 1
                _mark_checked(client, uid)
                continue
            match = match_message(conn, report)
            recorded = record_report(conn, report, match, day, rule) if match else None
            if recorded is None:  # no message of ours: a person looks at it
                counts["unmatched"] += 1
                _mark_checked(client, uid)
                continue
            counts["reports"] += 1
            counts["hard"] += recorded.hard
            counts["soft"] += recorded.soft
            counts["suppressed"] += recorded.suppressed
            moves(uid, config.processed_folder)
        counts["left"] = max(0, len(uids) - config.max_reports)  # for the next run
    return {name: counts.get(name, 0) for name in _COUNTS}


_COUNTS = ("read", "reports", "hard", "soft", "suppressed", "unmatched", "auto_replies", "other", "left")


def _ensure_folder(client: Any, folder: str) -> None:
    kind, data = client.create(_quoted(folder))
    said = b" ".join(d for d in data if isinstance(d, bytes)).upper()
    if kind != "OK" and b"ALREADYEXISTS" not in said and b"EXISTS" not in said:
        raise MailboxError(f"IMAP CREATE {folder} refused: {said.decode('utf-8', 'replace')[:200]}")


def _fetch(client: Any, uid: bytes) -> bytes | None:
    data = _ok("FETCH", client.uid("FETCH", uid, "(BODY.PEEK[])"))
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None  # expunged meanwhile


def _mark_checked(client: Any, uid: bytes) -> None:
    _ok("STORE", client.uid("STORE", uid, "+FLAGS", f"({CHECKED})"))


def _capabilities(client: Any) -> set[str]:
    data = _ok("CAPABILITY", client.capability())
    return {word.decode("ascii", "replace").upper() for word in (data[0] or b"").split()}


def _mover(client: Any) -> Any:
    """How this server moves one message by UID: MOVE (RFC 6851), else COPY and an expunge of that
    UID only (UIDPLUS, RFC 4315): never a plain EXPUNGE, which would also remove what a person
    marked deleted. With neither, the report is copied and marked checked, not removed."""
    capabilities = _capabilities(client)

    def move(uid: bytes, folder: str) -> None:
        if "MOVE" in capabilities:
            _ok("MOVE", client.uid("MOVE", uid, _quoted(folder)))
            return
        _ok("COPY", client.uid("COPY", uid, _quoted(folder)))
        if "UIDPLUS" in capabilities:
            _ok("STORE", client.uid("STORE", uid, "+FLAGS", r"(\Deleted)"))
            _ok("UID EXPUNGE", client.uid("EXPUNGE", uid))
        else:
            log.warning("The IMAP server has neither MOVE nor UIDPLUS: the report was copied, not moved")
            _mark_checked(client, uid)

    return move
