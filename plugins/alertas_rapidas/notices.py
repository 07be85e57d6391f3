"""The failure notice to the data team: one mail per failed run, to the config's `owners_email`.

It goes through the ledger like any message (recipient `owners`, business key `run_failed:<run
id>`), so retries of the summary task never send it twice. It carries counts and task ids only.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from alertas_rapidas import ledger
from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.connections import ALERTS_CONN_ID, SMTP_CONN_ID
from alertas_rapidas.messages import idempotency_key, message_id_for
from alertas_rapidas.summary import RunSummary

log = logging.getLogger(__name__)


def failure_notice(
    config: FamilyConfig, run_id: str, problems: list[str], summary: RunSummary
) -> EmailMessage:
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
        "Open the run in the Airflow UI for the task logs; the delivery ledger (alerts.deliveries)",
        "holds each message's state. Messages marked 'unknown' are never re-sent automatically:",
        "decide, then trigger a run with resend_unknown if they must go out again.",
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
    from alertas_rapidas.delivery import SmtpSession

    if not config.owners_email:
        return "no owners_email configured: no failure notice"
    key = idempotency_key(config.key, "owners", f"run_failed:{run_id}")
    recipients = [str(address) for address in config.owners_email]
    session = SmtpSession(smtp_conn_id=SMTP_CONN_ID)
    with ledger.ledger_connection(ALERTS_CONN_ID) as conn:
        claimed, status = ledger.claim(
            conn,
            key=key,
            family=config.key,
            recipient_ref="owners",
            business_key=f"run_failed:{run_id}",
            recipients=recipients,
            run_date=run_date,
            dag_id=dag_id,
            run_id=run_id,
            message_id=message_id_for(key),
            policy=ledger.ClaimPolicy(),
        )
        if not claimed:
            return f"failure notice already {status}"
        try:
            mail = failure_notice(config, run_id, problems, summary)
            mail["From"] = session.sender()
            outcome = session.send(recipients, mail.as_bytes())
        finally:
            session.reset()
        ledger.record_outcome(conn, key=key, status=outcome.status, reason=outcome.reason)
    return f"failure notice {outcome.status}"
