"""Delivery guarantees under faults, against the real PostgreSQL and a real SMTP server.

Each test injects a fault into the SMTP server (or the connections) and asserts what the server
received and what the ledger holds: nothing sent twice, nothing lost, outcomes recorded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from alertas_rapidas.storage import run_dir
from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.statements import add_customers

pytestmark = pytest.mark.e2e

DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
T = "2026-11-01T11:00:00+00:00"
C001 = ("Pagos@transportes.example.com", "contaduria@transportes.example.com")
OWNERS = "datos@example.com"


def customer_mail(store):
    return [m for m in store.messages if OWNERS not in m.rcpt_tos]


def notices(store):
    return [m for m in store.messages if m.rcpt_tos == [OWNERS]]


def statuses(ledger):
    """Ledger states of the customers' messages (not skipped ones, not the owners' notice)."""
    return {
        row["recipient_ref"]: row["status"]
        for row in ledger_rows(ledger, FAMILY)
        if row["status"] != "skipped" and row["recipient_ref"] != "owners"
    }


def test_one_of_three_recipients_refused_delivers_to_the_others_and_flags_the_run(
    statements_dms, dagbag, mail_sink, ledger
):
    statements_dms.execute(
        "update dms.customers set cc_emails = cc_emails || 'tesoreria@transportes.example.com'::text "
        "where id = 1"
    )
    mail_sink.store.faults.refuse_recipients[C001[1]] = "550 5.1.1 mailbox unavailable"
    run = run_dag(dagbag, DAG_ID, T, retries=0)

    assert run.state == "failed"  # flagged: a person must look at the refused address
    c001 = [m for m in customer_mail(mail_sink.store) if C001[0] in m.rcpt_tos]
    assert [sorted(m.rcpt_tos) for m in c001] == [[C001[0], "tesoreria@transportes.example.com"]]
    row = next(r for r in ledger_rows(ledger, FAMILY) if r["recipient_ref"] == "customer:1")
    assert row["status"] == "sent"
    assert sorted(row["recipients"]) == sorted([*C001, "tesoreria@transportes.example.com"])
    refused = ledger.execute(
        "select refused from alerts.deliveries where family = %s and recipient_ref = 'customer:1'", (FAMILY,)
    ).fetchone()[0]
    assert list(refused) == [C001[1]] and refused[C001[1]].startswith("550")
    summary = last_summary(ledger, DAG_ID)
    assert summary["sent"] == 3 and summary["refused_recipients"] == 1
    [notice] = notices(mail_sink.store)
    assert notice.subject == f"[Alertas Rápidas] {DAG_ID} failed for 2026-11-01"
    assert "1 recipient(s) refused" in notice.message.get_content()


def test_all_recipients_refused_is_failed_and_never_resent(statements_dms, dagbag, mail_sink, ledger):
    mail_sink.store.faults.refuse_recipients["john.smith@example.org"] = "550 5.1.1 no such user"
    assert run_dag(dagbag, DAG_ID, T, retries=0).state == "failed"
    assert statuses(ledger)["customer:2"] == "failed"
    assert len(customer_mail(mail_sink.store)) == 2

    mail_sink.store.clear()
    run_dag(dagbag, DAG_ID, T, retries=0)
    assert customer_mail(mail_sink.store) == []  # failed is permanent: not retried by a re-run


def test_smtp_refusing_connections_defers_and_a_later_run_sends_each_once(
    statements_dms, dagbag, mail_sink, ledger, monkeypatch
):
    from alertas_dev.demo.mail_sink import free_port

    good = os.environ["AIRFLOW_CONN_SMTP_DEFAULT"]
    closed = json.loads(good)
    closed["port"] = free_port()  # nothing listens there: connection refused
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(closed))
    assert run_dag(dagbag, DAG_ID, T, retries=1).state == "failed"
    assert statuses(ledger) == {"customer:1": "deferred", "customer:2": "deferred", "customer:8": "deferred"}
    assert mail_sink.store.messages == []

    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", good)
    assert run_dag(dagbag, DAG_ID, T).state == "success"
    assert sorted(len(m.rcpt_tos) for m in customer_mail(mail_sink.store)) == [1, 1, 2]
    assert set(statuses(ledger).values()) == {"sent"}
    mail_sink.store.clear()
    run_dag(dagbag, DAG_ID, T)
    assert customer_mail(mail_sink.store) == []


def test_connection_lost_after_data_is_unknown_and_only_resent_on_request(
    statements_dms, dagbag, mail_sink, ledger
):
    mail_sink.store.faults.drop_after_data = True
    assert run_dag(dagbag, DAG_ID, T, retries=0).state == "failed"
    assert set(statuses(ledger).values()) == {"unknown"}
    received = len(customer_mail(mail_sink.store))
    assert received == 3  # the server got them; the client could not know

    mail_sink.store.clear()
    run_dag(dagbag, DAG_ID, T, retries=0)
    assert customer_mail(mail_sink.store) == []  # unknown is never re-sent automatically

    run = run_dag(dagbag, DAG_ID, T, resend_unknown=True)
    assert run.state == "success"
    assert len(customer_mail(mail_sink.store)) == 3
    assert set(statuses(ledger).values()) == {"sent"}


def _render_dry_run(dagbag):
    """The batch archive a dry run rendered (one batch: the three statements)."""
    run = run_dag(dagbag, DAG_ID, T, dry_run=True)
    outbox = run_dir(DAG_ID, run.run_id) / "plan" / "outbox"
    [archive] = outbox.glob("*.zip")
    return archive


def test_two_concurrent_deliveries_send_each_message_once(statements_dms, dagbag, mail_sink, ledger):
    from datetime import date

    from alertas_rapidas.delivery import loop as delivery
    from alertas_rapidas.delivery.outbox import read_outbox
    from alertas_rapidas.ledger import deliveries as ledger_module

    outbox = read_outbox(_render_dry_run(dagbag))
    mail_sink.store.faults.on_data = lambda _count: time.sleep(0.05)  # widen the race window
    results = []

    def deliver(run_id: str) -> None:
        results.append(
            delivery.deliver_with_ledger(
                family=FAMILY,
                outbox=outbox,
                run_date=date(2026, 11, 1),
                claimant=delivery.Claimant(DAG_ID, run_id, "deliver", 0, 1),
                policy_=ledger_module.ClaimPolicy(),
                smtp_conn_id="smtp_default",
                alerts_conn_id="alerts_postgres",
            )
        )

    threads = [threading.Thread(target=deliver, args=(f"concurrent_{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(mail_sink.store.messages) == 3
    assert sum(r.get("sent", 0) for r in results) == 3
    assert sum(r.get("already_sent", 0) for r in results) == 3
    assert [row["attempts"] for row in ledger_rows(ledger, FAMILY) if row["status"] == "sent"] == [1, 1, 1]


KILLABLE_DELIVERY = """
import json, sys
from datetime import date
from alertas_rapidas.delivery import loop as delivery
from alertas_rapidas.ledger import deliveries as ledger
from alertas_rapidas.delivery.outbox import read_outbox
delivery.deliver_with_ledger(
    family="customer_statements", outbox=read_outbox(sys.argv[1]), run_date=date(2026, 11, 1),
    claimant=delivery.Claimant("alert_customer_statements", "killed_run", "deliver", 0, int(sys.argv[2])),
    policy_=ledger.ClaimPolicy(), smtp_conn_id="smtp_default", alerts_conn_id="alerts_postgres",
)
"""


def test_a_worker_killed_mid_batch_leaves_at_most_its_claim_group_unknown_and_nothing_twice(
    statements_dms, dagbag, mail_sink, ledger
):
    """The crash bound (README "When a worker dies while sending"): messages are claimed and
    recorded in groups of CLAIM_GROUP, so a worker killed in the middle of a group leaves that
    group, and only that group, `unknown`; what an earlier group sent is recorded `sent`, and the
    retry sends the rest of the batch. 45 statements, killed while the server holds message 25."""
    from alertas_rapidas.delivery.loop import CLAIM_GROUP

    add_customers(statements_dms, 42)
    archive = _render_dry_run(dagbag)
    worker = {}

    def kill_at_message_25(count: int) -> None:
        if count == 25:  # the server has message 25; the worker dies before hearing "250"
            os.kill(worker["process"].pid, signal.SIGKILL)
            worker["process"].wait()

    mail_sink.store.faults.on_data = kill_at_message_25
    worker["process"] = subprocess.Popen([sys.executable, "-c", KILLABLE_DELIVERY, str(archive), "1"])
    worker["process"].wait(timeout=120)
    assert worker["process"].returncode == -signal.SIGKILL
    assert len(mail_sink.store.messages) == 25
    states = Counter(statuses(ledger).values())
    assert states == {"sent": CLAIM_GROUP, "sending": CLAIM_GROUP}  # the second group was in hand

    mail_sink.store.faults.on_data = None
    retry = subprocess.run([sys.executable, "-c", KILLABLE_DELIVERY, str(archive), "2"], timeout=120)
    assert retry.returncode == 0
    assert Counter(statuses(ledger).values()) == {"sent": 25, "unknown": CLAIM_GROUP}
    received = [tuple(m.rcpt_tos) for m in mail_sink.store.messages]
    assert len(received) == 25 + 5 and len(set(received)) == 30  # the last 5 once; nothing twice


def test_manual_run_without_logical_date_uses_run_date_param(statements_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, None, run_date="2026-11-01")
    assert run.state == "success"
    assert run.logical_date is None
    assert len(customer_mail(mail_sink.store)) == 3
    assert {row["business_key"] for row in ledger_rows(ledger, FAMILY)} == {"statement:2026-10"}


def test_redirect_to_sends_everything_to_one_address_and_leaves_the_ledger_alone(
    statements_dms, dagbag, mail_sink, ledger
):
    run = run_dag(dagbag, DAG_ID, T, redirect_to="qa@example.com")
    assert run.state == "success"
    assert [m.rcpt_tos for m in mail_sink.store.messages] == [["qa@example.com"]] * 3
    assert all(m.subject.startswith("[TEST] ") for m in mail_sink.store.messages)
    assert all("Cc" not in m.message for m in mail_sink.store.messages)
    assert statuses(ledger) == {}


def test_force_resend_sends_again_deliberately(statements_dms, dagbag, mail_sink, ledger):
    run_dag(dagbag, DAG_ID, T)
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, T, force_resend=True).state == "success"
    assert len(mail_sink.store.messages) == 3
    assert [row["attempts"] for row in ledger_rows(ledger, FAMILY) if row["status"] == "sent"] == [2, 2, 2]


def test_dms_down_fails_with_a_clear_message_and_sends_nothing(
    statements_dms, dagbag, mail_sink, ledger, monkeypatch, tmp_path
):
    monkeypatch.setenv(
        "AIRFLOW_CONN_DMS_POSTGRES",
        json.dumps({"conn_type": "postgres", "host": str(tmp_path), "login": "postgres", "schema": "dms"}),
    )
    started = time.monotonic()
    run = run_dag(dagbag, DAG_ID, T, retries=0)
    assert run.state == "failed"
    assert time.monotonic() - started < 60  # no hanging on an unreachable database
    assert customer_mail(mail_sink.store) == []
    assert statuses(ledger) == {}
    [notice] = notices(mail_sink.store)
    assert "extract or transform did not finish" in notice.message.get_content()


def test_ops_reopen_resends_exactly_one_message(statements_dms, dagbag, mail_sink, ledger, capsys):
    from alertas_rapidas import ops

    run_dag(dagbag, DAG_ID, T)
    mail_sink.store.clear()
    assert (
        ops.main(
            ["reopen", "--family", FAMILY, "--recipient", "customer:2", "--business-key", "statement:2026-10"]
        )
        == 0
    )
    assert run_dag(dagbag, DAG_ID, T).state == "success"
    assert [m.rcpt_tos for m in mail_sink.store.messages] == [["john.smith@example.org"]]

    assert ops.main(["runs", "--family", FAMILY]) == 0
    assert ops.main(["deliveries", "--family", FAMILY]) == 0
    out = capsys.readouterr().out
    assert "alert_customer_statements" in out and "sent" in out
    assert "example.org" not in out  # counts and ids only
