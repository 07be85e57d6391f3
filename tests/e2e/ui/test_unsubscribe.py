"""Unsubscribing from recurring alerts end to end: real DAG runs (PostgreSQL, SMTP sink), the
List-Unsubscribe headers of the mails, the plugin's endpoint (mounted as the Airflow plugin mounts
it, no login), the next runs skipping the recipient, the ops command and the Alertas page."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from urllib.parse import unquote, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

DEC_1 = "2026-12-01T11:00:00+00:00"  # 08:00 Buenos Aires
DEC_2 = "2026-12-02T11:00:00+00:00"
TDS = "pagos@tds.example.net"  # customer:1601, Spanish
JOHN = "john.smith@example.co.uk"  # customer:1602, English
URL = re.compile(r"<(https://alertas\.example\.com/alertas-unsubscribe/([^>]+))>")


@pytest.fixture
def dates_dms(dms):
    return load_fixtures(dms, "organisation.sql", "catalogue_customer_dates.sql")


@pytest.fixture
def endpoint() -> TestClient:
    """The plugin's unsubscribe app, mounted at its prefix like the API server mounts it."""
    import alertas_ui_plugin

    [entry] = [
        app
        for app in alertas_ui_plugin.AlertasRapidasUIPlugin.fastapi_apps
        if app["url_prefix"] == alertas_ui_plugin.UNSUBSCRIBE_PREFIX
    ]
    server = FastAPI()
    server.mount(entry["url_prefix"], alertas_ui_plugin.LazyApp(entry["app"].target))
    return TestClient(server)


def run(dagbag, family: str, at: str, mail_sink) -> dict[str, object]:
    mail_sink.store.clear()
    assert run_dag(dagbag, f"alert_{family}", at, retries=0).state == "success"
    by_to = {}
    for item in mail_sink.store.messages:
        (to,) = item.message["To"].addresses
        by_to[to.addr_spec] = item
    return by_to


def unsubscribe_path(item) -> str:
    """The path of the https target of a received mail's List-Unsubscribe header."""
    match = URL.search(str(item.message["List-Unsubscribe"]))
    assert match, item.message["List-Unsubscribe"]
    return urlsplit(match.group(1)).path


def reasons(ledger, family: str) -> set[tuple[str, str, str]]:
    return {
        (row["recipient_ref"], row["business_key"], row["reason"])
        for row in ledger_rows(ledger, family)
        if row["status"] == "skipped"
    }


