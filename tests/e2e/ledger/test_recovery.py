"""No message stranded, no failure without its cause (issue 21), with real faults: a deliver process
killed while the SMTP server holds a message, the ledger database crashed mid-delivery, a task that
is still sending, a fresh install with no Variables, configuration mistakes in a family's files.

Every re-run is a NEW run (a manual run with `run_date`: its own run id), as an operator re-runs a
date: the README's way, not a retry of the same task. (Each run also gets a logical date of its
own: `dag.test()` clears the task instances of the DAG at the run's logical date, all of them when
it has none, which would wipe the other runs' task states a real scheduler keeps.)
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.runs import family_dag, last_summary, ledger_rows, run, run_dag

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
DAY = "2026-11-01"
OWNERS = "datos@example.com"
# The three statements of tests/fixtures/statements.sql, in delivery order.
ALL_SENDING = {"customer:1": "sending", "customer:2": "sending", "customer:8": "sending"}
ALL_UNKNOWN = {"customer:1": "unknown", "customer:2": "unknown", "customer:8": "unknown"}
C1, C2, C8 = "Pagos@transportes.example.com", "john.smith@example.org", "pedro@example.net"


def customer_mail(store) -> list:
    return [m for m in store.messages if OWNERS not in m.rcpt_tos]


def notices(store) -> list:
    return [m for m in store.messages if m.rcpt_tos == [OWNERS]]


def states(conn) -> dict[str, str]:
    return {r["recipient_ref"]: r["status"] for r in ledger_rows(conn, FAMILY) if r["status"] != "skipped"}


def ops(capsys, *args: str) -> tuple[int, str]:
    from alertas_rapidas import ops as ops_cli

    capsys.readouterr()  # what the runs printed before
    code = ops_cli.main(list(args))
    return code, capsys.readouterr().out


_RUNS = itertools.count(1)


def new_instant() -> str:
    """A logical date of its own for each run of the test session (see the module's doc)."""
    return (datetime(2026, 11, 1, 11, tzinfo=UTC) + timedelta(minutes=next(_RUNS))).isoformat()


def manual_run(dag, **conf):
    """A new run of the date (`run_date`): a run id of its own."""
    return run(dag, new_instant(), retries=0, run_date=DAY, **conf)


# A manual run of the statements in a process of its own (the one a test kills or holds).
RUN_IN_A_PROCESS = """
import sys
from datetime import timedelta
from tests.support.runs import family_dag, run
dag = family_dag("customer_statements", claim_lease=timedelta(seconds=float(sys.argv[1])))
print("STATE", run(dag, sys.argv[3], retries=0, run_date=sys.argv[2]).state, flush=True)
"""


def start_run_process(lease_seconds: float, env: dict[str, str] | None = None) -> subprocess.Popen:
    path = os.pathsep.join(str(ROOT / p) for p in ("plugins", "tools", "."))
    return subprocess.Popen(
        [sys.executable, "-c", RUN_IN_A_PROCESS, str(lease_seconds), DAY, new_instant()],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


# --- a deliver process killed while the server holds a message --------------------------------------


def test_a_killed_deliver_process_strands_nothing_and_a_new_run_names_the_message(
    statements_dms, dagbag, mail_sink, ledger, capsys
):
    lease = 3.0
    worker: dict[str, subprocess.Popen] = {}

    def kill_at_second_message(count: int) -> None:
        if count == 2:  # the server holds message 2; the worker dies before hearing "250"
            os.kill(worker["process"].pid, signal.SIGKILL)
            worker["process"].wait()

    mail_sink.store.faults.on_data = kill_at_second_message
    worker["process"] = start_run_process(lease)
    assert worker["process"].wait(timeout=240) == -signal.SIGKILL
    mail_sink.store.faults.on_data = None
    assert [m.rcpt_tos[0] for m in customer_mail(mail_sink.store)] == [C1, C2]
    # the three were claimed as one group (delivery.CLAIM_GROUP): stranded as they were
    assert states(ledger) == ALL_SENDING

    time.sleep(lease + 1.5)  # the dead process's heartbeat is older than the lease
    dag = family_dag(FAMILY, claim_lease=timedelta(seconds=lease))
    rerun = manual_run(dag)

    assert rerun.state == "failed"  # flagged: a person must decide about customer:2
    assert states(ledger) == {
        "customer:1": "unknown",
        "customer:2": "unknown",
        "customer:8": "unknown",
    }  # the group: sent, in flight, not tried
    reason = next(r["reason"] for r in ledger_rows(ledger, FAMILY) if r["recipient_ref"] == "customer:2")
    assert reason.startswith("stranded: claimed by alert_customer_statements run manual__")
    assert "task batch.deliver[0] try 1" in reason and "silent for" in reason
    summary = last_summary(ledger, DAG_ID)
    assert summary["stranded"] == 3 and summary["sent"] == 0 and summary["already_sent"] == 0
    [notice] = notices(mail_sink.store)
    body = notice.message.get_content()
    assert "3 message(s) were left 'sending' by a task that stopped" in body
    assert "customer:2 statement:2026-10: stranded: claimed by alert_customer_statements" in body
    assert C2 not in body  # references, never addresses

    code, out = ops(capsys, "deliveries", "--state", "unknown", "--json")
    assert code == 0 and sorted((m["recipient_ref"], m["business_key"]) for m in json.loads(out)) == [
        (f"customer:{n}", "statement:2026-10") for n in (1, 2, 8)
    ]
    code, _ = ops(
        capsys,
        "reopen",
        "--family",
        FAMILY,
        "--recipient",
        "customer:2",
        "--business-key",
        "statement:2026-10",
    )
    assert code == 0

    mail_sink.store.clear()
    assert manual_run(dag).state == "success"
    assert [m.rcpt_tos[0] for m in customer_mail(mail_sink.store)] == [C2]  # once; nobody else again
    assert states(ledger) == {"customer:1": "unknown", "customer:2": "sent", "customer:8": "unknown"}


# --- a task that is still sending keeps its claim -----------------------------------------------------


def test_a_claim_held_by_a_task_still_sending_is_never_taken(statements_dms, dagbag, mail_sink, ledger):
    from alertas_dev.demo.mail_sink import MailSink

    lease = 6.0  # long enough for a heartbeat (every 1.5 s) on a loaded 2-core machine
    release = threading.Event()
    with MailSink() as slow_server:  # the other run's server: it holds message 1 past the lease
        slow_server.store.faults.on_data = lambda count: release.wait(300) if count == 1 else None
        # the other run waits for the server's reply as long as this test may take (SMTP timeout)
        connection = json.loads(slow_server.connection_json())
        connection["extra"]["timeout"] = 600
        other = start_run_process(lease, {"AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(connection)})
        try:
            deadline = time.monotonic() + 180
            while not slow_server.store.messages and time.monotonic() < deadline:
                time.sleep(0.2)
            assert states(ledger) == {
                "customer:1": "sending",
                "customer:2": "sending",
                "customer:8": "sending",
            }  # one claim group
            time.sleep(2 * lease)  # longer than the lease: only its heartbeat keeps it alive

            this = manual_run(family_dag(FAMILY, claim_lease=timedelta(seconds=lease)))
            assert this.state == "success"
            assert customer_mail(mail_sink.store) == []
            assert states(ledger) == {
                "customer:1": "sending",
                "customer:2": "sending",
                "customer:8": "sending",
            }  # still the other run's
            assert last_summary(ledger, DAG_ID)["already_sent"] == 3
        finally:
            release.set()
        out, _ = other.communicate(timeout=180)
    assert "STATE success" in out, out[-3000:]
    assert [m.rcpt_tos[0] for m in slow_server.store.messages] == [C1, C2, C8]  # each once, in all
    assert set(states(ledger).values()) == {"sent"}
    assert {r["attempts"] for r in ledger_rows(ledger, FAMILY) if r["status"] == "sent"} == {1}


# --- the ledger database crashes mid-delivery ---------------------------------------------------------


def test_the_ledger_crashing_mid_delivery_strands_nothing(statements_dms, dagbag, mail_sink, postgres):
    import psycopg

    def crash_at_second_message(count: int) -> None:
        if count == 2:  # the server has message 2; the ledger dies before its outcome is written
            postgres.crash()

    mail_sink.store.faults.on_data = crash_at_second_message
    try:
        assert run_dag(dagbag, DAG_ID, new_instant(), retries=0, run_date=DAY).state == "failed"
    finally:
        mail_sink.store.faults.on_data = None
        postgres.restart()
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as ledger:
        # the group was claimed before the crash; its messages went out, their outcomes did not land
        assert states(ledger) == ALL_SENDING

        # The lease is the family's default (10 min): Airflow saying the task failed is enough.
        rerun = run_dag(dagbag, DAG_ID, new_instant(), retries=0, run_date=DAY)
        assert rerun.state == "failed"
        assert states(ledger) == ALL_UNKNOWN
        reason = next(r["reason"] for r in ledger_rows(ledger, FAMILY) if r["recipient_ref"] == "customer:2")
        assert reason.endswith("whose task is failed; outcome unknown")
        assert last_summary(ledger, DAG_ID)["stranded"] == 3
        assert "customer:2 statement:2026-10" in notices(mail_sink.store)[-1].message.get_content()
        assert [m.rcpt_tos[0] for m in customer_mail(mail_sink.store)] == [C1, C2, C8]  # none twice


# --- secrets the package provisions itself ------------------------------------------------------------


def test_a_fresh_install_with_no_variables_sends_recurring_mail_with_working_unsubscribe_links(
    statements_dms, dagbag, mail_sink, ledger, monkeypatch, capsys
):
    from fastapi.testclient import TestClient

    from alertas_rapidas.ui.unsubscribe import create_app

    monkeypatch.delenv("AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET", raising=False)
    assert run_dag(dagbag, DAG_ID, "2026-11-01T11:00:00+00:00").state == "success"
    mails = customer_mail(mail_sink.store)
    assert len(mails) == 3
    assert ledger.execute("select count(*) from alerts.link_secrets").fetchone() == (1,)

    link = mails[0].message["List-Unsubscribe"].split(",")[0].strip("<> ")
    token = link.rsplit("/", 1)[1]
    page = TestClient(create_app())
    assert page.post(f"/{token}", data={"scope": "one"}).status_code == 200
    assert ledger.execute("select family, recipient_ref from alerts.unsubscribes").fetchall() == [
        (FAMILY, "customer:1")
    ]
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")  # the last base64 character only
    assert page.get(f"/{changed}").status_code == 404

    code, out = ops(capsys, "secrets")
    assert code == 0
    assert "alertas_unsubscribe_secret     package" in out
    assert ledger.execute("select value from alerts.link_secrets").fetchone()[0] not in out


def test_two_first_uses_at_once_agree_on_one_secret(postgres, ledger):
    import psycopg

    from alertas_rapidas.ledger.link_secrets import UNSUBSCRIBE, stored_secret
    from alertas_rapidas.ledger.migrations import migrate

    ledger.execute("drop schema if exists alerts cascade")
    migrate(ledger)
    start = threading.Barrier(8)
    found: list[str] = []

    def first_use() -> None:
        with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
            start.wait()
            found.append(stored_secret(conn, UNSUBSCRIBE))

    workers = [threading.Thread(target=first_use) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(found) == 8 and len(set(found)) == 1 and len(found[0]) >= 32
    assert ledger.execute("select count(*) from alerts.link_secrets").fetchone() == (1,)


# --- failures carry their cause ----------------------------------------------------------------------


def cause_everywhere(ledger, mail_sink, capsys, cause: str) -> None:
    """The cause line is in the run summary, the failure notice, `ops runs --json` and the page's
    run view (the Alertas page's JSON for a run tab)."""
    from fastapi.testclient import TestClient

    from alertas_rapidas.ui.access import Access
    from alertas_rapidas.ui.app import create_app

    dag_id, run_id, summary = ledger.execute(
        "select dag_id, run_id, summary from alerts.runs order by finished_at desc limit 1"
    ).fetchone()
    assert cause in summary["problems"], summary["problems"]
    assert cause in notices(mail_sink.store)[-1].message.get_content()
    code, out = ops(capsys, "runs", "--json")
    assert code == 0 and cause in json.loads(out)[0]["summary"]["problems"]
    page = TestClient(create_app(Access.fixed(trigger=False, connections=False)))  # a viewer
    shown = page.get("/api/run", params={"dag_id": dag_id, "run_id": run_id})
    assert shown.status_code == 200
    assert cause in [item["cause"] for item in shown.json()["causes"]]


def test_the_dms_down_fails_with_its_cause(
    statements_dms, dagbag, mail_sink, ledger, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv(
        "AIRFLOW_CONN_DMS_POSTGRES",
        json.dumps({"conn_type": "postgres", "host": str(tmp_path), "login": "postgres", "schema": "dms"}),
    )
    run_ = run_dag(dagbag, DAG_ID, None, retries=0, run_date=DAY)
    assert run_.state == "failed"
    cause_everywhere(
        ledger,
        mail_sink,
        capsys,
        "extract: cannot connect to the DMS through dms_postgres (no server listening at its socket)",
    )


BROKEN = {
    "dags/alert_recall_owner_notice.py": """
        # Airflow DAG `alert_recall_owner_notice`, built from families/recall_owner_notice.yaml.
        from alertas_rapidas.dag_factory import build_family_dag

        dag = build_family_dag(__file__)
    """,
    "dags/families/recall_owner_notice.yaml": """
        key: recall_owner_notice
        title: Recall notice to owners (aviso de campaña)
        audience: customers
        owners_email: [datos@example.com]
        description: One notice per customer with a vehicle in an open recall campaign.
        schedule: {cron: "0 9 * * *"}
        alert:
          rows: {sql: recall_owner_notice/rows.sql}
          recipients:
            to: [{party: {ref: "customer:{customer_id}", email: email, name: legal_name}}]
          grouping: per_row
          once_per: "recall:{customer_id}"
    """,
    "sql/recall_owner_notice/rows.sql": """
        select c.id as customer_id, c.legal_name, c.email
        from dms.customers as c
        where c.active
        order by c.id
        limit 2
    """,
    "include/templates/recall_owner_notice/subject.txt": "Campaña de seguridad\n",
    "include/templates/recall_owner_notice/body.html": """
        {% extends "_layouts/mail.html" %}
        {% block content %}
        <p>Estimado cliente:</p>
        <p>Le escribimos por la campaña de seguridad de su vehículo.</p>
        <p>
          Campaña: {{ row.campaing }}
        </p>
        {% endblock %}
    """,
    "dags/alert_branch_top_parts.py": """
        # Airflow DAG `alert_branch_top_parts`, built from families/branch_top_parts.yaml.
        from alertas_rapidas.dag_factory import build_family_dag

        dag = build_family_dag(__file__)
    """,
    "dags/families/branch_top_parts.yaml": """
        key: branch_top_parts
        title: Top parts by branch (repuestos más vendidos)
        audience: internal
        owners_email: [datos@example.com]
        description: The parts most issued in each branch, to the parts manager.
        schedule: {cron: "0 9 * * 1"}
        settings: {top_n: 5}
        alert:
          settings:
            top_n: {type: int, default: 5, min: 1, max: 50, description: parts listed}
          rows: {sql: branch_top_parts/rows.sql}
          recipients:
            to: [{addresses: [repuestos@autosur.example.com]}]
          grouping: report
          once_per: "top_parts:{iso_week}"
    """,
    "sql/branch_top_parts/rows.sql": """
        select p.code from dms.parts as p order by p.code limit %(top_count)s
    """,
    "include/templates/branch_top_parts/subject.txt": "Repuestos\n",
    "include/templates/branch_top_parts/body.html": "<p>{{ count }}</p>\n",
}


@pytest.fixture
def broken_project(tmp_path, airflow_db, monkeypatch):
    from tests.support.project import bundle_dagbag, write_files

    project = write_files(tmp_path, BROKEN)
    bag = bundle_dagbag(project / "dags", monkeypatch)
    assert bag.import_errors == {}
    return bag


def test_a_template_mistake_fails_on_the_first_try_naming_the_template_and_line(
    statements_dms, broken_project, mail_sink, ledger, capsys
):
    run_ = run_dag(broken_project, "alert_recall_owner_notice", "2026-11-02T12:00:00+00:00")  # retries 2
    assert run_.state == "failed"
    render = next(ti for ti in run_.get_task_instances() if ti.task_id == "batch.render")
    assert (render.state, render.try_number) == ("failed", 1)
    cause_everywhere(
        ledger,
        mail_sink,
        capsys,
        "render[0]: template recall_owner_notice/body.html, line 6: "
        "'dict object' has no attribute 'campaing'",
    )
    assert customer_mail(mail_sink.store) == []


def test_an_unbound_sql_parameter_fails_on_the_first_try_with_a_did_you_mean(
    statements_dms, broken_project, mail_sink, ledger, capsys
):
    run_ = run_dag(broken_project, "alert_branch_top_parts", "2026-11-02T12:00:00+00:00")  # retries 2
    assert run_.state == "failed"
    extract = next(ti for ti in run_.get_task_instances() if ti.task_id == "extract")
    assert (extract.state, extract.try_number) == ("failed", 1)
    cause_everywhere(
        ledger,
        mail_sink,
        capsys,
        "extract: sql/branch_top_parts/rows.sql: parameter %(top_count)s is not bound; did you mean 'top_n'?",
    )
