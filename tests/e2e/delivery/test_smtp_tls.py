"""SMTP over STARTTLS and implicit TLS, with login, against a real TLS SMTP server (aiosmtpd).

The tests make a certificate authority and a server certificate for 127.0.0.1, start the sink in
STARTTLS or implicit-TLS mode with a fixed login, and check what a person would: the server saw an
encrypted, authenticated session; a certificate the client does not trust, a server without
STARTTLS or a wrong password stop delivery with a clear reason, never fall back to plain text,
never send the password unencrypted, and are not retried.
"""

from __future__ import annotations

import json
import time
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest

from alertas_dev.demo.mail_sink import MailSink
from alertas_rapidas.delivery.loop import SmtpSession, SmtpSetupError
from tests.support.certs import make_server_pki
from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

LOGIN, PASSWORD = "alertas", "Tr1ple-S3cret"
DAG_ID = "alert_supplier_payments_ready"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    return make_server_pki(folder, "trusted"), make_server_pki(folder, "stranger")


@pytest.fixture(scope="module", params=["starttls", "implicit"])
def tls_sink(request, pki):
    trusted, _ = pki
    with MailSink(
        tls=request.param, certfile=trusted.cert, keyfile=trusted.key, login=LOGIN, password=PASSWORD
    ) as sink:
        yield sink


@pytest.fixture(scope="module")
def starttls_sink(pki):
    trusted, _ = pki
    with MailSink(
        tls="starttls", certfile=trusted.cert, keyfile=trusted.key, login=LOGIN, password=PASSWORD
    ) as sink:
        yield sink


@pytest.fixture(scope="module")
def plain_sink():
    with MailSink() as sink:  # no STARTTLS, no AUTH
        yield sink


@pytest.fixture
def use_connection(monkeypatch):
    def use(connection_json: str) -> None:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", connection_json)

    return use


def one_message() -> bytes:
    mail = EmailMessage()
    mail["From"] = "alertas@autosur.example.com"
    mail["To"] = "cobranzas@example.net"
    mail["Subject"] = "Estado de cuenta"
    mail.set_content("Saldo: $ 1.000,00\n")
    return mail.as_bytes()


def send_one() -> object:
    session = SmtpSession()
    try:
        return session.send(["cobranzas@example.net"], one_message())
    finally:
        session.reset()


def test_tls_with_login_delivers_over_an_encrypted_authenticated_session(tls_sink, pki, use_connection):
    tls_sink.store.clear()
    use_connection(tls_sink.connection_json(login=LOGIN, password=PASSWORD, ca_bundle=pki[0].ca))
    outcome = send_one()
    assert (outcome.status, outcome.reason) == ("sent", None)
    [received] = tls_sink.store.messages
    assert received.rcpt_tos == ["cobranzas@example.net"]
    assert received.tls_version in ("TLSv1.2", "TLSv1.3")
    assert received.login == LOGIN
    assert tls_sink.store.logins == [(LOGIN, True)]


def test_connection_extras_name_the_tls_mode(tls_sink):
    extra = json.loads(tls_sink.connection_json())["extra"]
    if tls_sink.tls == "starttls":
        assert (extra["disable_tls"], extra["disable_ssl"]) == (False, True)
    else:
        assert (extra["disable_tls"], extra["disable_ssl"]) == (True, False)


@pytest.mark.parametrize("bundle", ["none", "another CA"])
def test_a_certificate_the_client_does_not_trust_fails_before_the_password_is_sent(
    tls_sink, pki, use_connection, bundle
):
    tls_sink.store.clear()
    ca = pki[1].ca if bundle == "another CA" else None
    use_connection(tls_sink.connection_json(login=LOGIN, password=PASSWORD, ca_bundle=ca))
    outcome = send_one()
    assert outcome.status == "failed" and outcome.setup_error
    assert outcome.reason == (
        "TLS certificate of the SMTP server not trusted (unable to get local issuer certificate): "
        "name its CA in the connection's ca_bundle extra"
    )
    assert "\n" not in outcome.reason and PASSWORD not in outcome.reason
    assert tls_sink.store.messages == []
    assert tls_sink.store.logins == []  # the password never reached the unverified server


