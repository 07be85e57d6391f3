"""Bounces, bounce scores and the suppression list, with real parts: the statements sent through the
real SMTP server with VERP envelope senders, delivery reports shaped after Postfix's, Exchange
Online's and Gmail's plus an out-of-office reply, a person's mail and a report of a message we never
sent in a real IMAP server (Debian's Dovecot, on loopback), read by the real `alertas_bounces` DAG.

What a person checks: the mailbox's folders (reports moved, nothing deleted, the rest left where it
was), the ledger rows and scores, who is suppressed, that the next month's run skips them, and that
`contact_data_quality` tells the general manager whose address bounces.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.support.dovecot import Dovecot, dovecot_binary
from tests.support.runs import run, run_dag
from tests.support.scenario import fresh_databases, run_and_record

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
REPORTS = ROOT / "tests" / "fixtures" / "bounces"
DAG_ID = "alert_customer_statements"
FAMILY = "customer_statements"
NOV_1 = "2026-11-01T11:00:00+00:00"
DEC_1 = "2026-12-01T11:00:00+00:00"
FROM = "alertas@autosur.example.com"
BOUNCE_ADDRESS = "bounces@autosur.example.com"
PAGOS, CONTADURIA = "Pagos@transportes.example.com", "contaduria@transportes.example.com"
JOHN, PEDRO = "john.smith@example.org", "pedro@example.net"
VERP = re.compile(r"^bounces\+([a-z2-7]{16})@autosur\.example\.com$")


@pytest.fixture(scope="module")
def imap_server(session_dir):
    if dovecot_binary() is None:
        message = "Debian's dovecot-imapd is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = Dovecot(session_dir / "dovecot").start()
    yield server
    server.stop()


def empty_mailbox(imap_server, monkeypatch):
    """The bounce mailbox, empty, behind the Airflow IMAP connection `imap_bounces`."""
    imap_server.empty()
    monkeypatch.setenv("AIRFLOW_CONN_IMAP_BOUNCES", imap_server.connection_json())
    return imap_server


def send_with_verp(monkeypatch):
    """The SMTP connection with a bounce address: every message gets its own envelope sender."""
    connection = json.loads(os.environ["AIRFLOW_CONN_SMTP_DEFAULT"])
    connection["extra"]["bounce_address"] = BOUNCE_ADDRESS
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))


def report(name: str, sent, recipient: str, bounce_to: str | None = None) -> bytes:
    """A fixture report about the message `sent` (as the SMTP server received it)."""
    raw = (REPORTS / name).read_bytes()
    values = {
        "@@BOUNCE_TO@@": bounce_to or sent.mail_from,
        "@@RECIPIENT@@": recipient,
        "@@LOCAL@@": recipient.split("@")[0],
        "@@MESSAGE_ID@@": str(sent.message["Message-ID"]),
        "@@SUBJECT@@": _raw_header(sent.data, "Subject"),
    }
    for placeholder, value in values.items():
        raw = raw.replace(placeholder.encode(), value.encode())
    return raw


def _raw_header(data: bytes, name: str) -> str:
    """A header's value as it was sent (folded lines joined): what a report quotes."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    match = re.search(rf"^{name}: (.*(?:\r\n[ \t].*)*)", head, re.MULTILINE)
    return match.group(1).replace("\r\n", "") if match else ""


def bounces_dag(**changes):
    from alertas_rapidas.bounces.dag import build_bounces_dag
    from alertas_rapidas.config import BouncesConfig, dealership_timezone

    return build_bounces_dag(BouncesConfig(**changes), dealership_timezone())


def subjects(messages) -> list[str]:
    """Each message's subject as a mail client shows it, up to its first colon."""
    from email import message_from_bytes, policy

    read = [message_from_bytes(raw, policy=policy.default) for _, raw in messages]
    return sorted(str(mail["Subject"]).split(":")[0] for mail in read)


