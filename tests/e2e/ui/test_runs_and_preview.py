"""The Alertas page's data on real runs (issues 16 and 22): every run with its Airflow state, filters
checked against the families, the ledger being down shown as an error only, the preview as a run
would make it (the ledger's view of each message, the run's link secret and its failure, the PDF
inline), and "send a test to me".

The page's app on a real ledger, a real SMTP server and the session's real Airflow metadata
database (the runs are real `dag.test()` runs), served by FastAPI's test client with fixed
permissions (the API server's own checks are exercised by the browser test).
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date

import psycopg
import pytest
from fastapi.testclient import TestClient

from alertas_rapidas.config import load_family_config
from alertas_rapidas.paths import FAMILIES_DIR
from alertas_rapidas.ui.access import Access
from alertas_rapidas.ui.app import create_app
from alertas_rapidas.ui.preview_view import preview_folder
from alertas_rapidas.unsubscribes import links_for
from tests.support.runs import run_dag

pytestmark = pytest.mark.e2e

DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
T = "2026-11-01T11:00:00+00:00"
NOV_1 = "2026-11-01"


@pytest.fixture
def page(airflow_db):
    return TestClient(create_app(Access.fixed(trigger=True, connections=True, user="ops-ana")))


def deliveries(postgres) -> int:
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        if conn.execute("select to_regclass('alerts.deliveries')").fetchone()[0] is None:
            return 0
        return conn.execute("select count(*) from alerts.deliveries").fetchone()[0]


def test_a_run_that_failed_at_extract_is_listed_failed_with_its_cause(
    statements_dms, dagbag, page, monkeypatch
):
    good = run_dag(dagbag, DAG_ID, T, retries=0)
    assert good.state == "success"
    monkeypatch.setenv(
        "AIRFLOW_CONN_DMS_POSTGRES",
        json.dumps({"conn_type": "postgres", "host": "/nonexistent", "login": "postgres", "schema": "dms"}),
    )
    bad = run_dag(dagbag, DAG_ID, "2026-12-01T11:00:00+00:00", retries=0)  # dag.test replaces a run of T
    assert bad.state == "failed"

    runs = {
        run["run_id"]: run
        for run in page.get("/api/overview", params={"family": FAMILY}).json()["airflow_runs"]
    }
    assert runs[bad.run_id]["state"] == "failed" and runs[bad.run_id]["bad"] is True
    assert "extract: failed" in runs[bad.run_id]["attention"]
    assert runs[good.run_id]["state"] == "success" and runs[good.run_id]["bad"] is False
    assert runs[good.run_id]["summary"]["counts"]["sent"] == 3  # its summary from the run log

    # The run's tab: Airflow's state and why its extract failed, in one line.
    detail = page.get("/api/run", params={"dag_id": DAG_ID, "run_id": bad.run_id}).json()
    assert detail["airflow"]["state"] == "failed"
    assert any(
        c["task_id"] == "extract" and "cannot connect to the DMS" in c["cause"] for c in detail["causes"]
    )


def test_unknown_family_is_refused_with_one_line(page, ledger):
    response = page.get("/api/overview", params={"family": "customer_statement"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "family: no family 'customer_statement' (dags/families/*.yaml); pick one from the list"
    ]
    # a family that exists is accepted even before its first run
    assert page.get("/api/overview", params={"family": "birthday_greetings"}).status_code == 200


def test_ledger_down_shows_the_error_only(page, monkeypatch, tmp_path):
    monkeypatch.setenv(
        "AIRFLOW_CONN_ALERTS_POSTGRES",
        json.dumps({"conn_type": "postgres", "host": str(tmp_path), "login": "postgres", "schema": "alerts"}),
    )
    response = page.get("/api/overview")
    assert response.status_code == 503
    data = response.json()
    assert data["ledger"] is None and data["days"] == [] and data["runs"] == []
    assert data["errors"] == [
        "The ledger database (connection alerts_postgres) cannot be read: OperationalError."
    ]


def test_the_preview_says_what_a_run_would_really_send(statements_dms, dagbag, page, postgres, mail_sink):
    before = page.get("/api/preview", params={"family": FAMILY, "date": NOV_1})
    assert before.status_code == 200, before.text
    data = before.json()
    assert data["counts"] == {"messages": 3, "would_send": 3, "already_sent": 0, "held": 0}
    assert len(data["runs"]) == 1 and data["runs"][0].startswith("2026-11-01T08:00:00-03:00")
    first = data["messages"][0]
    assert first["verdict"] == "would_send" and "Estado de cuenta" in first["subject"] + first["html"]
    # rendered as a run renders it: the connection's sender, the unsubscribe link signed with the
    # run's secret (the preview's placeholder secret is the authoring tool's only)
    folder = preview_folder(FAMILY, date(2026, 11, 1))
    rendered = email.message_from_bytes((folder / "001.eml").read_bytes(), policy=email.policy.default)
    assert rendered["From"].addresses[0].addr_spec == "alertas@autosur.example.com"
    token = links_for(load_family_config(FAMILIES_DIR / f"{FAMILY}.yaml")[0]).token(
        first["recipient_ref"], first["language"]
    )
    assert token in str(rendered["List-Unsubscribe"])
    [pdf] = [a for a in first["attachments"] if a["label"].endswith(".pdf")]
    assert pdf["inline"] is True
    response = page.get("/api/preview/file", params={"family": FAMILY, "date": NOV_1, "name": pdf["name"]})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    outside = page.get("/api/preview/file", params={"family": FAMILY, "date": NOV_1, "name": "../x"})
    assert outside.status_code == 404
    assert mail_sink.store.messages == [] and deliveries(postgres) == 0  # nothing sent, nothing written

    # After a real run of the date, the preview says the three went out, and when.
    assert run_dag(dagbag, DAG_ID, T, retries=0).state == "success"
    after = page.get("/api/preview", params={"family": FAMILY, "date": NOV_1}).json()
    assert after["counts"] == {"messages": 3, "would_send": 0, "already_sent": 3, "held": 0}
    assert all(m["verdict"] == "already_sent" and m["sent_at"] for m in after["messages"])

    refused = page.get("/api/preview", params={"family": "nope", "date": "01/11/2026"})
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        "family: pick one of the 41 families",
        "date: a date written YYYY-MM-DD (1 November 2026 is 2026-11-01)",
    ]


def test_the_preview_fails_as_the_run_would_on_a_bad_link_secret(statements_dms, page, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET", "too-short")
    response = page.get("/api/preview", params={"family": FAMILY, "date": NOV_1})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith(
        "the run would fail: the Airflow Variable 'alertas_unsubscribe_secret' must hold"
    )
    assert "at least 16 characters" in detail


def test_send_a_test_to_me_sends_one_message_to_that_address_only(statements_dms, page, postgres, mail_sink):
    preview = page.get("/api/preview", params={"family": FAMILY, "date": NOV_1}).json()
    second = preview["messages"][1]
    response = page.post(
        "/api/test-message", json={"family": FAMILY, "date": NOV_1, "number": 2, "to": "Pruebas@Example.com"}
    )
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["sent"] is True and outcome["to"] == "Pruebas@example.com"
    assert outcome["smtp_response"].startswith("250")

    [item] = mail_sink.store.messages
    assert item.rcpt_tos == ["Pruebas@example.com"]
    mail = email.message_from_bytes(item.data, policy=email.policy.default)
    assert str(mail["Subject"]) == f"[TEST] {second['subject']}"
    assert str(mail["To"]) == "Pruebas@example.com" and mail["Cc"] is None
    assert mail["From"].addresses[0].addr_spec == "alertas@autosur.example.com"  # the run's sender
    assert "List-Unsubscribe" in mail  # signed with the run's secret, not a placeholder
    assert deliveries(postgres) == 0  # the ledger is not touched

    for body, error in [
        ({"to": "pruebas@example,com"}, "to: not an address a run would send to (malformed_email)"),
        ({"to": "pruebas@intranet.local"}, "to: not an address a run would send to (reserved_domain)"),
        (
            {"to": "pruebas@example.com", "number": 9},
            "number: the preview has 3 message(s); pick one of 1 to 3",
        ),
    ]:
        refused = page.post("/api/test-message", json={"family": FAMILY, "date": NOV_1, "number": 1} | body)
        assert refused.status_code == 400 and refused.json()["detail"] == error, refused.text
    assert len(mail_sink.store.messages) == 1
