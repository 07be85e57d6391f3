"""The failure notices to the data team (`alerts.notices`): one row per run, claimed before the
SMTP transaction and committed, so a retried summary task never sends its notice twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from alertas_rapidas.delivery.states import DeliveryState


def claim(
    conn: Any,
    *,
    dag_id: str,
    run_id: str,
    family: str,
    run_date: date | None,
    recipients: list[str],
    message_id: str,
) -> bool:
    """Claim the run's notice for sending: True when this call may send it (new, or deferred
    before), False when it is sent, being sent or failed."""
    row = conn.execute(
        """
        insert into alerts.notices as n
            (dag_id, run_id, family, run_date, status, recipients, message_id)
        values (%(dag_id)s, %(run_id)s, %(family)s, %(run_date)s, %(sending)s, %(recipients)s,
                %(message_id)s)
        on conflict (dag_id, run_id) do update
            set status = %(sending)s, attempts = n.attempts + 1, updated_at = now()
            where n.status = %(deferred)s
        returning 1
        """,
        {
            "dag_id": dag_id,
            "run_id": run_id,
            "family": family,
            "run_date": run_date,
            "recipients": recipients,
            "message_id": message_id,
            "sending": DeliveryState.SENDING,
            "deferred": DeliveryState.DEFERRED,
        },
    ).fetchone()
    return row is not None


def status_of(conn: Any, dag_id: str, run_id: str) -> str | None:
    """The state of the run's notice, or None when it has none."""
    row = conn.execute(
        "select status from alerts.notices where dag_id = %s and run_id = %s", (dag_id, run_id)
    ).fetchone()
    return row[0] if row else None


def record_outcome(
    conn: Any, *, dag_id: str, run_id: str, status: str, reason: str | None, response: str | None
) -> None:
    """What the SMTP transaction of the run's notice did (`sent` also stamps the time)."""
    conn.execute(
        """
        update alerts.notices
           set status = %s, reason = %s, smtp_response = %s, updated_at = now(),
               sent_at = case when %s = 'sent' then now() end
         where dag_id = %s and run_id = %s
        """,
        (status, reason, response, status, dag_id, run_id),
    )
