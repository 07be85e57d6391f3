"""A DAG scenario run once per test module, so that each of the module's tests checks one rule.

A module-scoped fixture opens `fresh_databases` (what the function-scoped `dms` fixture of
tests/conftest.py does, with a ledger connection beside it), runs the DAG with `run_and_record` as
often as the scenario needs, and returns the records; every record holds what its run left (its
state, the mail received, the ledger rows, the run summary), so the tests read nothing live and
pass in any order.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.runs import last_summary, ledger_rows, run_dag

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def reset_databases(postgres: Any, mail_sink: Any) -> None:
    """A fresh `dms` schema (no rows), no `alerts` schema and an empty mailbox."""
    import psycopg

    with psycopg.connect(postgres.dsn("dms"), autocommit=True) as conn:
        conn.execute("drop schema if exists dms cascade")
        conn.execute((ROOT / "sql" / "dms" / "schema.sql").read_text())
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        conn.execute("drop schema if exists alerts cascade")
    mail_sink.store.clear()


def load_fixtures(dms: Any, *names: str) -> Any:
    """Run each of tests/fixtures/`names` (SQL files) on the `dms` connection; return it."""
    for name in names:
        dms.execute((FIXTURES / name).read_text())
    return dms


@dataclass(frozen=True)
class Databases:
    dms: Any
    ledger: Any


@contextmanager
def fresh_databases(postgres: Any, mail_sink: Any, *fixtures: str) -> Generator[Databases]:
    """`reset_databases`, then the `fixtures` loaded into `dms`; the connections to both."""
    import psycopg

    reset_databases(postgres, mail_sink)
    with (
        psycopg.connect(postgres.dsn("dms"), autocommit=True) as dms,
        psycopg.connect(postgres.dsn("alerts"), autocommit=True) as ledger,
    ):
        yield Databases(load_fixtures(dms, *fixtures), ledger)


@dataclass(frozen=True)
class RunRecord:
    """What one DAG run left: its state and its (unmapped) tasks' states, the mail it sent, then
    the family's ledger rows and the latest run summary."""

    state: str
    task_states: dict[str, str]
    messages: list[Any]
    rows: list[dict[str, Any]]
    summary: dict[str, Any]


def run_and_record(
    dagbag: Any,
    dag_id: str,
    logical_date: str | None,
    *,
    family: str,
    mail_sink: Any,
    ledger: Any,
    retries: int | None = None,
    **conf: Any,
) -> RunRecord:
    """Empty the mailbox, run `dag_id` for `logical_date` (see `run_dag`) and record what it left."""
    mail_sink.store.clear()
    run = run_dag(dagbag, dag_id, logical_date, retries=retries, **conf)
    return RunRecord(
        state=run.state,
        task_states={ti.task_id: ti.state for ti in run.get_task_instances() if ti.map_index == -1},
        messages=list(mail_sink.store.messages),
        rows=ledger_rows(ledger, family),
        summary=last_summary(ledger, dag_id),
    )


def run_dates(
    postgres: Any, mail_sink: Any, dagbag: Any, dag_id: str, fixtures: tuple[str, ...], **dates: str
) -> dict[str, RunRecord]:
    """Fresh databases with `fixtures` loaded, then `dag_id` run for each of `dates` in turn (name=
    logical date); each run's record under its name. The family is the dag_id's after `alert_`."""
    family = dag_id.removeprefix("alert_")
    with fresh_databases(postgres, mail_sink, *fixtures) as db:
        return {
            name: run_and_record(dagbag, dag_id, at, family=family, mail_sink=mail_sink, ledger=db.ledger)
            for name, at in dates.items()
        }