def test_turning_verification_off_needs_the_providers_explicit_setting(tls_sink, use_connection):
    tls_sink.store.clear()
    connection = json.loads(tls_sink.connection_json(login=LOGIN, password=PASSWORD))
    connection["extra"]["ssl_context"] = "none"
    use_connection(json.dumps(connection))
    assert send_one().status == "sent"
    assert tls_sink.store.messages[0].tls_version is not None


def test_a_server_without_starttls_is_an_error_not_a_fallback_to_plain_text(plain_sink, use_connection):
    plain_sink.store.clear()
    connection = json.loads(plain_sink.connection_json(login=LOGIN, password=PASSWORD))
    connection["extra"]["disable_tls"] = False  # STARTTLS required
    use_connection(json.dumps(connection))
    outcome = send_one()
    assert (outcome.status, outcome.setup_error) == ("failed", True)
    assert outcome.reason == "the SMTP server does not offer STARTTLS, which the connection requires"
    assert plain_sink.store.messages == []


def test_a_password_is_never_sent_over_plain_text(plain_sink, use_connection):
    plain_sink.store.clear()
    use_connection(plain_sink.connection_json(login=LOGIN, password=PASSWORD))  # both TLS modes off
    outcome = send_one()
    assert (outcome.status, outcome.setup_error) == ("failed", True)
    assert outcome.reason.startswith("the connection has a password but no TLS")
    assert plain_sink.store.messages == []


def test_a_server_that_requires_starttls_refuses_a_plain_session(starttls_sink, pki, use_connection):
    starttls_sink.store.clear()
    connection = json.loads(starttls_sink.connection_json(ca_bundle=pki[0].ca))
    connection["extra"]["disable_tls"] = True
    use_connection(json.dumps(connection))
    outcome = send_one()
    assert (outcome.status, outcome.setup_error) == ("failed", True)
    assert (
        outcome.reason
        == "the SMTP server requires TLS or a login first: 530 Must issue a STARTTLS command first"
    )
    assert starttls_sink.store.messages == []


def test_a_wrong_password_is_a_permanent_failure(tls_sink, pki, use_connection):
    tls_sink.store.clear()
    use_connection(tls_sink.connection_json(login=LOGIN, password="wrong-password", ca_bundle=pki[0].ca))
    outcome = send_one()
    assert outcome.status == "failed" and outcome.setup_error
    assert outcome.reason == "SMTP login refused: 535 5.7.8 Authentication credentials invalid"
    assert tls_sink.store.messages == []
    assert tls_sink.store.logins and all(entry == (LOGIN, False) for entry in tls_sink.store.logins)


def ledger_entry(tmp_path: Path, key: str) -> dict:
    eml = tmp_path / f"{key}.eml"
    eml.write_bytes(one_message())
    return {
        "key": key,
        "recipient_ref": f"customer:{key}",
        "business_key": f"statement:{key}",
        "envelope": ["cobranzas@example.net"],
        "eml": str(eml),
        "message_id": f"<{key}@alertas.example.com>",
    }


def test_deliver_with_ledger_stops_before_claiming_when_the_login_is_refused(
    starttls_sink, pki, use_connection, postgres, ledger, tmp_path
):
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.delivery.loop import Claimant, deliver_with_ledger
    from alertas_rapidas.delivery.outbox import Outbox
    from alertas_rapidas.ledger import deliveries as ledger_module

    ledger.execute("drop schema if exists alerts cascade")
    ledger_module.ensure_schema(ledger)
    starttls_sink.store.clear()
    entries = [ledger_entry(tmp_path, "tls-1"), ledger_entry(tmp_path, "tls-2")]
    arguments = dict(
        family="tls_test",
        outbox=Outbox.of_files(entries),
        run_date=date(2026, 11, 1),
        claimant=Claimant("alert_tls_test", "manual__1", "deliver", -1, 1),
        policy_=ledger_module.ClaimPolicy(),
        smtp_conn_id="smtp_default",
        alerts_conn_id=ALERTS_CONN_ID,
    )
    use_connection(starttls_sink.connection_json(login=LOGIN, password="wrong-password", ca_bundle=pki[0].ca))
    with pytest.raises(SmtpSetupError, match="^SMTP login refused: 535 "):
        deliver_with_ledger(**arguments)
    assert starttls_sink.store.messages == []
    assert ledger_rows(ledger, "tls_test") == []  # nothing claimed: fixing the password sends them all

    use_connection(starttls_sink.connection_json(login=LOGIN, password=PASSWORD, ca_bundle=pki[0].ca))
    assert deliver_with_ledger(**arguments) == {"sent": 2, "refused_recipients": 0}
    assert [m.login for m in starttls_sink.store.messages] == [LOGIN, LOGIN]
    assert {row["status"] for row in ledger_rows(ledger, "tls_test")} == {"sent"}


