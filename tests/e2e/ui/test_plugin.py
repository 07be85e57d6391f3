"""The Alertas page's JSON without a browser: its FastAPI app against a real ledger database, a real
SMTP server and Airflow's metadata database (the session's), with fixed permissions standing in
for the API server's auth manager (`Access.fixed`): an operator who may trigger runs and read
connections, and a viewer who may only read runs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from datetime import date

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.ledger import deliveries as ledger
from alertas_rapidas.storage import outbox_dir
from alertas_rapidas.ui.access import Access
from alertas_rapidas.ui.app import create_app

pytestmark = pytest.mark.e2e

NOV_1, NOV_2 = date(2026, 11, 1), date(2026, 11, 2)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
RUN_1 = "scheduled__2026-11-01T11:00:00+00:00"


@pytest.fixture
def empty_ledger(postgres):
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        conn.execute("drop schema if exists alerts cascade")


def deliver(conn, family: str, day: date, n: int, status: str, run_id: str, **outcome) -> list[str]:
    keys = []
    for i in range(n):
        key = hashlib.sha256(f"{family}-{day}-{status}-{i}".encode()).hexdigest()
        claimed, _ = ledger.claim(
            conn,
            key=key,
            family=family,
            recipient_ref=f"customer:{i + 100}",
            business_key=f"statement:{day}",
            recipients=[f"cliente{i}@example.com", "Contaduria@Empresa.example.com.ar"],
            run_date=day,
            dag_id=f"alert_{family}",
            run_id=run_id,
            message_id=f"<{key[:20]}@alertas-rapidas>",
            policy=ledger.ClaimPolicy(),
            subject=f"Estado de cuenta octubre 2026 - Autosur ({i})",
        )
        assert claimed
        ledger.record_outcome(
            conn, key=key, status=status, smtp_response="250 ok cliente@example.com", **outcome
        )
        keys.append(key)
    return keys


def skip(conn, family: str, day: date, reasons: list[str], run_id: str) -> None:
    skips = [
        (f"{family}-{day}-skip-{i}", f"customer:{i}", f"statement:{day}", r) for i, r in enumerate(reasons)
    ]
    ledger.record_skips(
        conn, family=family, skips=skips, run_date=day, dag_id=f"alert_{family}", run_id=run_id
    )


def summary(family: str, day: date, **counts) -> dict:
    base = {
        "family": family,
        "run_date": day.isoformat(),
        "candidates": 0,
        "messages": 0,
        "skipped": {},
        "sent": 0,
        "already_sent": 0,
        "failed": 0,
        "deferred": 0,
        "unknown": 0,
        "refused_recipients": 0,
        "redirected": 0,
        "dry_run": 0,
        "dry_run_mode": False,
        "complete": True,
        "problems": [],
    }
    return base | counts


@pytest.fixture
def filled_ledger(empty_ledger, postgres):
    """Two families over two days, in every state the page counts, and three runs."""
    with ledger.ledger_connection(ALERTS_CONN_ID) as conn:
        sent = deliver(conn, "customer_statements", NOV_1, 3, "sent", RUN_1)
        deliver(conn, "customer_statements", NOV_1, 1, "failed", RUN_1, reason="550 mailbox unavailable")
        deliver(conn, "customer_statements", NOV_1, 1, "unknown", RUN_1)
        deliver(conn, "customer_statements", NOV_1, 2, "deferred", RUN_1)
        skip(conn, "customer_statements", NOV_1, ["no_email", "opted_out", "opted_out"], RUN_1)
        deliver(conn, "customer_statements", NOV_2, 1, "sent", "manual__2026-11-02")
        deliver(conn, "invoices_due_soon", NOV_1, 2, "sent", "scheduled__2026-11-01")
        skip(conn, "invoices_due_soon", NOV_1, ["malformed_email"], "scheduled__2026-11-01")
        ledger.record_run(
            conn,
            dag_id="alert_customer_statements",
            run_id=RUN_1,
            family="customer_statements",
            run_date=NOV_1,
            logical_date=None,
            dry_run=False,
            summary=summary(
                "customer_statements",
                NOV_1,
                candidates=10,
                messages=7,
                sent=3,
                failed=1,
                unknown=1,
                deferred=2,
                skipped={"no_email": 1, "opted_out": 2},
                problems=["1 message(s) failed permanently", "1 message(s) with unknown outcome"],
            ),
        )
        ledger.record_run(
            conn,
            dag_id="alert_customer_statements",
            run_id="manual__2026-11-02",
            family="customer_statements",
            run_date=NOV_2,
            logical_date=None,
            dry_run=True,
            summary=summary(
                "customer_statements", NOV_2, candidates=4, messages=3, dry_run=3, dry_run_mode=True
            ),
        )
        ledger.record_run(
            conn,
            dag_id="alert_invoices_due_soon",
            run_id="scheduled__2026-11-01",
            family="invoices_due_soon",
            run_date=NOV_1,
            logical_date=None,
            dry_run=False,
            summary=summary(
                "invoices_due_soon", NOV_1, candidates=3, messages=2, sent=2, skipped={"malformed_email": 1}
            ),
        )
        conn.execute(
            "insert into alerts.task_failures (dag_id, run_id, task_id, try_number, cause) "
            "values ('alert_customer_statements', %s, 'batch.deliver', 1, 'deliver: SMTP 4xx, retried')",
            (RUN_1,),
        )
    return sent


@pytest.fixture
def operator(airflow_db):
    return TestClient(create_app(Access.fixed(trigger=True, connections=True, user="ops-ana")))


@pytest.fixture
def viewer(airflow_db):
    return TestClient(create_app(Access.fixed(trigger=False, connections=False, user="viewer")))


def by(rows: list[dict], *keys: str) -> dict[tuple, dict]:
    return {tuple(row[k] for k in keys): row for row in rows}


def test_overview_counts_per_family_and_day_and_the_last_runs(filled_ledger, operator):
    response = operator.get("/api/overview")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    days = by(data["days"], "family", "run_date")
    assert set(days) == {
        ("customer_statements", "2026-11-01"),
        ("customer_statements", "2026-11-02"),
        ("invoices_due_soon", "2026-11-01"),
    }
    nov_1 = days[("customer_statements", "2026-11-01")]
    assert (nov_1["sent"], nov_1["skipped"], nov_1["failed"], nov_1["deferred"], nov_1["unknown"]) == (
        3,
        3,
        1,
        2,
        1,
    )
    assert nov_1["skipped_by_reason"] == {"no_email": 1, "opted_out": 2}

    runs = by(data["runs"], "dag_id", "run_id")
    statements = runs[("alert_customer_statements", RUN_1)]
    assert statements["counts"]["candidates"] == 10 and statements["counts"]["sent"] == 3
    assert statements["mode"] == "normal" and "1 message(s) failed permanently" in statements["problems"]
    assert runs[("alert_customer_statements", "manual__2026-11-02")]["mode"] == "dry_run"
    assert data["ledger"] is True and data["airflow_error"] is None


def test_filters_and_refusals_are_one_line_each(filled_ledger, operator):
    data = operator.get(
        "/api/overview", params={"family": "customer_statements", "from": "2026-11-01", "to": "2026-11-01"}
    ).json()
    assert [(d["family"], d["run_date"]) for d in data["days"]] == [("customer_statements", "2026-11-01")]
    assert [r["run_id"] for r in data["runs"]] == [RUN_1]
    for params, error in [
        ({"family": "x' or '1'='1"}, "family: use a family key"),
        ({"from": "2026-13-01"}, "from: not a date"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "from: must not be after to"),
        ({"family": "customer_statement"}, "family: no family 'customer_statement'"),
    ]:
        refused = operator.get("/api/overview", params=params)
        assert refused.status_code == 400 and refused.json()["detail"].startswith(error), refused.text


def test_counts_and_summaries_hold_no_personal_data(filled_ledger, viewer):
    for path, params in [
        ("/api/overview", {}),
        ("/api/run", {"dag_id": "alert_customer_statements", "run_id": RUN_1}),
    ]:
        text = viewer.get(path, params=params).text
        assert EMAIL.search(text) is None, path
        assert "customer:" not in text and "statement:2026" not in text and "550 mailbox" not in text


def test_the_run_tab_shows_the_summary_problems_causes_and_message_counts(filled_ledger, viewer):
    data = viewer.get("/api/run", params={"dag_id": "alert_customer_statements", "run_id": RUN_1}).json()
    assert data["summary"]["counts"]["sent"] == 3
    assert data["summary"]["problems"] == [
        "1 message(s) failed permanently",
        "1 message(s) with unknown outcome",
    ]
    assert [c["cause"] for c in data["causes"]] == ["deliver: SMTP 4xx, retried"]
    assert data["messages"] == {"sent": 3, "failed": 1, "unknown": 1, "deferred": 2, "skipped": 3}
    missing = viewer.get("/api/run", params={"dag_id": "alert_customer_statements", "run_id": "manual__nope"})
    assert missing.status_code == 200 and missing.json()["summary"] is None
    assert viewer.get("/api/run", params={"dag_id": "bad id!", "run_id": "x"}).status_code == 400


def test_the_session_says_what_the_user_may_do(empty_ledger, operator, viewer):
    mine = operator.get("/api/session").json()
    assert mine["can_trigger"] is True and mine["can_read_connections"] is True
    theirs = viewer.get("/api/session").json()
    assert theirs["can_trigger"] is False and theirs["can_read_connections"] is False
    families = {f["key"]: f for f in theirs["families"]}
    assert len(families) == 41
    assert families["vehicle_arrived"]["runs_per_day"] == 24
    assert families["customer_statements"]["runs_per_day"] == 1
    assert families["customer_statements"]["title"] == "Account statements (cuentas corrientes)"


@pytest.mark.parametrize(
    ("method", "path", "needs"),
    [
        ("GET", "/api/messages?q=customer:100", "trigger DAG runs"),
        ("GET", "/api/messages/eml?key=" + "a" * 64, "trigger DAG runs"),
        ("GET", "/api/preview?family=customer_statements&date=2026-11-01", "trigger DAG runs"),
        ("POST", "/api/test-message", "trigger DAG runs"),
        ("POST", "/api/mail-server/check", "trigger DAG runs"),
        ("GET", "/api/connections", "read connections"),
    ],
)
def test_a_viewer_is_refused_in_one_readable_line(empty_ledger, viewer, method, path, needs):
    response = viewer.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == 403
    body = response.json()
    assert body != {"detail": "Forbidden"} and needs in body["detail"], body
    assert body["detail"].startswith("Your Airflow role does not allow this")


def test_the_page_needs_a_logged_in_user_and_loads_its_bundle(empty_ledger):
    """The plugin's app (built on its first request) uses the API server's auth; the bundle and
    the redirect to the page in the UI need none."""
    import alertas_ui_plugin

    plugin = alertas_ui_plugin.AlertasRapidasUIPlugin
    [entry] = [app for app in plugin.fastapi_apps if app["url_prefix"] == alertas_ui_plugin.URL_PREFIX]
    server = FastAPI()
    server.mount(entry["url_prefix"], alertas_ui_plugin.LazyApp(entry["app"].target))
    client = TestClient(server)
    refused = client.get("/alertas/api/overview")
    assert refused.status_code == 401 and refused.json()["detail"] == "Log in to Airflow to see this page."
    bundle = client.get("/alertas/static/alertas-ui.js")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
    assert "AirflowPlugin" in bundle.text and "alertas/" in bundle.text
    redirect = client.get("/alertas/", follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["location"] == "../plugin/alertas"

    apps = {app["destination"]: app for app in plugin.react_apps}
    assert set(apps) == {"nav", "dag", "dag_run"}
    assert apps["nav"]["url_route"] == "alertas" and apps["nav"]["category"] == "browse"
    for app in apps.values():
        assert app["bundle_url"].startswith(
            "alertas/static/alertas-ui.js?view="
        )  # relative: a base path works
    assert len({app["bundle_url"] for app in apps.values()}) == 3
    assert not plugin.external_views  # the old framed page is gone


def test_message_search_by_reference_address_domain_and_subject_words(filled_ledger, operator, caplog):
    caplog.set_level(logging.INFO, logger="alertas_rapidas.ui.search")

    def keys(**params) -> set[tuple[str, str]]:
        response = operator.get("/api/messages", params=params)
        assert response.status_code == 200, response.text
        return {(m["recipient_ref"], m["status"]) for m in response.json()["messages"]}

    assert keys(q="customer:100") == {("customer:100", s) for s in ("sent", "failed", "unknown", "deferred")}
    assert keys(q="customer:100", family="customer_statements", to="2026-11-01") == {
        ("customer:100", s) for s in ("sent", "failed", "unknown", "deferred")
    }
    assert keys(q="customer:100", **{"from": "2026-11-02"}) == {("customer:100", "sent")}
    assert ("customer:1", "skipped") in keys(q="customer:1")  # skipped candidates too
    assert keys(q="CLIENTE2@example.com") == {("customer:102", "sent")}  # case does not matter
    domain = operator.get("/api/messages", params={"q": "@empresa.example.com.ar"}).json()["messages"]
    assert len(domain) == 10  # a whole domain: every message of the fixture copies its accounts
    assert keys(q="octubre (1)") == {("customer:101", s) for s in ("sent", "deferred")}  # subject words
    assert keys(q="statement:2026-11-02") == {("customer:100", "sent")}

    [message] = [
        m
        for m in operator.get(
            "/api/messages", params={"q": "cliente1@example.com", "family": "customer_statements"}
        ).json()["messages"]
        if m["status"] == "sent"
    ]
    assert message["subject"] == "Estado de cuenta octubre 2026 - Autosur (1)"
    assert message["recipients"] == ["cliente1@example.com", "Contaduria@Empresa.example.com.ar"]
    assert message["attempts"] == 1 and message["smtp_response"] == "250 ok cliente@example.com"
    assert message["sent_at"] and message["eml"] is False  # no run folder: retention removed it

    refused = operator.get("/api/messages", params={"q": ""})
    assert refused.status_code == 400 and refused.json()["detail"].startswith("q: give a reference")

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged.count("Alertas message search by ops-ana") == 9  # every search made (not the refused one)
    assert EMAIL.search(logged) is None and "customer:100" not in logged and "octubre" not in logged


def test_a_sent_message_links_its_eml_while_its_run_folder_keeps_it(filled_ledger, operator):
    key = filled_ledger[0]
    eml = outbox_dir("alert_customer_statements", RUN_1) / f"{key}.eml"
    eml.parent.mkdir(parents=True, exist_ok=True)
    eml.write_bytes(b"Subject: Estado de cuenta\r\n\r\nhola\r\n")
    try:
        found = {
            m["key"]: m
            for m in operator.get("/api/messages", params={"q": "customer:100"}).json()["messages"]
        }
        assert found[key]["eml"] is True
        response = operator.get("/api/messages/eml", params={"key": key})
        assert response.status_code == 200 and response.content.startswith(b"Subject: Estado de cuenta")
        assert response.headers["content-type"].startswith("message/rfc822")
    finally:
        eml.unlink()
    gone = operator.get("/api/messages/eml", params={"key": key})
    assert gone.status_code == 404 and "no longer kept" in gone.json()["detail"]


def test_the_connections_say_where_they_come_from_and_hide_the_password(
    empty_ledger, operator, mail_sink, monkeypatch
):
    smtp = json.loads(os.environ["AIRFLOW_CONN_SMTP_DEFAULT"])
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(smtp | {"login": "alertas", "password": "s3cret-pass-xyz"})
    )
    monkeypatch.setenv("ALERTAS_WORK_CONN_ID", "alertas_object_store")
    response = operator.get("/api/connections")
    assert response.status_code == 200
    assert "s3cret-pass-xyz" not in response.text
    found = {c["conn_id"]: c for c in response.json()["connections"]}
    assert list(found) == ["dms_postgres", "alerts_postgres", "smtp_default", "alertas_object_store"]
    mail = found["smtp_default"]
    assert mail["source"] == "environment" and mail["where"] == "AIRFLOW_CONN_SMTP_DEFAULT"
    assert mail["admin_edits_ignored"] is True and mail["password_set"] is True
    assert mail["login"] == "alertas" and mail["extras"]["from_email"] == smtp["extra"]["from_email"]
    assert found["dms_postgres"]["conn_type"] == "postgres" and found["dms_postgres"]["schema"] == "dms"
    assert found["alertas_object_store"]["defined"] is False


def test_the_mail_server_check_connects_and_sends_nothing(empty_ledger, operator, mail_sink):
    mail_sink.store.clear()
    data = operator.post("/api/mail-server/check").json()
    steps = {step["step"]: step for step in data["steps"]}
    assert data["ok"] is True, data
    assert steps["connect"]["status"] == "ok" and steps["tls"]["status"] == "not_used"
    assert steps["login"]["status"] == "not_used"
    assert steps["sender"]["status"] == "ok" and steps["sender"]["detail"].startswith("alertas@")
    assert mail_sink.store.messages == []


def test_the_mail_server_check_says_which_step_failed(empty_ledger, operator, monkeypatch):
    from alertas_dev.demo.mail_sink import free_port

    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": free_port(),
                "extra": {
                    "disable_ssl": True,
                    "disable_tls": True,
                    "from_email": "a@example.com",
                    "retry_limit": 0,
                },
            }
        ),
    )
    data = operator.post("/api/mail-server/check").json()
    steps = {step["step"]: step for step in data["steps"]}
    assert data["ok"] is False
    assert steps["connect"]["status"] == "failed" and "cannot connect" in steps["connect"]["detail"]
    assert steps["sender"]["status"] == "not_reached"