@pytest.fixture(scope="module")
def bounce_story(postgres, mail_sink, dagbag, imap_server):
    """October's statements sent with VERP, reports of them in the mailbox, the bounces DAG, the
    mailbox read again, November's statements, the page's data, then contact_data_quality: what
    each step left, read as it happened."""
    from alertas_rapidas.bounces.mailbox import process_mailbox
    from alertas_rapidas.config import BouncesConfig
    from alertas_rapidas.ui.deliverability import deliverability

    story = {}
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        fresh_databases(postgres, mail_sink, "organisation.sql", "statements.sql") as db,
    ):
        ledger, mailbox = db.ledger, empty_mailbox(imap_server, monkeypatch)
        send_with_verp(monkeypatch)

        # 1. October's statements go out, each with an envelope sender of its own (VERP).
        story["october"] = run_dag(dagbag, DAG_ID, NOV_1, retries=0).state
        sent = story["sent"] = {m.rcpt_tos[0]: m for m in mail_sink.store.messages}
        story["sent_tokens"] = {
            r[0]: r[1]
            for r in ledger.execute(
                "select recipient_ref, bounce_token from alerts.deliveries where status = 'sent'"
            ).fetchall()
        }

        # 2. What comes back to the bounce mailbox.
        if {JOHN, PEDRO, PAGOS} <= set(sent):
            mailbox.append(report("postfix_hard.eml", sent[JOHN], JOHN))  # to its VERP address
            mailbox.append(report("gmail_hard.eml", sent[PEDRO], PEDRO))
            mailbox.append(
                report("exchange_hard.eml", sent[PAGOS], CONTADURIA, bounce_to=FROM)
            )  # Message-ID only
            mailbox.append(report("postfix_delayed.eml", sent[PAGOS], PAGOS.lower()))  # soft: still retried
            mailbox.append(report("auto_reply.eml", sent[PEDRO], PEDRO))  # out of office: no bounce
        mailbox.append((REPORTS / "unmatched.eml").read_bytes())  # a report of mail we never sent
        mailbox.append((REPORTS / "person.eml").read_bytes())  # a customer writing to the sender address

        # 3. The bounces DAG reads the mailbox (threshold 1: one hard bounce suppresses).
        story["bounces_run"] = run(bounces_dag(threshold=1.0), "2026-11-02T12:00:00+00:00", retries=0).state
        story["processed"] = mailbox.messages("alertas-processed")
        story["left"] = mailbox.messages("INBOX")
        story["deliveries"] = {
            r[0]: r[1:]
            for r in ledger.execute(
                "select recipient_ref, status, bounce_kind, bounce_detail from alerts.deliveries "
                "where family = %s and status <> 'skipped'",
                (FAMILY,),
            ).fetchall()
        }
        story["scores"] = dict(
            ledger.execute("select address, score::float from alerts.bounce_scores").fetchall()
        )
        story["suppressed"] = {
            r[0]: r[1:]
            for r in ledger.execute(
                "select address, source, created_by from alerts.suppressions where lifted_at is null"
            ).fetchall()
        }
        story["matched"] = dict(ledger.execute("select address, matched_by from alerts.bounces").fetchall())

        # Reading the mailbox again (the reports moved; the rest is checked).
        story["read_again"] = process_mailbox(BouncesConfig(threshold=1.0), ledger, date(2026, 11, 2))
        story["bounces_after_reading_again"] = ledger.execute(
            "select count(*) from alerts.bounces"
        ).fetchone()[0]

        # 4. November's statements.
        story["november"] = run_and_record(
            dagbag, DAG_ID, DEC_1, family=FAMILY, mail_sink=mail_sink, ledger=ledger, retries=0
        )
        # The page's data.
        story["page"] = deliverability(ledger, family=FAMILY)

        # 5. contact_data_quality, with a general manager to tell.
        db.dms.execute(
            "insert into dms.employees (id, branch_id, full_name, email, role, active) values "
            "(801, null, 'Carolina Méndez', 'carolina.mendez@autosur.example.com', 'general_manager', true)"
        )
        story["quality"] = run_and_record(
            dagbag,
            "alert_contact_data_quality",
            "2026-12-07T11:00:00+00:00",
            family="contact_data_quality",
            mail_sink=mail_sink,
            ledger=ledger,
            retries=0,
        )
    return story


