"""The failure notice to the data team: one mail per failed run, to the config's `owners_email`.

Claimed in the ledger (`ledger.notices`: one row per run, committed before the SMTP transaction)
so retries of the summary task never send it twice; it is not one of the family's messages and
never counts as one. It carries counts, the one-line causes of the failed tasks, task ids and DMS
references of the messages whose outcome is unknown (`customer:42`, never a name or an address).
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.connections import ALERTS_CONN_ID, SMTP_CONN_ID
from alertas_rapidas.contracts.plan import idempotency_key, message_id_for
from alertas_rapidas.delivery.states import DeliveryState
from alertas_rapidas.ledger import deliveries as ledger
from alertas_rapidas.ledger import notices as stored_notices
from alertas_rapidas.ledger.message_states import in_state
from alertas_rapidas.summary import RunSummary

MAX_LISTED = 20  # unknown messages named in one notice

log = logging.getLogger(__name__)


def failure_notice(
    config: FamilyConfig,
    run_id: str,
    problems: list[str],
    summary: RunSummary,
    unknown: list[tuple[str, str, str]] | None = None,
) -> EmailMessage:
    """The notice: what went wrong (`problems`), the counts, and the messages of the run's date
    whose outcome is unknown (`unknown`: recipient_ref, business key, reason)."""
    mail = EmailMessage(policy=SMTP)
    mail["To"] = ", ".join(config.owners_email)
    mail["Subject"] = f"[Alertas Rápidas] {config.dag_id} failed for {summary.run_date}"
    mail["Date"] = format_datetime(datetime.now(ZoneInfo(config.timezone)).replace(microsecond=0))
    mail["Message-ID"] = message_id_for(idempotency_key(config.key, "owners", f"run_failed:{run_id}"))
    mail["Auto-Submitted"] = "auto-generated"
    counts = ", ".join(
        f"{name} {summary.count(name)}" for name in ("candidates", "sent", "failed", "deferred", "unknown")
    )
    lines = [
        f"The run {run_id} of {config.dag_id} ({config.title}) did not complete cleanly.",
        "",
        *[f"- {problem}" for problem in problems],
        "",
        f"Counts: {counts}.",
        *([f"The family was {summary.muted}: nothing was sent."] if summary.muted else []),
    ]
    if summary.changes:
        lines += ["", 'Settings changed since the last run (docs/writing-alerts.md, "Tune an alert"):']
        lines += [f"- {line}" for line in summary.changes]
    if unknown:
        lines += [
            "",
            f"Messages of {summary.run_date} whose outcome is unknown (they may have reached the server):",
            *[f"- {ref} {key}: {reason}" for ref, key, reason in unknown[:MAX_LISTED]],
            *([f"- ... and {len(unknown) - MAX_LISTED} more"] if len(unknown) > MAX_LISTED else []),
        ]
    lines += [
        "",
        "Open the run in the Airflow UI for the task logs; `python -m alertas_rapidas.ops deliveries",
        f"--family {config.key} --state unknown` lists the messages whose outcome is unknown. They are",
        "never re-sent automatically: decide, then `ops reopen` one message (or trigger a run with",
        "resend_unknown) if it must go out again.",
    ]
    mail.set_content("\n".join(lines) + "\n")
    return mail


def send_failure_notice(
    config: FamilyConfig,
    *,
    dag_id: str,
    run_id: str,
    run_date: Any,
    problems: list[str],
    summary: RunSummary,
) -> str:
    """Send the notice once per run; return what happened (for the log)."""
    from alertas_rapidas.delivery.smtp_session import SmtpSession

    if not config.owners_email:
        return "no owners_email configured: no failure notice"
    recipients = [str(address) for address in config.owners_email]
    message_id = message_id_for(idempotency_key(config.key, "owners", f"run_failed:{run_id}"))
    session = SmtpSession(smtp_conn_id=SMTP_CONN_ID)
    with ledger.ledger_connection(ALERTS_CONN_ID) as conn:
        claimed = stored_notices.claim(
            conn,
            dag_id=dag_id,
            run_id=run_id,
            family=config.key,
            run_date=run_date,
            recipients=recipients,
            message_id=message_id,
        )
        if not claimed:
            return f"failure notice already {stored_notices.status_of(conn, dag_id, run_id) or 'handled'}"
        try:
            mail = failure_notice(
                config, run_id, problems, summary, unknown_messages(conn, config.key, run_date)
            )
            mail["From"] = session.sender()
            outcome = session.send(recipients, mail.as_bytes())
        finally:
            session.reset()
        stored_notices.record_outcome(
            conn,
            dag_id=dag_id,
            run_id=run_id,
            status=outcome.status,
            reason=outcome.reason,
            response=outcome.response,
        )
    return f"failure notice {outcome.status}"


def unknown_messages(conn: Any, family: str, run_date: Any) -> list[tuple[str, str, str]]:
    """(recipient_ref, business key, reason) of the family's messages of `run_date` whose outcome
    is unknown: the ones a person must decide about."""
    if run_date is None:
        return []
    found = in_state(conn, DeliveryState.UNKNOWN, family=family, run_date=run_date, limit=MAX_LISTED + 1)
    return [(item["recipient_ref"], item["business_key"], item["reason"]) for item in found]
