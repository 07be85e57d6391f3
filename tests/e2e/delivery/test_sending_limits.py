"""Sending limits and slow-down replies, against the real PostgreSQL, SMTP server and DAG runs.

What a person checks: the SMTP server's receive times (no window ever holds more than the
limit), who got what (each message once), and the ledger and run summary (messages that waited,
and until when). Windows are seconds long here; in production they are a second, a minute, an
hour and 24 hours (`sending_limits.NAMED_WINDOWS`): only their length differs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter

import pytest

from alertas_rapidas.storage import run_dir
from alertas_rapidas.ui.deliverability import deliverability
from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.statements import add_customers

pytestmark = pytest.mark.e2e

DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
T = "2026-11-01T11:00:00+00:00"
OWNERS = "datos@example.com"


def with_limits(monkeypatch, **limits) -> None:
    """The SMTP connection's `sending_limits` extra (how production sets them, JSON form)."""
    connection = json.loads(os.environ["AIRFLOW_CONN_SMTP_DEFAULT"])
    connection["extra"]["sending_limits"] = limits
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))


def customer_mail(store):
    return [m for m in store.messages if OWNERS not in m.rcpt_tos]


def busiest_window(times: list[float], length: float) -> int:
    """The most messages received within any `length` seconds (every window, not only aligned
    ones: each receive time starts one)."""
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t < start + length) for i, start in enumerate(times)), default=0)


def sent_once(store) -> bool:
    counts = Counter(tuple(sorted(m.rcpt_tos)) for m in customer_mail(store))
    return bool(counts) and set(counts.values()) == {1}


def test_a_daily_cap_waits_in_the_ledger_and_the_run_finishes_when_the_window_opens(
    statements_dms, dagbag, mail_sink, ledger, monkeypatch
):
    """12 statements, a cap of 5 per 'day' (4 s here): the deliver task sends 5, gives its worker
    slot back (defers), resumes by itself when the window opens, and so on: nobody re-runs."""
    add_customers(statements_dms, 9)
    with_limits(monkeypatch, windows={"PT4S": 5}, defer_after="PT1S")

    run = run_dag(dagbag, DAG_ID, T, retries=0)

    assert run.state == "success"
    received = customer_mail(mail_sink.store)
    assert len(received) == 12 and sent_once(mail_sink.store)
    assert busiest_window([m.received_at for m in received], 4.0) <= 5
    times = sorted(m.received_at for m in received)
    assert times[-1] - times[0] >= 8.0  # three windows: 5 + 5 + 2
    rows = [r for r in ledger_rows(ledger, FAMILY) if r["status"] != "skipped"]
    assert {r["status"] for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}
    summary = last_summary(ledger, DAG_ID)
    assert summary["sent"] == 12 and summary["failed"] == summary["deferred"] == 0
    assert summary["waited"] == 7  # the 7 that did not fit the first window waited in the ledger
    assert summary["waited_until"]
    ti = next(ti for ti in run.get_task_instances() if ti.task_id == "batch.deliver")
    assert ti.state == "success" and ti.try_number == 1  # resumed by itself, never retried
    [connection] = deliverability(ledger)["connections"]
    assert (connection["conn_id"], connection["sent_last_24h"]) == ("smtp_default", 12)


def test_waiting_messages_show_in_ops_runs_and_in_the_page_data(ledger, capsys):
    """While a run's messages wait (its deliver task deferred), `ops runs` and the page's data say
    how many, until when and why."""
    from datetime import UTC, date, datetime

    from alertas_rapidas import ops
    from alertas_rapidas.contracts.tasks import ManifestEntry
    from alertas_rapidas.ledger import deliveries as ledger_module

    ledger.execute("drop schema if exists alerts cascade")
    ledger_module.ensure_schema(ledger)
    until = datetime(2026, 11, 2, 11, 0, 12, tzinfo=UTC)
    entries = [
        ManifestEntry(
            key=f"k{n}",
            recipient_ref=f"customer:{n}",
            business_key="statement:2026-10",
            envelope=(f"c{n}@example.com",),
            message_id=f"<k{n}@example.com>",
        )
        for n in range(3)
    ]
    why = "rate_limited: sending limit per_day 10000 of smtp_default (1 day window full)"
    assert (
        ledger_module.record_waiting(
            ledger,
            entries=entries,
            family=FAMILY,
            run_date=date(2026, 11, 1),
            dag_id=DAG_ID,
            run_id="scheduled__2026-11-01",
            reason=why,
            not_before=until,
        )
        == 3
    )
    capsys.readouterr()
    assert ops.main(["runs", "--family", FAMILY]) == 0
    out = capsys.readouterr().out
    assert f"~ 3 message(s) waiting until 2026-11-02 11:00 UTC: {why}" in out
    [waiting] = deliverability(ledger)["waiting"]
    assert (waiting["waiting"], waiting["until"], waiting["reason"]) == (3, until.isoformat(), why)
    assert "@" not in json.dumps(deliverability(ledger))


