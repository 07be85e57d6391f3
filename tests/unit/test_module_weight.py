"""What light modules pull in, and what the render step needs to know about the mail server.

The ledger and the freshness check read a SQL file through `sql_files`, not through the extract
module (and with it pyarrow and pandas); the sender address comes from the SMTP connection's
settings, read without contacting a server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alertas_rapidas.sql_files import SqlFileMissing, read_sql

ROOT = Path(__file__).resolve().parents[2]


def test_the_ledger_freshness_and_summary_modules_do_not_import_the_extract_machinery():
    probe = (
        "import sys, json\n"
        "import alertas_rapidas.ledger.deliveries, alertas_rapidas.freshness, alertas_rapidas.summary\n"
        "import alertas_rapidas.delivery.states, alertas_rapidas.sql_files\n"
        "print(json.dumps(sorted(m for m in ('pyarrow', 'pandas', 'alertas_rapidas.extract')"
        " if m in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")},
        timeout=120,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_a_missing_sql_file_names_itself_and_is_a_missing_file():
    assert read_sql("alerts/migrations/0001_baseline.sql").startswith("-- Migration 0001")
    with pytest.raises(SqlFileMissing) as error:
        read_sql("alerts/nowhere.sql")
    assert str(error.value) == f"SQL file {ROOT / 'sql' / 'alerts' / 'nowhere.sql'} does not exist"
    assert isinstance(error.value, FileNotFoundError)  # a configuration error: not retried
    assert error.value.filename.endswith("nowhere.sql")


def test_the_sender_address_is_read_without_a_mail_server(monkeypatch):
    from alertas_rapidas.connections import sender_address

    # nothing listens on port 1: reading the address must not try to connect
    connection = {"conn_type": "smtp", "host": "127.0.0.1", "port": 1}
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_UNREACHABLE",
        json.dumps({**connection, "extra": {"from_email": "alertas@concesionario.example"}}),
    )
    assert sender_address("smtp_unreachable") == "alertas@concesionario.example"
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_NO_SENDER", json.dumps(connection))
    with pytest.raises(ValueError, match="connection 'smtp_no_sender' has no 'from_email' extra"):
        sender_address("smtp_no_sender")