def test_each_statement_goes_out_with_an_envelope_sender_of_its_own(bounce_story):
    # 1. October's statements go out, each with an envelope sender of its own (VERP).
    assert bounce_story["october"] == "success"
    sent = bounce_story["sent"]
    assert set(sent) == {PAGOS, JOHN, PEDRO}
    tokens = {address: VERP.match(m.mail_from).group(1) for address, m in sent.items()}
    assert len(set(tokens.values())) == 3
    assert {str(m.message["From"]).endswith(f"<{FROM}>") for m in sent.values()} == {True}  # From unchanged
    rows = bounce_story["sent_tokens"]
    assert rows == {"customer:1": tokens[PAGOS], "customer:2": tokens[JOHN], "customer:8": tokens[PEDRO]}


def test_the_bounces_dag_moves_the_reports_and_leaves_the_rest_unread_deleting_nothing(bounce_story):
    assert bounce_story["bounces_run"] == "success"

    processed = bounce_story["processed"]
    assert subjects(processed) == [
        "Delayed Mail (still being retried)",
        "Delivery Status Notification (Failure)",
        "Undeliverable",
        "Undelivered Mail Returned to Sender",
    ]
    left = bounce_story["left"]
    assert subjects(left) == [
        "Consulta sobre mi estado de cuenta",
        "Respuesta automática",
        "Undelivered Mail Returned to Sender",
    ]
    assert all(
        "$AlertasChecked" in flags and "\\Seen" not in flags for flags, _ in left
    )  # unread for a person
    assert len(processed) + len(left) == 7  # nothing deleted


def test_bounces_mark_deliveries_score_addresses_and_suppress_the_hard_ones(bounce_story):
    deliveries = bounce_story["deliveries"]
    assert deliveries["customer:2"][:2] == ("bounced", "hard")
    assert deliveries["customer:2"][2].startswith("5.1.1")
    assert deliveries["customer:8"][:2] == ("bounced", "hard")
    assert deliveries["customer:1"][:2] == ("sent", "hard")  # its CC bounced; the To got it
    scores = bounce_story["scores"]
    assert scores == {JOHN: 1.0, PEDRO: 1.0, CONTADURIA: 1.0, PAGOS.lower(): 0.5}
    suppressed = bounce_story["suppressed"]
    assert suppressed == {a: ("bounces", "alertas_bounces") for a in (JOHN, PEDRO, CONTADURIA)}
    matched = bounce_story["matched"]
    assert matched == {JOHN: "verp", PEDRO: "verp", CONTADURIA: "message_id", PAGOS.lower(): "verp"}


def test_reading_the_mailbox_again_records_nothing_twice(bounce_story):
    # Reading the mailbox again records nothing twice (the reports moved; the rest is checked).
    again = bounce_story["read_again"]
    assert again["read"] == 0 and bounce_story["bounces_after_reading_again"] == 4


def test_the_next_run_skips_suppressed_addresses_and_drops_a_suppressed_cc(bounce_story):
    # 4. November's statements skip the suppressed addresses: C002 and C008 with reason `bounced`,
    # and C001's suppressed CC is dropped from the message that still goes to its To.
    november_run = bounce_story["november"]
    assert november_run.state == "success"
    assert [sorted(m.rcpt_tos) for m in november_run.messages] == [[PAGOS]]
    summary = november_run.summary
    assert summary["sent"] == 1 and summary["skipped"]["bounced"] == 2
    november = {
        r["recipient_ref"]: (r["status"], r["reason"])
        for r in november_run.rows
        if r["business_key"] == "statement:2026-11"
    }
    assert november["customer:2"] == ("skipped", "bounced") and november["customer:8"] == (
        "skipped",
        "bounced",
    )


