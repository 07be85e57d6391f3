"""The page's preview: what a family's runs of one day would send, as a run would make it.

Runs `authoring.preview` in its run mode (`as_run`): every run of the day (or those between two
times), the ledger's history and unsubscribes in the transform, the sender and the link secret a
run uses. Nothing is sent and nothing is written to the ledger, but the ledger is read to say
what a run would really do with each message: send it, or leave it because it is already sent
(or being sent), or hold it because an earlier outcome was `failed` or `unknown` (only a
deliberate resend changes those).

The rendered files go to a local folder of the API server (the run storage may be a bucket), from
which the page shows each body and serves the attachments, a PDF inline.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_PATTERN = re.compile(r"[0-9]{3}-[A-Za-z0-9._-]{1,200}")
INLINE_TYPES = {".pdf": "application/pdf"}


def preview_folder(family: str, day: date) -> Path:
    """A local folder of the API server: `$AIRFLOW_HOME/alertas_ui_preview/<family>/<date>/`,
    emptied by the next preview of it."""
    home = os.environ.get("AIRFLOW_HOME") or str(Path.home() / "airflow")
    return Path(home) / "alertas_ui_preview" / family / day.isoformat()


def run_sender(config: Any) -> str:
    """The From a run puts on the family's messages (the family's, else the SMTP connection's)."""
    from alertas_rapidas.authoring.preview import PreviewError
    from alertas_rapidas.connections import sender_address

    try:
        return config.sender.address or sender_address()
    except Exception as exc:  # no from_email, or no connection at all: a run would fail the same way
        raise PreviewError(f"the run would fail: {exc}") from None


def verdict(status: str | None) -> str:
    """What a normal run does with a message the ledger holds in `status` (None: no row)."""
    from alertas_rapidas.ledger.deliveries import ClaimPolicy

    if status is None or status in ClaimPolicy().states():
        return "would_send"
    if status in ("sent", "sending"):
        return "already_sent"
    return f"held_{status}"  # held_failed, held_unknown: only a deliberate resend sends them


def ledger_states(keys: list[str]) -> dict[str, dict[str, Any]]:
    """The ledger's row of each key that has one: status, reason, sent time, run."""
    from alertas_rapidas.ledger import message_states
    from alertas_rapidas.ledger.tables import ledger_exists
    from alertas_rapidas.ui import queries

    if not keys:
        return {}
    with queries.read_only_connection() as conn:
        if not ledger_exists(conn):
            return {}
        return {key: dict(state) for key, state in message_states.states_of(conn, keys).items()}


@dataclass
class Window:
    """The runs of the day to preview: all of them, or those between two times (inclusive)."""

    start: time | None = None
    end: time | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Window:
        """From `HH:MM` texts (empty: the day's first or last run); ValueError with what is wrong."""
        parsed: list[time | None] = []
        for name, text in (("from_time", start), ("to_time", end)):
            text = (text or "").strip()
            if not text:
                parsed.append(None)
                continue
            try:
                if not re.fullmatch(r"\d{2}:\d{2}", text):
                    raise ValueError(text)
                parsed.append(time.fromisoformat(text))
            except ValueError:
                raise ValueError(f"{name}: a time of day written HH:MM (08:00)") from None
        if parsed[0] is not None and parsed[1] is not None and parsed[0] > parsed[1]:
            raise ValueError("from_time: must not be after to_time")
        return cls(*parsed)


def run_preview(family: str, day: date, window: Window) -> dict[str, Any]:
    """Render the day's runs as a run would; what the page shows. Raises PreviewError."""
    from alertas_rapidas.authoring.preview import plan_day

    day_plan = plan_day(family, day, start=window.start, end=window.end, as_run=True)
    return preview_json(day_plan, family, day)