@pytest.fixture
def payments_dms(dms):
    return load_fixtures(dms, "organisation.sql", "supplier_payments_ready.sql")


def test_a_family_run_over_starttls_with_login(
    payments_dms, dagbag, starttls_sink, pki, use_connection, ledger
):
    starttls_sink.store.clear()
    use_connection(starttls_sink.connection_json(login=LOGIN, password=PASSWORD, ca_bundle=pki[0].ca))
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    received = starttls_sink.store.messages
    assert len(received) == 3
    assert {(m.tls_version is not None, m.login) for m in received} == {(True, LOGIN)}
    assert last_summary(ledger, DAG_ID)["sent"] == 3


def test_a_run_with_a_wrong_password_fails_at_once_with_the_reason_and_sends_nothing(
    payments_dms, dagbag, starttls_sink, pki, use_connection, ledger, capfd
):
    starttls_sink.store.clear()
    use_connection(starttls_sink.connection_json(login=LOGIN, password="wrong-password", ca_bundle=pki[0].ca))
    started = time.monotonic()
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES, retries=3)
    elapsed = time.monotonic() - started
    assert run.state == "failed"
    deliver = [ti for ti in run.get_task_instances() if ti.task_id.endswith("deliver")]
    assert [(ti.state, ti.try_number) for ti in deliver] == [("failed", 1)]  # no retry storm
    assert elapsed < 60
    assert starttls_sink.store.messages == []
    # One refused login per connection (smtplib tries PLAIN, then LOGIN): the deliver step's and
    # the data team's failure notice's, which fails the same way. No retries.
    assert starttls_sink.store.logins == [(LOGIN, False)] * 4
    rows = [row for row in ledger_rows(ledger, "supplier_payments_ready") if row["status"] != "skipped"]
    assert rows == []  # no supplier message was claimed: fixing the password and clearing the task sends them
    # the data team's notice failed the same way (issue 21: notices have a table of their own)
    assert ledger.execute("select status, reason from alerts.notices").fetchall() == [
        ("failed", "SMTP login refused: 535 5.7.8 Authentication credentials invalid")
    ]
    assert "1 of 1 delivery batch(es) did not finish" in last_summary(ledger, DAG_ID)["problems"]
    output = capfd.readouterr()
    assert "SMTP login refused: 535 5.7.8 Authentication credentials invalid" in output.out + output.err

    # Fixed password: the same window sends every message, once.
    use_connection(starttls_sink.connection_json(login=LOGIN, password=PASSWORD, ca_bundle=pki[0].ca))
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert len(starttls_sink.store.messages) == 3
    assert PASSWORD not in output.out + output.err and "wrong-password" not in output.out + output.err


def test_an_undefined_connection_is_a_setup_error_not_a_server_that_is_down(monkeypatch):
    """A family with its own sender address never reads smtp_default before deliver: a missing
    connection must still fail the deliver task once (setup error), not be deferred and retried."""
    monkeypatch.delenv("AIRFLOW_CONN_SMTP_DEFAULT", raising=False)
    session = SmtpSession()
    with pytest.raises(SmtpSetupError, match="'smtp_default' is not defined"):
        session.check()
    outcome = send_one()
    assert outcome.status == "failed" and outcome.setup_error
    assert "AIRFLOW_CONN_SMTP_DEFAULT" in outcome.reason
