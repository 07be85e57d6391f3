"""Secrets never reach what people and other systems can read.

A real DAG run (supplier_payments_ready) uses an SMTP connection with a login and password over
STARTTLS (a real aiosmtpd server with a certificate the test makes) and a DMS connection given as
a DSN with a PostgreSQL role and password. Then every place the run leaves text is read back and
searched for the passwords (as given, URL-encoded and as the SMTP AUTH exchange would encode
them) and for the DSN: the Airflow log files, everything in Airflow's metadata database (XCom
values, rendered template fields, ...), the captured log output, the run summary and every other
row of the alerts database, the run folders, the messages sent, and the Alertas Rápidas page.
"""

from __future__ import annotations

import base64
import os
import sqlite3
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from fastapi.testclient import TestClient

from alertas_dev.demo.mail_sink import MailSink
from alertas_rapidas.ui.access import Access
from alertas_rapidas.ui.app import create_app
from tests.support.certs import make_server_pki
from tests.support.runs import last_summary, ledger_rows, run_dag

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAG_ID = "alert_supplier_payments_ready"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"

SMTP_LOGIN, SMTP_PASSWORD = "alertas-relay", "smtp-Pw:7Qz!x9#Kc-relay"
DMS_ROLE, DMS_PASSWORD = "alertas_reader", "dms-Pw/4Rt&u?9%Zq-reader"


def forbidden_strings(dsn: str) -> dict[str, str]:
    """Every form in which the secrets could show up, by a name for the failure message."""
    plain = f"\0{SMTP_LOGIN}\0{SMTP_PASSWORD}".encode()
    return {
        "SMTP password": SMTP_PASSWORD,
        "SMTP password, URL-encoded": quote(SMTP_PASSWORD, safe=""),
        "SMTP AUTH PLAIN": base64.b64encode(plain).decode(),
        "SMTP AUTH LOGIN password": base64.b64encode(SMTP_PASSWORD.encode()).decode(),
        "DMS password": DMS_PASSWORD,
        "DMS password, URL-encoded": quote(DMS_PASSWORD, safe=""),
        "DMS DSN": dsn,
    }


def leaks(where: str, data: bytes | str, forbidden: dict[str, str]) -> list[str]:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    raw = data if isinstance(data, bytes) else data.encode()
    return [
        f"{name} in {where}"
        for name, secret in forbidden.items()
        if secret in text or secret.encode() in raw or secret.lower() in text.lower()
    ]


@pytest.fixture
def reader_role(postgres):
    """A read-only DMS role with a password, and the DSN that names it (the socket's folder as
    host, URL-encoded). The embedded server trusts local connections, so the password is carried
    but not checked: enough for finding where it goes."""
    with psycopg.connect(postgres.dsn("postgres"), autocommit=True) as conn:
        if conn.execute("select 1 from pg_roles where rolname = %s", (DMS_ROLE,)).fetchone() is None:
            conn.execute(f"create role {DMS_ROLE} login password '{DMS_PASSWORD}'")
    dsn = f"postgresql://{DMS_ROLE}:{quote(DMS_PASSWORD, safe='')}@{quote(postgres.socket_dir, safe='')}/dms"
    yield dsn
    with psycopg.connect(postgres.dsn("dms"), autocommit=True) as conn:
        conn.execute(f"drop owned by {DMS_ROLE}")
    with psycopg.connect(postgres.dsn("postgres"), autocommit=True) as conn:
        conn.execute(f"drop role if exists {DMS_ROLE}")


@pytest.fixture
def payments_dms(dms, reader_role):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "supplier_payments_ready.sql").read_text())
    dms.execute(f"grant usage on schema dms to {DMS_ROLE}")
    dms.execute(f"grant select on all tables in schema dms to {DMS_ROLE}")
    return dms


@pytest.fixture
def tls_sink(tmp_path):
    pki = make_server_pki(tmp_path / "pki", "secrets")
    with MailSink(
        tls="starttls", certfile=pki.cert, keyfile=pki.key, login=SMTP_LOGIN, password=SMTP_PASSWORD
    ) as sink:
        yield sink, pki


