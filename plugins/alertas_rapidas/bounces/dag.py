"""The DAG `alertas_bounces`: reads the bounce mailbox and keeps the suppression list.

Not a family DAG (no `dags/families/` file): it sends nothing. One task reads the IMAP folder of
`bounces` in `_defaults.yaml` (`bounce_mailbox.process_mailbox`): each delivery report that names
one of our messages is recorded on its ledger row and counted against the address (hard 1, soft
0.5, at most 1 a day), which is suppressed past the threshold; processed reports are moved to a
folder, never deleted; auto-replies, reports of no message of ours and a person's mail stay where
they are. The day a bounce counts for is the run's date in the dealership's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, task

from alertas_rapidas.config import BouncesConfig

DAG_ID = "alertas_bounces"

DOC = """
### Alertas Rápidas: bounces

Reads the bounce mailbox (the IMAP connection `{conn}`, folder `{folder}`) {schedule_text}:

1. each **delivery report** (a bounce: Postfix, Exchange/Microsoft 365, Gmail, ... read with
   `flufl.bounce`) that names one of our messages, by the VERP envelope sender it came back to or
   the Message-ID it quotes, is recorded on that message's ledger row (`bounced` when every
   recipient bounced for good; a soft bounce is noted), counted against the address (hard 1, soft
   0.5, at most 1 a day; stale after {stale}) and moved to the folder `{processed}`;
2. an address whose score reaches **{threshold:g}** is suppressed: later messages to it are
   skipped with the reason `bounced`, and `contact_data_quality` lists who has it, to fix the DMS;
3. **auto-replies** (out of office), reports that name no message of ours and a person's mail are
   left where they are, for a person (marked with the IMAP keyword `$AlertasChecked` only).

The suppression list: `python -m alertas_rapidas.ops suppressions` (addresses: personal data).
"""


def build_bounces_dag(config: BouncesConfig, timezone: str) -> DAG:
    zone = ZoneInfo(timezone)
    with DAG(
        dag_id=DAG_ID,
        description="Read the bounce mailbox: record bounces, keep the suppression list",
        schedule=config.schedule,
        start_date=datetime(2026, 1, 1, tzinfo=zone),
        catchup=False,
        max_active_runs=1,
        tags=["alertas", "bounces", "deliverability"],
        default_args={"owner": "data-team", "retries": 2, "retry_delay": timedelta(minutes=5)},
        doc_md=DOC.format(
            conn=config.imap_conn_id,
            folder=config.folder,
            processed=config.processed_folder,
            threshold=config.threshold,
            stale=config.stale_after,
            schedule_text=f"on the cron `{config.schedule}` ({timezone})",
        ),
    ) as dag:

        @task(task_id="read_bounce_mailbox", multiple_outputs=False)
        def read_bounce_mailbox(**context: Any) -> dict[str, int]:
            """Read the mailbox once; return the counts (no addresses)."""
            return read_once(config, zone, context)

        read_bounce_mailbox()
    return dag


def read_once(config: BouncesConfig, zone: ZoneInfo, context: Any) -> dict[str, int]:
    import logging

    from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

    from alertas_rapidas.bounces.mailbox import process_mailbox
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger.deliveries import ledger_connection

    dag_run = context.get("dag_run")
    instant = (
        context.get("data_interval_end") or context.get("logical_date") or getattr(dag_run, "run_after", None)
    )
    day = (instant or datetime.now(zone)).astimezone(zone).date()
    try:
        with ledger_connection(ALERTS_CONN_ID) as conn:
            counts = process_mailbox(config, conn, day)
    except AirflowNotFoundException:
        raise AirflowFailException(
            f"the connection {config.imap_conn_id!r} is not defined: define the bounce mailbox's IMAP "
            'connection (README "Bounces"), or set bounces.imap_conn_id in dags/families/_defaults.yaml'
        ) from None
    logging.getLogger(__name__).info(
        "Bounce mailbox: read %(read)d, recorded %(reports)d report(s) (%(hard)d hard, %(soft)d soft "
        "bounce(s), %(suppressed)d address(es) suppressed); left for a person: %(unmatched)d report(s) "
        "of no message of ours, %(auto_replies)d auto-reply(ies), %(other)d other; %(left)d for the next run",
        counts,
    )
    return counts