def test_unsubscribe_through_the_plugin_endpoint_then_the_next_runs_skip_the_recipient(
    dates_dms, dagbag, mail_sink, ledger, endpoint
):
    family = "vehicle_documents_expiring"
    received = run(dagbag, family, DEC_1, mail_sink)
    assert set(received) == {TDS, JOHN}
    for item in received.values():
        mail = item.message
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert mail["Auto-Submitted"] == "auto-generated"
        header = str(mail["List-Unsubscribe"])
        assert "<mailto:bajas@example.com?subject=unsubscribe%20" in header
        token = unsubscribe_path(item).rsplit("/", 1)[1]
        # The token names the recipient by DMS reference, never by address.
        assert unquote(token) == token
        decoded = base64.urlsafe_b64decode(token.split(".")[0] + "==").decode()
        assert "@" not in decoded and "@" not in token
    tds_path, john_path = unsubscribe_path(received[TDS]), unsubscribe_path(received[JOHN])
    assert base64.urlsafe_b64decode(tds_path.rsplit("/", 1)[1].split(".")[0] + "==").decode().split(
        "\x1f"
    ) == [
        family,
        "customer:1601",
        "es",
    ]

    # A mailbox provider's one-click POST (RFC 8058): no login, the token is the authorisation.
    response = endpoint.post(tds_path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200, response.text
    assert "Listo: no le enviaremos más este aviso." in response.text
    assert "Vencimiento de documentación del vehículo" in response.text  # the family's Spanish title
    assert endpoint.post(tds_path, data={"List-Unsubscribe": "One-Click"}).status_code == 200  # again: same
    # John opens the link: a GET only asks, in his language; he picks "all recurring alerts".
    page = endpoint.get(john_path)
    assert page.status_code == 200 and "Stop receiving this alert by e-mail?" in page.text
    assert "Vehicle documents about to expire" in page.text  # the family's English title
    assert ledger.execute("select count(*) from alerts.unsubscribes").fetchone()[0] == 1
    done = endpoint.post(john_path, data={"scope": "all"})
    assert done.status_code == 200 and "you will not receive recurring alerts any more" in done.text
    assert set(
        ledger.execute("select family, recipient_ref, source from alerts.unsubscribes").fetchall()
    ) == {
        (family, "customer:1601", "one-click"),
        ("*", "customer:1602", "page"),
    }

    # The next run of the same family: 1601's insurance expiring 17/12 is skipped, not sent.
    assert run(dagbag, family, DEC_2, mail_sink) == {}
    assert ("customer:1601", "vehicle_document:1701:insurance:2026-12-17", "unsubscribed") in reasons(
        ledger, family
    )
    assert last_summary(ledger, f"alert_{family}")["skipped"] == {"unsubscribed": 1}

    # Another recurring family: 1601 unsubscribed from the documents only, 1602 from all.
    received = run(dagbag, "service_due", DEC_1, mail_sink)
    assert set(received) == {TDS}
    assert ("customer:1602", "service_due:1702:2026-12-16", "unsubscribed") in reasons(ledger, "service_due")
    assert last_summary(ledger, "alert_service_due")["skipped"]["unsubscribed"] == 1

    # The ops command lists them by reference (never an address); the page counts them.
    listing = ops("unsubscribes")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert any(
        f" {family} " in line and "one-click" in line and line.endswith("customer:1601") for line in lines
    )
    assert any(" * " in line and " page " in line and line.endswith("customer:1602") for line in lines)
    assert "@" not in listing.stdout
    assert "customer:1601" not in ops("unsubscribes", "--family", "service_due").stdout

    from alertas_rapidas.ui.access import Access
    from alertas_rapidas.ui.app import create_app

    page = TestClient(create_app(Access.fixed(trigger=False, connections=False)))
    overview = page.get("/api/overview")
    assert overview.status_code == 200
    counts = {item["family"]: item["recipients"] for item in overview.json()["unsubscribes"]}
    assert counts == {"*": 1, family: 1}
    assert "customer:16" not in overview.text and TDS not in overview.text


def test_a_token_that_is_not_signed_with_the_secret_records_nothing(
    dates_dms, dagbag, mail_sink, ledger, endpoint
):
    received = run(dagbag, "service_due", DEC_1, mail_sink)
    path = unsubscribe_path(received[TDS])
    body, sig = path.rsplit("/", 1)[1].split(".")
    forged = base64.urlsafe_b64encode(b"service_due\x1fcustomer:1602\x1fes").rstrip(b"=").decode()
    for bad in (f"{forged}.{sig}", f"{body}.{sig[:-2]}AA", "not-a-token", "a" * 500):
        prefix = path.rsplit("/", 1)[0]
        assert endpoint.post(f"{prefix}/{bad}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
        assert endpoint.get(f"{prefix}/{bad}").status_code == 404
    assert ledger.execute("select count(*) from alerts.unsubscribes").fetchone()[0] == 0

    # The same mail, another secret (rotated): the old links stop working.
    os.environ["AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET"], saved = (
        "another-secret-of-32-characters!",
        os.environ["AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET"],
    )
    try:
        assert endpoint.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    finally:
        os.environ["AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET"] = saved
    assert endpoint.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_ops_records_a_mailto_request_and_undoes_an_unsubscribe(dates_dms, dagbag, mail_sink, ledger):
    received = run(dagbag, "service_due", DEC_1, mail_sink)
    header = str(received[JOHN].message["List-Unsubscribe"])
    token = unquote(re.search(r"subject=([^>]+)>", header).group(1)).removeprefix("unsubscribe ")
    added = ops("unsubscribes", "--add", token)
    assert (
        added.returncode == 0
        and added.stdout.strip() == "recorded: customer:1602 unsubscribed from service_due"
    )
    assert ops("unsubscribes", "--add", token).stdout.startswith("already recorded")
    assert ops("unsubscribes", "--add", token[:-3] + "xyz").returncode == 2
    assert ledger.execute("select family, source from alerts.unsubscribes").fetchall() == [
        ("service_due", "mailto")
    ]
    assert ops("unsubscribes", "--remove", "customer:1602").returncode == 2
    removed = ops("unsubscribes", "--remove", "customer:1602", "--family", "service_due")
    assert removed.returncode == 0, removed.stderr
    assert ops("unsubscribes").returncode == 1  # nothing left


def ops(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "alertas_rapidas.ops", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )


def test_a_real_api_server_takes_the_one_click_post_without_a_login(dms, ledger, tmp_path):
    """`airflow standalone` (the API server mounts the plugin): the endpoint answers anonymous
    requests, while the Alertas page next to it still asks for a login."""
    import httpx

    from alertas_rapidas.unsubscribes import make_token
    from tests.support.airflow_server import Standalone, session_connections

    secret = os.environ["AIRFLOW_VAR_ALERTAS_UNSUBSCRIBE_SECRET"]  # the server inherits it
    token = make_token(secret, "service_due", "customer:1602", "en")
    airflow = Standalone(tmp_path, session_connections()).start()
    try:
        airflow.wait_until_ready([])
        url = f"{airflow.url}/alertas-unsubscribe/{token}"
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and "Stop receiving this alert by e-mail?" in page.text
        assert page.headers["cache-control"] == "no-store"
        done = httpx.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert done.status_code == 200, airflow.log_tail()
        assert "you will not receive this alert any more" in done.text
        forged = f"{airflow.url}/alertas-unsubscribe/{token.split('.')[0]}.{'A' * 22}"
        assert httpx.post(forged, data={"List-Unsubscribe": "One-Click"}, timeout=30).status_code == 404
        assert httpx.get(f"{airflow.url}/alertas/api/overview", timeout=30).status_code in (401, 403)
    finally:
        airflow.stop()
    rows = ledger.execute("select family, recipient_ref, source from alerts.unsubscribes").fetchall()
    assert rows == [("service_due", "customer:1602", "one-click")]
