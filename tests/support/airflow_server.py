"""A real Airflow (`airflow standalone`) on loopback for the tests that need the scheduler or the UI.

The stack itself is tools/alertas_dev/airflow_stack.py (shared with `make ui`); here its waits
fail the test with the log's tail instead of raising.
"""

from __future__ import annotations

import os

import pytest

from alertas_dev import airflow_stack

ROOT = airflow_stack.ROOT
STARTUP_TIMEOUT = airflow_stack.STARTUP_TIMEOUT
RUN_TIMEOUT = airflow_stack.RUN_TIMEOUT
CONNECTIONS = ("AIRFLOW_CONN_DMS_POSTGRES", "AIRFLOW_CONN_ALERTS_POSTGRES", "AIRFLOW_CONN_SMTP_DEFAULT")


def session_connections() -> dict[str, str]:
    """The three connections the session fixtures set (PostgreSQL and the SMTP sink)."""
    return {name: os.environ[name] for name in CONNECTIONS}


class Standalone(airflow_stack.Standalone):
    """`airflow standalone` in its own AIRFLOW_HOME (SQLite unless told), on free loopback ports."""

    def wait_until_ready(self, dag_ids: list[str], timeout: float = STARTUP_TIMEOUT) -> None:
        try:
            super().wait_until_ready(dag_ids, timeout)
        except airflow_stack.StackError as exc:
            pytest.fail(str(exc))

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
        try:
            return super().wait_for_run(dag_id, run_id, timeout)
        except airflow_stack.StackError as exc:
            pytest.fail(str(exc))
