"""The Alertas Rápidas page without a browser: its FastAPI app against a real ledger database."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alertas_rapidas import ledger
from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.ui.app import create_app
from alertas_rapidas.ui.queries import one_line

pytestmark = pytest.mark.e2e

NOV_1, NOV_2 = date(2026, 11, 1), date(2026, 11, 2)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class Rows(HTMLParser):
    """Table rows keyed by their data-* ids, each a {data-col: text} dict."""

    def __init__(self, html: str, *keys: str) -> None:
        super().__init__()
        self.keys, self.rows, self._row, self._col = keys, {}, None, None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and all(f"data-{k}" in a for k in self.keys):
            self._row = self.rows.setdefault(tuple(a[f"data-{k}"] for k in self.keys), {})
        elif self._row is not None and "data-col" in a:
            self._col = a["data-col"]
            self._row[self._col] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None
        elif tag in ("td", "span"):
            self._col = None

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._col is not None:
            self._row[self._col] = " ".join((self._row[self._col] + data).split())


def day_rows(html: str) -> dict[tuple[str, str], dict[str, str]]:
    return Rows(html, "family", "day").rows


def run_rows(html: str) -> dict[tuple[str, str], dict[str, str]]:
    return Rows(html, "dag-id", "run-id").rows


@pytest.fixture
def empty_ledger(postgres):
    with psycopg.connect(postgres.dsn("alerts"), autocommit=True) as conn:
        conn.execute("drop schema if exists alerts cascade")


def deliver(conn, family: str, day: date, n: int, status: str, run_id: str, **outcome) -> None:
    for i in range(n):
        key = f"{family}-{day}-{status}-{i}"
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
            message_id=f"<{key}@alertas-rapidas>",
            policy=ledger.ClaimPolicy(),
        )
        assert claimed
        ledger.record_outcome(
            conn, key=key, status=status, smtp_response="250 ok cliente@example.com", **outcome
        )


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
        run_1 = "scheduled__2026-11-01T11:00:00+00:00"
        deliver(conn, "customer_statements", NOV_1, 3, "sent", run_1)
        deliver(conn, "customer_statements", NOV_1, 1, "failed", run_1, reason="550 mailbox unavailable")
        deliver(conn, "customer_statements", NOV_1, 1, "unknown", run_1)
        deliver(conn, "customer_statements", NOV_1, 2, "deferred", run_1)
        skip(conn, "customer_statements", NOV_1, ["no_email", "opted_out", "opted_out"], run_1)
        deliver(conn, "customer_statements", NOV_2, 1, "sent", "manual__2026-11-02")
        deliver(conn, "invoices_due_soon", NOV_1, 2, "sent", "scheduled__2026-11-01")
        skip(conn, "invoices_due_soon", NOV_1, ["malformed_email"], "scheduled__2026-11-01")
        ledger.record_run(
            conn,
            dag_id="alert_customer_statements",
            run_id=run_1,
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


@pytest.fixture
def client():
    return TestClient(create_app(authorize=lambda: None))


def test_counts_per_family_and_day_and_the_last_runs(filled_ledger, client):
    response = client.get("/")
    assert response.status_code == 200, response.text
    days = day_rows(response.text)
    assert set(days) == {
        ("customer_statements", "2026-11-01"),
        ("customer_statements", "2026-11-02"),
        ("invoices_due_soon", "2026-11-01"),
    }
    assert days[("customer_statements", "2026-11-01")] == {
        "sent": "3",
        "skipped": "3",
        "skipped_by_reason": "no_email 1, opted_out 2",
        "failed": "1",
        "deferred": "2",
        "unknown": "1",
        "in_progress": "0",
    }
    assert days[("invoices_due_soon", "2026-11-01")]["skipped_by_reason"] == "malformed_email 1"
    assert days[("customer_statements", "2026-11-02")]["sent"] == "1"

    runs = run_rows(response.text)
    assert len(runs) == 3
    statements = runs[("alert_customer_statements", "scheduled__2026-11-01T11:00:00+00:00")]
    assert statements["candidates"] == "10" and statements["sent"] == "3" and statements["failed"] == "1"
    assert statements["mode"] == "normal"
    assert statements["line"] == (
        "sent 3, skipped 3 (no_email 1, opted_out 2), failed 1, deferred 2, unknown 1"
    )
    assert "1 message(s) failed permanently" in statements["problems"]
    assert runs[("alert_customer_statements", "manual__2026-11-02")]["mode"] == "dry run"
    # The family filter offers every family the ledger knows.
    assert '<option value="invoices_due_soon">' in response.text


def test_filter_by_family_and_date_range(filled_ledger, client):
    response = client.get(
        "/", params={"family": "customer_statements", "from": "2026-11-01", "to": "2026-11-01"}
    )
    assert response.status_code == 200
    assert set(day_rows(response.text)) == {("customer_statements", "2026-11-01")}
    assert set(run_rows(response.text)) == {
        ("alert_customer_statements", "scheduled__2026-11-01T11:00:00+00:00")
    }
    assert '<option value="customer_statements" selected>' in response.text

    response = client.get("/", params={"from": "2026-11-02"})
    assert set(day_rows(response.text)) == {("customer_statements", "2026-11-02")}
    assert set(run_rows(response.text)) == {("alert_customer_statements", "manual__2026-11-02")}

    # Empty form fields mean "no filter"; a family with no rows shows none.
    assert len(day_rows(client.get("/", params={"family": "", "from": "", "to": ""}).text)) == 3
    empty = client.get("/", params={"family": "sales_documents"})
    assert empty.status_code == 200 and day_rows(empty.text) == {} and 'data-testid="no-days"' in empty.text


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"family": "x' or '1'='1"}, "family: use a family key"),
        ({"family": "<script>alert(1)</script>"}, "family: use a family key"),
        ({"from": "2026-13-01"}, "from: not a date"),
        ({"to": "yesterday"}, "to: not a date"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "from: must not be after to"),
    ],
)
def test_invalid_filters_are_refused(filled_ledger, client, params, error):
    response = client.get("/", params=params)
    assert response.status_code == 400
    assert error in response.text
    assert day_rows(response.text) == {} and "<script>alert" not in response.text


def test_the_page_shows_no_personal_data(filled_ledger, client):
    for path in (
        "/",
        "/?family=customer_statements",
        "/run?dag_id=alert_customer_statements&run_id=manual__2026-11-02",
    ):
        html = client.get(path).text
        assert EMAIL.search(html) is None, path
        assert "customer:" not in html and "statement:2026" not in html and "550 mailbox" not in html


def test_the_run_summary_tab(filled_ledger, client):
    response = client.get(
        "/run",
        params={"dag_id": "alert_customer_statements", "run_id": "scheduled__2026-11-01T11:00:00+00:00"},
    )
    assert response.status_code == 200
    assert "sent 3, skipped 3 (no_email 1, opted_out 2), failed 1" in response.text
    assert 'data-col="candidates">10<' in response.text
    assert "1 message(s) with unknown outcome" in response.text
    assert "Run summary of customer_statements for 2026-11-01" in response.text  # as logged

    missing = client.get("/run", params={"dag_id": "alert_customer_statements", "run_id": "manual__nope"})
    assert missing.status_code == 200 and 'data-testid="no-summary"' in missing.text
    assert client.get("/run", params={"dag_id": "bad id!", "run_id": "x"}).status_code == 400


def test_before_the_first_run_the_page_says_so(empty_ledger, client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'data-testid="no-ledger"' in response.text and day_rows(response.text) == {}


def test_the_page_needs_a_logged_in_user(empty_ledger):
    """The plugin's app (built lazily on the first request) uses the API server's auth."""
    import alertas_ui_plugin

    apps = alertas_ui_plugin.AlertasRapidasUIPlugin.fastapi_apps
    [entry] = [app for app in apps if app["url_prefix"] == alertas_ui_plugin.URL_PREFIX]
    server = FastAPI()
    server.mount(entry["url_prefix"], alertas_ui_plugin.LazyApp(entry["app"].target))
    response = TestClient(server).get("/alertas/")
    assert response.status_code == 401

    views = {view["url_route"]: view for view in alertas_ui_plugin.AlertasRapidasUIPlugin.external_views}
    assert views["alertas"]["href"] == "alertas/" and views["alertas"]["destination"] == "nav"
    assert views["alertas-run"]["destination"] == "dag_run"
    assert "{DAG_ID}" in views["alertas-run"]["href"] and "{RUN_ID}" in views["alertas-run"]["href"]


def test_one_line_summary():
    assert one_line(summary("x", NOV_1, sent=44, skipped={"opted_out": 3, "inactive": 11})) == (
        "sent 44, skipped 14 (inactive 11, opted_out 3), failed 0"
    )
    assert (
        one_line(summary("x", NOV_1, dry_run=5, dry_run_mode=True))
        == "DRY RUN: rendered 5, sent 0, skipped 0, failed 0"
    )