@pytest.mark.parametrize(
    ("reply", "phase"),
    [
        ("421 4.7.0 Try again later, closing connection.", "mail"),
        ("452 4.5.3 Too many recipients for this sender, slow down", "rcpt"),
    ],
)
def test_slow_down_replies_pause_the_connection_and_the_run_sends_the_rest(
    statements_dms, dagbag, mail_sink, ledger, monkeypatch, reply, phase
):
    from alertas_dev.demo.mail_sink import SlowDown

    add_customers(statements_dms, 3)
    with_limits(monkeypatch, slow_down_backoff="PT1S")
    mail_sink.store.faults.slow_down = SlowDown(after=2, reply=reply, phase=phase, seconds=1.5)

    run = run_dag(dagbag, DAG_ID, T, retries=0)  # no retries: the pause is not Airflow's retry

    assert run.state == "success"
    assert len(customer_mail(mail_sink.store)) == 6 and sent_once(mail_sink.store)
    assert mail_sink.store.faults.slow_down.answered >= 1
    times = sorted(m.received_at for m in customer_mail(mail_sink.store))
    assert times[2] - times[1] >= 1.0  # paused at least the first back-off after message 2
    summary = last_summary(ledger, DAG_ID)
    assert summary["sent"] == 6 and summary["deferred"] == summary["failed"] == 0
    assert summary["slowed_down"] == mail_sink.store.faults.slow_down.answered
    statuses = {r["status"] for r in ledger_rows(ledger, FAMILY) if r["status"] != "skipped"}
    assert statuses == {"sent"}


WORKER = """
import json, sys, time
from datetime import date, timedelta
from pathlib import Path
from alertas_rapidas.delivery import loop as delivery
from alertas_rapidas.ledger import deliveries as ledger
from alertas_rapidas.delivery.outbox import read_outbox
from alertas_rapidas.delivery.sending_limits import SendingLimits
keys = set(json.load(open(sys.argv[1])))  # this worker's half of the batch
batch = read_outbox(sys.argv[6])
batch.entries = [entry for entry in batch.entries if entry.key in keys]
Path(sys.argv[4]).touch()  # imported and ready: both workers start together
while not Path(sys.argv[5]).exists():
    time.sleep(0.01)
print(json.dumps(delivery.deliver_with_ledger(
    family="customer_statements", outbox=batch, run_date=date(2026, 11, 1),
    claimant=delivery.Claimant("alert_customer_statements", sys.argv[2], "deliver", 0, 1),
    policy_=ledger.ClaimPolicy(), smtp_conn_id="smtp_default", alerts_conn_id="alerts_postgres",
    limits=SendingLimits.model_validate(json.loads(sys.argv[3])),
)))
"""


def test_two_workers_share_one_limit_and_no_window_ever_exceeds_it(
    statements_dms, dagbag, mail_sink, ledger, tmp_path
):
    """Two worker processes deliver two batches at once through one connection limited to 4
    messages in any second: the server's receive times never show more, and both workers sent."""
    add_customers(statements_dms, 17)
    run = run_dag(dagbag, DAG_ID, T, dry_run=True)  # render the 20 statements, send nothing
    from alertas_rapidas.delivery.outbox import read_outbox

    [archive] = (run_dir(DAG_ID, run.run_id) / "plan" / "outbox").glob("*.zip")
    entries = read_outbox(archive).entries
    assert len(entries) == 20
    halves = []
    for n, part in enumerate((entries[0::2], entries[1::2])):
        path = tmp_path / f"worker{n}.json"
        path.write_text(json.dumps([entry.key for entry in part]))
        halves.append(path)
    limits = json.dumps({"windows": {"PT1S": 4}})

    command, go = [sys.executable, "-c", WORKER], tmp_path / "go"
    workers = [
        subprocess.Popen(
            [*command, str(path), f"worker_{n}", limits, str(tmp_path / f"ready{n}"), str(go), str(archive)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n, path in enumerate(halves)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready{n}").exists() for n in range(2)) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    results = [json.loads(worker.communicate(timeout=180)[0].strip().splitlines()[-1]) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0]
    assert [result["sent"] for result in results] == [10, 10]
    received = customer_mail(mail_sink.store)
    assert len(received) == 20 and sent_once(mail_sink.store)
    times = sorted(m.received_at for m in received)
    assert busiest_window(times, 1.0) <= 4
    assert times[-1] - times[0] >= 4.0  # 20 messages, 4 in any second: 4 s at least from first to last
    by_worker = {
        token: sorted(times) for token, times in _receive_times_by_claimant(ledger, received).items()
    }
    assert len(by_worker) == 2
    first, second = by_worker.values()
    assert first[0] < second[-1] and second[0] < first[-1]  # they sent at the same time, sharing


def _receive_times_by_claimant(ledger, received) -> dict[str, list[float]]:
    """Receive times per claiming worker (the ledger's claim token of each Message-ID)."""
    tokens = dict(
        ledger.execute(
            "select message_id, claim_token from alerts.deliveries where family = %s and status = 'sent'",
            (FAMILY,),
        ).fetchall()
    )
    by_token: dict[str, list[float]] = {}
    for message in received:
        by_token.setdefault(tokens[message.message["Message-ID"]], []).append(message.received_at)
    return by_token
