"""The Alertas Rápidas page (issue 16): every run with its Airflow state, filters checked against
the families, the ledger being down shown as an error only, and the preview (a dry run in the page).

The page's app on a real ledger and the session's real Airflow metadata database (the runs are
real `dag.test()` runs); served by FastAPI's test client with the access check left out (the
checks themselves are the API server's, exercised by the browser test).
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from alertas_rapidas.ui.app import create_app
from tests.support.runs import run_dag

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
T = "2026-11-01T11:00:00+00:00"


@pytest.fixture
def page():
    return TestClient(create_app(authorize=lambda: None))


def test_a_run_that_failed_at_extract_is_listed_failed_and_highlighted(
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

    html = page.get("/", params={"family": FAMILY}).text
    start = html.index('data-testid="airflow-runs"')
    table = html[start : html.index("</table>", start)]
    bad_row = table[table.index(f'data-airflow-run-id="{bad.run_id}"') :].split("</tr>")[0]
    good_row = table[table.index(f'data-airflow-run-id="{good.run_id}"') :].split("</tr>")[0]
    assert 'data-state="failed"' in bad_row and "bad-row" in bad_row
    assert "extract: failed" in bad_row
    assert 'data-state="success"' in good_row and "bad-row" not in good_row
    assert "sent " in good_row  # its summary line from the run log


def test_unknown_family_is_refused_with_one_line(page, ledger):
    response = page.get("/", params={"family": "customer_statement"})
    assert response.status_code == 400
    assert "no family &#39;customer_statement&#39;" in response.text
    assert "No messages" not in response.text and 'data-testid="airflow-runs"' not in response.text
    # a family that exists is accepted even before its first run
    assert page.get("/", params={"family": "birthday_greetings"}).status_code == 200


def test_ledger_down_shows_the_error_only(page, monkeypatch, tmp_path):
    monkeypatch.setenv(
        "AIRFLOW_CONN_ALERTS_POSTGRES",
        json.dumps({"conn_type": "postgres", "host": str(tmp_path), "login": "postgres", "schema": "alerts"}),
    )
    response = page.get("/")
    assert response.status_code == 503
    assert "cannot be read" in response.text
    assert "No messages in the ledger" not in response.text
    assert "No runs recorded" not in response.text


def test_preview_shows_each_message_and_its_pdf_and_sends_nothing(statements_dms, page, postgres, mail_sink):
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        assert conn.execute("select 1 from pg_namespace where nspname = 'alerts'").fetchone() is None

    response = page.get("/preview", params={"family": FAMILY, "date": "2026-11-01"})
    assert response.status_code == 200, response.text
    html = response.text
    assert html.count('data-testid="preview-message"') == 3  # the fixture's three statements
    assert "nothing sent, ledger untouched" in html
    assert "Estado de cuenta" in html or "Account statement" in html
    assert "srcdoc=" in html and 'sandbox=""' in html  # the body, in a frame that runs nothing
    link = html[html.index('href="preview/file?') + len('href="') :].split('"')[0].replace("&amp;", "&")
    assert link.endswith(".pdf")
    pdf = page.get("/" + link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    assert mail_sink.store.messages == []
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        assert conn.execute("select 1 from pg_namespace where nspname = 'alerts'").fetchone() is None

    # a name outside the preview's folder, or an unknown family or bad date, is refused
    assert (
        page.get("/preview/file", params={"family": FAMILY, "date": "2026-11-01", "name": "../x"}).status_code
        == 404
    )
    refused = page.get("/preview", params={"family": "nope", "date": "01/11/2026"})
    assert refused.status_code == 400
    assert "family: pick one" in refused.text and "YYYY-MM-DD" in refused.text
