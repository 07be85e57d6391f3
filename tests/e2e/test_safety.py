"""Safety: no header injection, exact envelopes, IDN addresses, read-only time-limited extracts,
no personal data in task logs, and DAG import with no database or network."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from tests.support.runs import ledger_rows, run_dag

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "alert_customer_statements"
T = "2026-11-01T11:00:00+00:00"


def test_crlf_in_a_name_cannot_add_recipients_or_headers(statements_dms, dagbag, mail_sink):
    statements_dms.execute(
        "update dms.customers set legal_name = %s where id = 2",
        ("John Smith\r\nBcc: evil@example.com\r\nSubject: hacked",),
    )
    assert run_dag(dagbag, DAG_ID, T).state == "success"
    [john] = [m for m in mail_sink.store.messages if "john.smith@example.org" in m.rcpt_tos]
    assert john.rcpt_tos == ["john.smith@example.org"]
    assert all("evil@example.com" not in m.rcpt_tos for m in mail_sink.store.messages)
    headers = john.data.split(b"\r\n\r\n", 1)[0].decode()
    assert not re.search(r"(?im)^bcc:", headers)
    assert len(re.findall(r"(?im)^subject:", headers)) == 1
    assert john.subject == "Account statement October 2026 - Autosur S.A."


def test_internationalised_domains_are_sent_in_ascii_form(statements_dms, dagbag, mail_sink, ledger):
    statements_dms.execute("update dms.customers set email = 'compras@bücher.example' where id = 8")
    assert run_dag(dagbag, DAG_ID, T).state == "success"
    assert ["compras@xn--bcher-kva.example"] in [m.rcpt_tos for m in mail_sink.store.messages]
    row = next(r for r in ledger_rows(ledger, "customer_statements") if r["recipient_ref"] == "customer:8")
    assert row["status"] == "sent" and row["recipients"] == ["compras@xn--bcher-kva.example"]


def test_airflow_dags_test_cli_sends_and_its_logs_hold_no_personal_data(
    airflow_db, statements_dms, mail_sink
):
    """The contract's CLI run, with only the three connections set; its whole output is scanned."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, T],
        env={**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    logs = result.stdout + result.stderr
    assert result.returncode == 0, logs[-3000:]
    assert "Run summary of customer_statements" in logs  # the task logs are in this output
    assert len(mail_sink.store.messages) == 3
    personal = [
        "transportes.example.com",
        "john.smith",
        "pedro@example.net",
        "Transportes del Sur",
        "John Smith",
        "Pedro Ruiz",
        "María Gómez",
        "30-70000001-5",
        "1.234,56",
        "1234.56",
        "749999.5",
        "251234.06",
        "Factura A 0001-00001234",
    ]
    assert [value for value in personal if value in logs] == []


def test_extract_is_read_only_and_time_limited(statements_dms, postgres, tmp_path):
    from alertas_rapidas.extract import connect_read_only, extract_queries

    slow = tmp_path / "slow.sql"
    slow.write_text("select pg_sleep(5) as slept")
    with pytest.raises(psycopg.errors.QueryCanceled):
        extract_queries(
            conn_id="dms_postgres",
            queries={"slow": str(slow)},
            params={},
            out_dir=tmp_path / "out",
            statement_timeout=timedelta(milliseconds=300),
        )
    with (
        connect_read_only("dms_postgres", timedelta(seconds=5)) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("delete from dms.account_movements")


NO_NETWORK_DAGBAG = """
import socket, sys, time
def refuse(*args, **kwargs):
    raise OSError("network disabled for this test")
socket.socket.connect = refuse
socket.create_connection = refuse
from airflow.dag_processing.dagbag import DagBag
started = time.monotonic()
bag = DagBag(dag_folder=sys.argv[1])
print(sorted(bag.dags), bag.import_errors, sep="\\n")
sys.exit(1 if bag.import_errors or not bag.dags else 0)
"""


def test_dags_import_with_no_database_or_network(tmp_path):
    env = {
        **os.environ,
        "AIRFLOW_CONN_DMS_POSTGRES": '{"conn_type": "postgres", "host": "203.0.113.1"}',
        "AIRFLOW_CONN_ALERTS_POSTGRES": '{"conn_type": "postgres", "host": "203.0.113.1"}',
        "AIRFLOW_CONN_SMTP_DEFAULT": '{"conn_type": "smtp", "host": "203.0.113.1"}',
    }
    result = subprocess.run(
        [sys.executable, "-c", NO_NETWORK_DAGBAG, str(ROOT / "dags")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "alert_customer_statements" in result.stdout