def test_the_page_counts_bounces_per_family_never_an_address(bounce_story):
    # The page's data: counts per family, never an address.
    page = bounce_story["page"]
    assert page["families"] == [
        {
            "family": FAMILY,
            "waiting": 0,
            "waiting_until": None,
            "bounced_messages": 2,
            "hard_bounces": 3,
            "soft_bounces": 1,
            "suppressed_addresses": 3,
            "skipped_bounced": 2,
        }
    ]
    assert page["suppressed"] == {"bounces": 3} and "@" not in json.dumps(page)


def test_contact_data_quality_tells_the_general_manager_whose_address_bounces(bounce_story):
    # 5. contact_data_quality tells the general manager whose address bounces.
    assert bounce_story["quality"].state == "success"
    [quality] = bounce_story["quality"].messages
    text = quality.message.get_body(("plain",)).get_content()
    assert "C002 John Smith 20-30000002-7 john.smith@example.org El e-mail rebota" in text
    assert "C008 Pedro Ruiz & Hijos <S.A.> 30-30000008-6 pedro@example.net El e-mail rebota" in text
    assert "C001" not in text  # its To address works; only a CC bounced


def test_a_bounce_counts_once_a_day_a_hard_one_tops_up_a_soft_one_and_old_scores_go_stale(ledger):
    from alertas_rapidas.ledger.deliveries import ensure_schema
    from alertas_rapidas.ledger.suppressions import ScoreRule, count_bounce

    ledger.execute("drop schema if exists alerts cascade")
    ensure_schema(ledger)
    rule = ScoreRule(threshold=3.0, stale_after=timedelta(days=45))
    address, day = "cliente@example.com", date(2026, 11, 2)
    steps = [
        ("soft", day),  # 0.5
        ("soft", day),  # the same day: no more
        ("hard", day),  # tops the day up to 1: 1.0
        ("hard", day),  # still 1 a day at most
        ("hard", day + timedelta(days=30)),  # 2.0
        ("soft", day + timedelta(days=31)),  # 2.5
        ("hard", day + timedelta(days=32)),  # 3.5: suppressed
    ]
    scores = [count_bounce(ledger, address, kind, when, rule) for kind, when in steps]
    assert [s.score for s in scores] == [0.5, 0.5, 1.0, 1.0, 2.0, 2.5, 3.5]
    assert [s.suppressed for s in scores] == [False] * 6 + [True]
    stale = count_bounce(ledger, "otro@example.com", "hard", day, rule)
    fresh_start = count_bounce(ledger, "otro@example.com", "hard", day + timedelta(days=46), rule)
    assert (stale.score, fresh_start.score) == (1.0, 1.0)  # 46 days later: it starts again


def test_ops_suppressions_lists_adds_and_lifts_with_who_and_why(ledger, capsys):
    from alertas_rapidas import ops
    from alertas_rapidas.ledger.deliveries import ensure_schema

    ledger.execute("drop schema if exists alerts cascade")
    ensure_schema(ledger)
    assert ops.main(["suppressions"]) == 1  # none yet
    assert (
        ops.main(["suppressions", "--add", "Quejas@Example.com", "--why", "asked by phone", "--by", "ana"])
        == 0
    )
    assert ops.main(["suppressions", "--add", "quejas@example.com", "--why", "again", "--by", "ana"]) == 1
    assert ops.main(["suppressions", "--add", "otra@example.com"]) == 2  # a why is required
    capsys.readouterr()
    assert ops.main(["suppressions", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["address"], listed["source"], listed["reason"], listed["created_by"]) == (
        "quejas@example.com",
        "ops",
        "asked by phone",
        "ana",
    )
    assert (
        ops.main(
            ["suppressions", "--remove", "quejas@example.com", "--why", "fixed in the DMS", "--by", "luis"]
        )
        == 0
    )
    assert ops.main(["suppressions"]) == 1
    capsys.readouterr()
    assert ops.main(["suppressions", "--history", "quejas@example.com"]) == 0
    out = capsys.readouterr().out
    assert "ana" in out and "luis" in out and "fixed in the DMS" in out