def preview_json(day_plan: Any, family: str, day: date) -> dict[str, Any]:
    """Render a planned day into the page's preview folder; the messages with the ledger's view."""
    from alertas_rapidas.authoring.preview import run_links, summary_line, write_preview

    out = preview_folder(family, day)
    written = write_preview(
        day_plan, out, sender=run_sender(day_plan.config), links=run_links(day_plan.config)
    )
    info = json.loads((out / "preview.json").read_text(encoding="utf-8"))
    states = ledger_states([entry["ledger_key"] for entry in info["messages"]])
    messages = []
    for entry in info["messages"]:
        row = states.get(entry["ledger_key"], {})
        messages.append(
            {
                "number": entry["number"],
                "to": entry["to"],
                "cc": entry["cc"],
                "bcc": entry["bcc"],
                "language": entry["language"],
                "subject": entry["subject"],
                "recipient_ref": entry["ref"],
                "business_key": entry["key"],
                "html": read_body(out, entry["number"]),
                "attachments": [
                    {
                        "name": name,
                        "label": name.split("-", 1)[1],
                        "inline": Path(name).suffix in INLINE_TYPES,
                    }
                    for name in entry["attachments"]
                ],
                "verdict": verdict(row.get("status")),
                "ledger_status": row.get("status"),
                "sent_at": row["sent_at"].isoformat() if row.get("sent_at") else None,
                "sent_by_run": row.get("run_id"),
            }
        )
    counts = {"messages": written, "would_send": 0, "already_sent": 0, "held": 0}
    for message in messages:
        key = message["verdict"] if message["verdict"] in counts else "held"
        counts[key] += 1
    return {
        "family": family,
        "date": day.isoformat(),
        "runs": info["runs"],
        "timezone": day_plan.config.timezone,
        "line": summary_line(day_plan, written),
        "counts": counts,
        "candidates": info["candidates"],
        "skipped": info["skipped"],
        "held_by_rule": info["held"],
        "messages": messages,
    }


def read_body(out: Path, number: str) -> str:
    mail = email.message_from_bytes((out / f"{number}.eml").read_bytes(), policy=email.policy.default)
    body = mail.get_body(("html",))
    return body.get_content() if body else ""


def attachment_path(family: str, day: date, name: str) -> Path | None:
    """The attachment file `name` of the last preview of family/day, or None."""
    if not FILE_PATTERN.fullmatch(name):
        return None
    folder = preview_folder(family, day).resolve()
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path


def send_test(family: str, day: date, window: Window, number: int, to: str, user: str) -> dict[str, Any]:
    """Message `number` (1-based) of the day's preview, rendered as the run would, sent to `to`
    only (To and Cc replaced, "[TEST]" subject), the ledger neither read for it nor written.
    Raises PreviewError (cannot render) or ValueError (the address or number)."""
    from alertas_rapidas.authoring.preview import plan_day, render_message, renderer_for, run_links
    from alertas_rapidas.connections import SMTP_CONN_ID
    from alertas_rapidas.delivery.loop import send_test_message
    from alertas_rapidas.recipients import allowing_special_domains, check_address

    day_plan = plan_day(family, day, start=window.start, end=window.end, as_run=True)
    with allowing_special_domains(day_plan.config.allowed_special_domains):
        address, problem = check_address(to)
    if address is None:
        raise ValueError(f"to: not an address a run would send to ({problem})")
    total = len(day_plan.plan.messages)
    if not 1 <= number <= total:
        raise ValueError(f"number: the preview has {total} message(s); pick one of 1 to {total}")
    renderer = renderer_for(day_plan, sender=run_sender(day_plan.config), links=run_links(day_plan.config))
    mail = render_message(day_plan, renderer, number - 1)
    outcome = send_test_message(bytes(mail), address, SMTP_CONN_ID)
    log.info(
        "Alertas test message by %s: %s for %s, message %d of %d, to an address they gave: %s%s",
        user,
        family,
        day,
        number,
        total,
        outcome.status,
        f" ({outcome.reason})" if outcome.reason else "",
    )
    return {
        "status": str(outcome.status),
        "sent": str(outcome.status) == "sent",
        "reason": outcome.reason,
        "smtp_response": outcome.response,
        "to": address,
        "subject": f"[TEST] {mail['Subject']}",
        "number": number,
        "of": total,
    }
