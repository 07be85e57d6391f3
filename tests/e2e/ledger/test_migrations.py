"""The ledger's schema is versioned: numbered migrations applied once, in order, under a lock, and a
ledger made by every earlier version of the package (the re-applied `sql/alerts/ledger.sql` in each
of its versions, kept in tests/fixtures/ledger_history/) upgrades with its data kept."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from alertas_rapidas.ledger import migrations

pytestmark = pytest.mark.e2e

HISTORY = sorted((Path(__file__).resolve().parents[2] / "fixtures" / "ledger_history").glob("ledger_*.sql"))


def schema_of(conn) -> dict[str, object]:
    """What a person would compare between two ledgers: tables, columns, constraints, indexes."""
    columns = conn.execute(
        """
        select table_name, column_name, data_type, is_nullable, column_default
          from information_schema.columns where table_schema = 'alerts'
         order by table_name, column_name
        """
    ).fetchall()
    constraints = conn.execute(
        """
        select conrelid::regclass::text, contype, pg_get_constraintdef(oid)
          from pg_constraint where connamespace = 'alerts'::regnamespace
         order by 1, 2, 3
        """
    ).fetchall()
    indexes = conn.execute(
        "select indexname, indexdef from pg_indexes where schemaname = 'alerts' order by indexname"
    ).fetchall()
    return {"columns": columns, "constraints": constraints, "indexes": indexes}


@pytest.fixture
def database(postgres):
    """A database of its own for each ledger (a connection to it, autocommit)."""
    made = []

    def connect(name: str) -> psycopg.Connection:
        postgres.create_database(name, drop=True)
        conn = psycopg.connect(postgres.dsn(name), autocommit=True)
        made.append(conn)
        return conn

    yield connect
    for conn in made:
        conn.close()


def fill_like_that_version(conn) -> None:
    """Rows every version had: a sent statement, a skipped one, a failure notice, a run."""
    conn.execute(
        """
        insert into alerts.deliveries (idempotency_key, family, recipient_ref, business_key, status,
            reason, run_date, dag_id, run_id, recipients, message_id, attempts, sent_at)
        values
            ('k1', 'customer_statements', 'customer:1', 'statement:2026-10', 'sent', null,
             '2026-11-01', 'alert_customer_statements', 'scheduled__1', '{a@example.com}', '<k1@x>',
             1, now()),
            ('k2', 'customer_statements', 'customer:2', 'statement:2026-10', 'skipped', 'no_email',
             '2026-11-01', 'alert_customer_statements', 'scheduled__1', null, null, 0, null),
            ('k3', 'customer_statements', 'owners', 'run_failed:scheduled__1', 'sent', null,
             '2026-11-01', 'alert_customer_statements', 'scheduled__1', '{datos@example.com}', '<k3@x>',
             1, now())
        """
    )
    conn.execute(
        "insert into alerts.runs (dag_id, run_id, family, run_date, summary) "
        "values ('alert_customer_statements', 'scheduled__1', 'customer_statements', '2026-11-01', "
        """'{"sent": 1, "candidates": 2}')"""
    )


@pytest.mark.parametrize("history", HISTORY, ids=[path.stem for path in HISTORY])
def test_a_ledger_of_every_earlier_version_upgrades_with_its_data_kept(database, history):
    fresh = database("ledger_fresh")
    assert migrations.current_version(fresh) is None
    assert [m.label for m in migrations.migrate(fresh)] == [m.label for m in migrations.available()]

    old = database(f"ledger_{history.stem}")
    old.execute(history.read_text(encoding="utf-8"))  # as that version left it, on every connection
    fill_like_that_version(old)
    assert migrations.current_version(old) == 0  # a ledger from before versions
    applied = migrations.migrate(old)

    assert [m.version for m in applied] == list(range(1, migrations.latest_version() + 1))
    assert migrations.current_version(old) == migrations.latest_version()
    assert schema_of(old) == schema_of(fresh)
    kept = old.execute(
        "select idempotency_key, status, recipient_ref, recipients from alerts.deliveries order by 1"
    ).fetchall()
    assert kept == [
        ("k1", "sent", "customer:1", ["a@example.com"]),
        ("k2", "skipped", "customer:2", None),
    ]  # the notice is no family message any more: it moved to alerts.notices, as it was
    assert old.execute(
        "select dag_id, run_id, family, status, recipients from alerts.notices"
    ).fetchall() == [
        ("alert_customer_statements", "scheduled__1", "customer_statements", "sent", ["datos@example.com"])
    ]
    assert old.execute("select summary->>'sent' from alerts.runs").fetchone() == ("1",)
    assert migrations.migrate(old) == []  # applied once


def test_two_workers_finding_the_ledger_behind_apply_each_migration_once(database, postgres):
    database("ledger_race")
    start = threading.Barrier(4)
    applied: list[list[str]] = []

    def worker() -> None:
        with psycopg.connect(postgres.dsn("ledger_race"), autocommit=True) as conn:
            start.wait()
            applied.append([m.label for m in migrations.migrate(conn)])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = sorted(label for labels in applied for label in labels)
    assert done == sorted(m.label for m in migrations.available())  # each once, across the four
    with psycopg.connect(postgres.dsn("ledger_race")) as conn:
        rows = conn.execute("select version from alerts.schema_migrations order by version").fetchall()
    assert [v for (v,) in rows] == list(range(1, migrations.latest_version() + 1))


def test_ops_migrate_shows_the_version_and_applies_only_when_asked(database, postgres, monkeypatch, capsys):
    from alertas_rapidas import ops

    old = database("ledger_ops")
    old.execute(HISTORY[0].read_text(encoding="utf-8"))
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_POSTGRES", postgres.connection_json("ledger_ops"))
    latest = migrations.latest_version()

    assert ops.main(["migrate", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"ledger version 0; latest {latest}"
    assert "would apply 0001_baseline" in out and f"would apply {migrations.available()[-1].label}" in out
    assert migrations.current_version(old) == 0  # nothing applied

    assert ops.main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert "applied 0001_baseline" in out and migrations.current_version(old) == latest
    assert ops.main(["migrate"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"ledger version {latest}; latest {latest}",
        "nothing to apply",
    ]