def metadata_rows(airflow_home: Path) -> dict[str, list[tuple]]:
    """Every row of every table of Airflow's metadata database (SQLite in the tests)."""
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table'")]
        return {table: db.execute(f'select * from "{table}"').fetchall() for table in tables}


def alerts_rows(ledger) -> dict[str, list[str]]:
    """Every row of every table of the package's own database, as text."""
    tables = ledger.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema not in ('pg_catalog', 'information_schema')"
    ).fetchall()
    return {
        f"{schema}.{table}": [row[0] for row in ledger.execute(f'select t::text from "{schema}"."{table}" t')]
        for schema, table in tables
    }


def scan_everything(forbidden: dict[str, str], sink, ledger, caplog, capfd) -> tuple[list[str], dict]:
    """Search every place a run leaves text for the forbidden strings: (what leaked where, what
    was scanned)."""
    found: list[str] = []
    scanned: dict = {}

    # Airflow's log files (dag.test() writes none: its task logs go to the console, below).
    airflow_home = Path(os.environ["AIRFLOW_HOME"])
    log_files = [p for p in (airflow_home / "logs").rglob("*") if p.is_file()]
    for path in log_files:
        found += leaks(f"log file {path.relative_to(airflow_home)}", path.read_bytes(), forbidden)
    scanned["log files"] = len(log_files)

    # What the run logged (dag.test() runs the tasks in this process), down to DEBUG.
    captured = capfd.readouterr()
    found += leaks("captured stdout", captured.out, forbidden)
    found += leaks("captured stderr", captured.err, forbidden)
    found += leaks("captured log records", caplog.text, forbidden)
    scanned["log records"] = len(caplog.records)
    assert caplog.records and captured.out

    # Airflow's metadata database: XCom, rendered template fields and every other table, read
    # as rows and as the raw file (anything SQLite keeps that a query would not show).
    tables = metadata_rows(airflow_home)
    for table, rows in tables.items():
        for row in rows:
            found += leaks(f"metadata table {table}", repr(row), forbidden)
    for path in airflow_home.glob("airflow.db*"):
        found += leaks(f"metadata file {path.name}", path.read_bytes(), forbidden)
    scanned["xcom rows"] = len([r for r in tables.get("xcom", []) if DAG_ID in repr(r)])
    scanned["rendered fields rows"] = len(
        [r for r in tables.get("rendered_task_instance_fields", []) if DAG_ID in repr(r)]
    )

    # Every row of the package's own database: ledger, run summaries.
    for table, rows in alerts_rows(ledger).items():
        for row in rows:
            found += leaks(f"alerts table {table}", row, forbidden)

    # The run folders: extracts, plan, batches, rendered messages.
    work = Path(os.environ["ALERTAS_WORK_DIR"])
    work_files = [p for p in work.rglob("*") if p.is_file()]
    for path in work_files:
        found += leaks(f"run file {path.relative_to(work)}", path.read_bytes(), forbidden)
    scanned["run files"] = len(work_files)
    scanned["run folders"] = sorted({str(p.relative_to(work).parent) for p in work_files})

    # The messages sent (alerts, failure notices).
    for message in sink.store.messages:
        found += leaks(f"message {message.subject!r}", message.data, forbidden)
    return found, scanned


