"""Test session set-up: an isolated Airflow home, a real PostgreSQL and a real SMTP server.

The environment is fixed here, before anything imports Airflow. One PostgreSQL (pgserver) and one
SMTP server (aiosmtpd) serve the whole session; each end-to-end test resets the databases and the
mailbox it uses.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SESSION_DIR = Path(tempfile.mkdtemp(prefix="alertas-tests-"))
if not os.environ.get("ALERTAS_KEEP_TEST_FILES"):
    atexit.register(shutil.rmtree, SESSION_DIR, ignore_errors=True)

os.environ["AIRFLOW_HOME"] = str(SESSION_DIR / "airflow")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["ALERTAS_WORK_DIR"] = str(SESSION_DIR / "work")
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
# The List-Unsubscribe token secret of recurring families (tests of its absence unset it).
os.environ.setdefault("AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET", "tests-only-unsubscribe-key-0001")


@pytest.fixture(scope="session")
def session_dir() -> Path:
    return SESSION_DIR


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata database (SQLite), migrated once per session."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )


@pytest.fixture(scope="session")
def postgres():
    from alertas_dev.demo.local_postgres import LocalPostgres

    server = LocalPostgres(SESSION_DIR / "pg").start()
    server.create_database("dms")
    server.create_database("alerts")
    os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = server.connection_json("dms")
    os.environ["AIRFLOW_CONN_ALERTS_POSTGRES"] = server.connection_json("alerts")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mail_sink():
    from alertas_dev.demo.mail_sink import MailSink

    with MailSink() as sink:
        os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = sink.connection_json()
        yield sink


@pytest.fixture(autouse=True)
def _link_secrets_read_afresh():
    """Each test reads link secrets anew (its ledger, and so the package's own secrets, is new)."""
    from alertas_rapidas.ledger import link_secrets

    link_secrets.forget()
    yield
    link_secrets.forget()


@pytest.fixture(autouse=True)
def _sent_messages_are_well_formed(request):
    """After every test that used the session's SMTP sink: each message it received passes the
    strict checks of tests/support/mail_checks.py (Date, Message-ID, MIME structure...), and its
    PDF and XLSX attachments those of tests/support/doc_checks.py (overlaps, sheets, print set-up)."""
    yield
    if "mail_sink" not in request.fixturenames:
        return
    from tests.support.mail_checks import message_problems

    store = request.getfixturevalue("mail_sink").store
    from tests.support.doc_checks import MAX_DOCUMENTS_PER_TEST, message_document_problems

    found, documents = [], 0
    for number, item in enumerate(list(store.messages), start=1):
        found += [f"message {number}: {problem}" for problem in message_problems(item.data)]
        if documents < MAX_DOCUMENTS_PER_TEST and b"filename" in item.data:  # its PDFs and XLSX too
            documents += 1
            found += message_document_problems(item.data, f"message {number}")
    if found:
        pytest.fail("sent messages fail the strict checks:\n" + "\n".join(found[:20]), pytrace=False)


@pytest.fixture
def dms(postgres, mail_sink):
    """A fresh `dms` schema (no rows) and an empty `alerts` schema and mailbox for one test."""
    import psycopg

    with psycopg.connect(postgres.dsn("dms"), autocommit=True) as conn:
        conn.execute("drop schema if exists dms cascade")
        conn.execute((ROOT / "sql" / "dms" / "schema.sql").read_text())
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        conn.execute("drop schema if exists alerts cascade")
    mail_sink.store.clear()
    conn = psycopg.connect(postgres.dsn("dms"), autocommit=True)
    yield conn
    conn.close()


@pytest.fixture
def statements_dms(dms):
    """The `dms` fixture with the hand-written dealership and October statements data
    (tests/fixtures/organisation.sql, statements.sql)."""
    dms.execute((ROOT / "tests" / "fixtures" / "organisation.sql").read_text())
    dms.execute((ROOT / "tests" / "fixtures" / "statements.sql").read_text())
    return dms


@pytest.fixture
def ledger(postgres):
    """A connection to the ledger database, for assertions."""
    import psycopg

    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(ROOT / "dags"))
