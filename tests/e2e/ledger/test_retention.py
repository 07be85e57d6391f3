"""Retention of personal data: old run folders removed, ledger addresses purged, proof of delivery kept.

Real files with real modification times, the real ledger in PostgreSQL, the ops CLI in a process of
its own (exit codes and messages as an operator sees them) and the `alertas_housekeeping` DAG run
with `dag.test()`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from alertas_rapidas.contracts.plan import idempotency_key
from alertas_rapidas.ledger.deliveries import ClaimPolicy, claim, ensure_schema, record_outcome, record_skips
from alertas_rapidas.ledger.retention import housekeeping

ROOT = Path(__file__).resolve().parents[3]
DAY = 86_400
FAMILY = "customer_statements"
DAG_ID = "alert_customer_statements"


def ops(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alertas_rapidas.ops", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "plugins"), **env},
        timeout=120,
    )


# --- run folders -------------------------------------------------------------------------------


def make_run(root: Path, dag_id: str, run_id: str, age_days: float, *, fresh_file: bool = False) -> int:
    """A run folder like a real one (extract, rendered message, outbox manifest), every entry
    `age_days` old; `fresh_file` adds one file written now. Returns its bytes."""
    folder = root / dag_id / run_id
    files = {
        folder / "extract.parquet": b"PAR1" + b"x" * 500,
        folder / "batch_0" / "outbox" / "customer_42.eml": b"To: cliente42@example.com\r\n\r\n" + b"y" * 1500,
        folder / "batch_0" / "outbox.json": b'{"messages": 1}',
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    stamp = time.time() - age_days * DAY
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:
        os.utime(path, (stamp, stamp))
    size = sum(len(data) for data in files.values())
    if fresh_file:
        (folder / "batch_0" / "late.log").write_bytes(b"written just now")
        size += len(b"written just now")
    return size


@pytest.fixture
def work(tmp_path) -> dict[str, tuple[Path, int]]:
    root = tmp_path / "work"
    runs = {
        "old_90": (DAG_ID, "scheduled__2026-08-01T12_00_00_00_00", 90, False),
        "old_45": ("alert_rejected_cheques", "manual__2026-09-15T10_00_00_00_00", 45, False),
        "old_but_touched": ("alert_rejected_cheques", "manual__2026-09-16T10_00_00_00_00", 45, True),
        "new": (DAG_ID, "scheduled__2026-11-28T12_00_00_00_00", 2, False),
    }
    made = {}
    for name, (dag_id, run_id, age, fresh) in runs.items():
        size = make_run(root, dag_id, run_id, age, fresh_file=fresh)
        made[name] = (root / dag_id / run_id, size)
    return {"root": (root, 0), **made}


def present(work) -> set[str]:
    return {name for name, (path, _) in work.items() if name != "root" and path.exists()}


def named(work, name: str) -> str:
    """'<dag_id>/<run_id>' of a run folder made by `work`."""
    return str(work[name][0].relative_to(work["root"][0]))


def test_housekeeping_removes_only_folders_older_than_the_retention_and_reports_them(work):
    root = work["root"][0]

    dry = housekeeping(30, dry_run=True, root=root)
    assert {folder.name for folder in dry.removed} == {named(work, "old_90"), named(work, "old_45")}
    assert present(work) == {"old_90", "old_45", "old_but_touched", "new"}  # the dry run removed nothing

    report = housekeeping(30, root=root)
    assert present(work) == {"old_but_touched", "new"}
    assert len(report.removed) == 2 and report.kept == 2
    assert report.bytes == work["old_90"][1] + work["old_45"][1]
    assert report.oldest.name == named(work, "old_90")
    assert report.lines()[0].startswith("removed 2 run folder(s), ")

    assert housekeeping(30, root=root).removed == []  # nothing left to remove


def test_housekeeping_command_dry_run_then_remove_with_older_than(work):
    root = work["root"][0]
    env = {"ALERTAS_WORK_DIR": str(root)}

    dry = ops("housekeeping", "--dry-run", **env)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would remove 2 run folder(s), ")
    assert f"oldest: {DAG_ID}/scheduled__2026-08-01T12_00_00_00_00 " in dry.stdout
    assert present(work) == {"old_90", "old_45", "old_but_touched", "new"}

    only_older = ops("housekeeping", "--older-than", "60", **env)
    assert only_older.returncode == 0, only_older.stderr
    assert only_older.stdout.startswith(f"removed 1 run folder(s), {work['old_90'][1] / 1000:.1f} kB")
    assert present(work) == {"old_45", "old_but_touched", "new"}

    by_setting = ops("housekeeping", **env, ALERTAS_RETENTION_DAYS="40")
    assert by_setting.returncode == 0, by_setting.stderr
    assert by_setting.stdout.startswith("removed 1 run folder(s), ")
    assert present(work) == {"old_but_touched", "new"}


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--older-than", "0"], {}, "error: ALERTAS_RETENTION_DAYS must be at least 1 day (given: 0)"),
        ([], {"ALERTAS_RETENTION_DAYS": "thirty"}, "error: ALERTAS_RETENTION_DAYS must be a whole number"),
    ],
)
def test_housekeeping_refuses_a_bad_retention_with_one_line_and_exit_2(work, args, env, message):
    result = ops("housekeeping", *args, ALERTAS_WORK_DIR=str(work["root"][0]), **env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(message), result.stderr
    assert present(work) == {"old_90", "old_45", "old_but_touched", "new"}


def test_the_housekeeping_dag_removes_old_run_folders(dagbag, work, monkeypatch, ledger):
    # `ledger`: the DAG also migrates the ledger and recovers stranded messages (issue 21)
    dag = dagbag.get_dag("alertas_housekeeping")
    assert dag is not None, dagbag.import_errors
    assert {"alertas", "housekeeping"} <= set(dag.tags)
    assert all(task.owner == "data-team" and task.retries == 2 for task in dag.tasks)
    assert "ALERTAS_RETENTION_DAYS" in dag.doc_md

    monkeypatch.setenv("ALERTAS_WORK_DIR", str(work["root"][0]))
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_RETENTION_DAYS", "60")  # the Variable wins over the default
    run = dag.test()
    assert run.state == "success"
    assert present(work) == {"old_45", "old_but_touched", "new"}


# --- ledger purge -------------------------------------------------------------------------------

TODAY = datetime.now(UTC).date()
OLD_DATES = [TODAY - timedelta(days=400), TODAY - timedelta(days=200)]
BEFORE = TODAY - timedelta(days=100)
KEPT_DATES = [BEFORE, TODAY - timedelta(days=10)]  # on or after the date: untouched


def add_messages(conn, run_date: date) -> None:
    """Per date: one message sent with one address refused, one failed, one skipped (real ledger calls)."""
    run = {"run_date": run_date, "dag_id": DAG_ID, "run_id": f"scheduled__{run_date}"}
    for n, status in ((1, "sent"), (2, "failed")):
        ref, business_key = f"customer:{n}", f"statement:{run_date}"
        key = idempotency_key(FAMILY, ref, business_key)
        claimed, _ = claim(
            conn,
            key=key,
            family=FAMILY,
            recipient_ref=ref,
            business_key=business_key,
            recipients=[f"cliente{n}@example.com", f"cobranzas{n}@example.com"],
            message_id=f"<{run_date}.{n}@alertas.example.com>",
            policy=ClaimPolicy(),
            **run,
        )
        assert claimed
        if status == "sent":
            record_outcome(
                conn,
                key=key,
                status="sent",
                smtp_response="250 2.0.0 Ok: queued as 4Xq9Z1",
                refused={f"cobranzas{n}@example.com": "550 5.1.1 <cobranzas1@example.com>: user unknown"},
            )
        else:
            record_outcome(
                conn,
                key=key,
                status="failed",
                reason=f"recipient refused: cliente{n}@example.com",
                smtp_response=f"550 5.1.1 <cliente{n}@example.com>: Recipient address rejected",
            )
    record_skips(
        conn,
        family=FAMILY,
        skips=[
            (
                idempotency_key(FAMILY, "customer:3", f"statement:{run_date}"),
                "customer:3",
                f"statement:{run_date}",
                "no_email",
            )
        ],
        **run,
    )


def snapshot(conn) -> dict[tuple[str, str], dict]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute("select * from alerts.deliveries").fetchall()
    return {(str(row["run_date"]), row["recipient_ref"]): row for row in rows}


@pytest.fixture
def filled_ledger(ledger):
    ledger.execute("drop schema if exists alerts cascade")
    ensure_schema(ledger)
    for run_date in OLD_DATES + KEPT_DATES:
        add_messages(ledger, run_date)
    return ledger


PROOF = (
    "idempotency_key",
    "family",
    "recipient_ref",
    "business_key",
    "status",
    "run_date",
    "dag_id",
    "run_id",
    "message_id",
    "attempts",
    "first_seen_at",
    "updated_at",
    "sent_at",
)


def test_purge_drops_addresses_before_the_date_keeps_proof_and_later_rows(filled_ledger):
    before = snapshot(filled_ledger)
    assert "@" in str(before[(str(OLD_DATES[0]), "customer:1")]["recipients"])

    dry = ops("purge", "--before", str(BEFORE), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == f"would purge the addresses of 4 ledger row(s) with a run date before {BEFORE}\n"
    assert snapshot(filled_ledger) == before

    result = ops("purge", "--before", str(BEFORE))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"purged the addresses of 4 ledger row(s) with a run date before {BEFORE}\n"

    after = snapshot(filled_ledger)
    assert after.keys() == before.keys()
    for (run_date, ref), row in after.items():
        old = before[(run_date, ref)]
        assert {name: row[name] for name in PROOF} == {name: old[name] for name in PROOF}
        if date.fromisoformat(run_date) < BEFORE:
            assert row["recipients"] is None and row["refused"] is None
            assert "@" not in (row["smtp_response"] or "") and "@" not in (row["reason"] or "")
        else:
            assert row == old
    sent = after[(str(OLD_DATES[0]), "customer:1")]
    assert sent["status"] == "sent" and sent["sent_at"] is not None
    assert sent["smtp_response"] == "250 2.0.0 Ok: queued as 4Xq9Z1"
    assert sent["message_id"] == f"<{OLD_DATES[0]}.1@alertas.example.com>"
    failed = after[(str(OLD_DATES[1]), "customer:2")]
    assert failed["smtp_response"] == "550 5.1.1 <[address removed]>: Recipient address rejected"
    assert failed["reason"] == "recipient refused: [address removed]"
    assert after[(str(OLD_DATES[1]), "customer:3")]["reason"] == "no_email"  # no address: not counted

    again = ops("purge", "--before", str(BEFORE))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("purged the addresses of 0 ledger row(s)")
    assert snapshot(filled_ledger) == after


@pytest.mark.parametrize(
    ("before", "env", "message"),
    [
        (TODAY + timedelta(days=1), {}, f"is in the future (today is {TODAY})"),
        (TODAY - timedelta(days=5), {}, "is less than 30 days ago (ALERTAS_PURGE_MIN_AGE_DAYS)"),
        (TODAY - timedelta(days=50), {"ALERTAS_PURGE_MIN_AGE_DAYS": "60"}, "is less than 60 days ago"),
    ],
)
def test_purge_refuses_a_future_or_too_recent_date_with_one_line_and_exit_2(
    filled_ledger, before, env, message
):
    snap = snapshot(filled_ledger)
    result = ops("purge", "--before", str(before), **env)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: --before {before} ") and result.stderr.count("\n") == 1
    assert message in result.stderr
    assert snapshot(filled_ledger) == snap


def test_purge_accepts_a_recent_date_when_the_minimum_age_allows_it(filled_ledger):
    result = ops("purge", "--before", str(TODAY - timedelta(days=5)), ALERTAS_PURGE_MIN_AGE_DAYS="3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("purged the addresses of 8 ledger row(s)")
    rows = snapshot(filled_ledger)
    assert rows[(str(TODAY - timedelta(days=10)), "customer:1")]["recipients"] is None