def test_no_secret_reaches_logs_xcom_rendered_fields_summary_ledger_files_or_the_page(
    payments_dms, reader_role, tls_sink, dagbag, ledger, monkeypatch, caplog, capfd
):
    sink, pki = tls_sink
    monkeypatch.setenv("AIRFLOW_CONN_DMS_POSTGRES", reader_role)
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        sink.connection_json(login=SMTP_LOGIN, password=SMTP_PASSWORD, ca_bundle=pki.ca),
    )
    # The run really reads through the role of the DSN.
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    with PostgresHook(postgres_conn_id="dms_postgres").get_conn() as conn:
        assert conn.execute("select current_user").fetchone()[0] == DMS_ROLE

    caplog.set_level("DEBUG")
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES, retries=0)
    assert run.state == "success"

    # The secrets were in use: three messages over an authenticated TLS session.
    assert len(sink.store.messages) == 3
    assert {m.login for m in sink.store.messages} == {SMTP_LOGIN}
    assert sink.store.logins and all(ok for _, ok in sink.store.logins)
    assert len(ledger_rows(ledger, "supplier_payments_ready")) == 6
    summary = last_summary(ledger, DAG_ID)

    forbidden = forbidden_strings(reader_role)
    found, scanned = scan_everything(forbidden, sink, ledger, caplog, capfd)
    found += leaks("run summary", repr(summary), forbidden)
    assert scanned["xcom rows"] and scanned["rendered fields rows"], scanned
    assert any(DAG_ID in p for p in scanned["run folders"]), scanned

    # The Alertas Rápidas page: the overview and this run's summary.
    # The page's JSON, as a user who may trigger runs (and so sees the most) reads it.
    client = TestClient(create_app(Access.fixed(trigger=True, connections=True)))
    overview = client.get("/api/overview")
    assert overview.status_code == 200 and "supplier_payments_ready" in overview.text
    found += leaks("the page's overview", overview.text, forbidden)
    run_page = client.get("/api/run", params={"dag_id": DAG_ID, "run_id": run.run_id})
    assert run_page.status_code == 200 and "supplier_payments_ready" in run_page.text
    found += leaks("the page's run summary", run_page.text, forbidden)

    assert found == [], f"secrets leaked (scanned {scanned}): " + "; ".join(found)


def test_the_page_does_not_show_the_dsn_when_the_ledger_cannot_be_read(postgres, monkeypatch):
    """A ledger connection that fails (its socket folder does not exist): the page says which
    connection and what kind of error, never the DSN or its password."""
    missing = quote(str(Path(postgres.socket_dir) / "no-such-folder"), safe="")
    dsn = f"postgresql://{DMS_ROLE}:{quote(DMS_PASSWORD, safe='')}@{missing}/alerts"
    monkeypatch.setenv("AIRFLOW_CONN_ALERTS_POSTGRES", dsn)
    page = TestClient(create_app(Access.fixed(trigger=False, connections=False))).get("/api/overview")
    assert page.status_code == 503
    assert "alerts_postgres" in page.text
    assert leaks("the error page", page.text, forbidden_strings(dsn)) == []


def test_a_dms_that_cannot_be_reached_fails_the_run_without_showing_its_dsn(
    payments_dms, tls_sink, postgres, dagbag, ledger, monkeypatch, caplog, capfd
):
    """The error path: the DMS's DSN names a socket folder that does not exist. The run fails,
    its error is logged and the owners get the failure notice; none of it shows the DSN."""
    sink, pki = tls_sink
    missing = quote(str(Path(postgres.socket_dir) / "no-such-folder"), safe="")
    dsn = f"postgresql://{DMS_ROLE}:{quote(DMS_PASSWORD, safe='')}@{missing}/dms"
    monkeypatch.setenv("AIRFLOW_CONN_DMS_POSTGRES", dsn)
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        sink.connection_json(login=SMTP_LOGIN, password=SMTP_PASSWORD, ca_bundle=pki.ca),
    )

    # The error the extract task fails with (dag.test() does not keep a failed task's traceback
    # where a test can read it: the same call, made here), with the driver's error it wraps.
    from alertas_rapidas.extract import ExtractError, connect_read_only

    with pytest.raises(ExtractError) as error:
        connect_read_only("dms_postgres", timedelta(seconds=5))
    assert "cannot connect to the DMS through dms_postgres (" in str(error.value)
    found = leaks("the extract error", f"{error.value}\n{error.value.__cause__!r}", forbidden_strings(dsn))

    caplog.set_level("DEBUG")
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES, retries=0)
    assert run.state == "failed"
    [notice] = sink.store.messages  # the failure notice, over the authenticated session
    assert notice.subject.startswith(f"[Alertas Rápidas] {DAG_ID} failed")
    assert notice.login == SMTP_LOGIN

    forbidden = forbidden_strings(dsn)
    more, scanned = scan_everything(forbidden, sink, ledger, caplog, capfd)
    found += more
    assert found == [], f"secrets leaked (scanned {scanned}): " + "; ".join(found)
