"""The pure parts of deliverability: which SMTP replies mean "slow down", how sending limits are
written and refused, VERP tokens, what each kind of bounce-mailbox message is read as, and how a
plan skips suppressed addresses."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alertas_rapidas.bounces.reports import read_report
from alertas_rapidas.contracts.plan import OutgoingMessage, Plan, message_id_for
from alertas_rapidas.delivery.sending_limits import SendingLimitsError, parse
from alertas_rapidas.delivery.slow_down import means_slow_down
from alertas_rapidas.delivery.verp import token_for, tokens_in
from alertas_rapidas.ledger.suppressions import skip_suppressed

REPORTS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "bounces"

# Replies as providers write them (their documentation and real bounces), and whether they mean
# "slow down" (wait, the whole connection) or are an ordinary failure of one message.
REPLIES = [
    (421, "4.7.0 Try again later, closing connection. (Gmail)", True),
    (421, "4.7.28 Our system has detected an unusual rate of unsolicited mail", True),
    (421, "4.3.2 The maximum number of concurrent server connections has exceeded a limit", True),
    (451, "4.7.500 Server busy. Please try again later from [198.51.100.7]. (AS219)", True),
    (432, "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded", True),
    (452, "4.5.3 Too many recipients", True),
    (
        450,
        "4.2.1 The user you are trying to contact is receiving mail at a rate that prevents "
        "additional messages from being delivered",
        True,
    ),
    (454, "Throttling failure: Maximum sending rate exceeded.", True),
    (454, "Throttling failure: Daily message quota exceeded.", True),
    (550, "5.4.5 Daily user sending limit exceeded.", True),
    (554, "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException", True),
    (421, "4.7.0 [TSS04] Messages from 198.51.100.7 temporarily deferred due to unexpected volume", True),
    (451, "4.3.0 Temporary lookup failure", False),
    (450, "4.1.1 <ana@example.com>: Recipient address rejected: User unknown", False),
    (452, "4.2.2 The email account that you tried to reach is over quota.", False),
    (550, "5.1.1 The email account that you tried to reach does not exist.", False),
    (554, "5.7.1 Relay access denied", False),
    (250, "2.0.0 OK queued", False),
]


@pytest.mark.parametrize(("code", "text", "slow"), REPLIES)
def test_slow_down_replies_are_told_from_ordinary_failures(code, text, slow):
    assert means_slow_down(code, text) is slow


def test_sending_limits_read_named_and_custom_windows_shortest_first():
    limits = parse({"per_minute": 30, "per_day": 10000, "windows": {"PT2S": 1}, "sessions": 2}, "test")
    assert limits.rate_windows() == [
        (timedelta(seconds=2), 1),
        (timedelta(minutes=1), 30),
        (timedelta(days=1), 10000),
    ]
    assert limits.describe() == "per_minute 30, per_day 10000, PT2S 1, sessions 2"
    assert not parse({}, "test").limited


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"per_minit": 30}, "per_minit: unknown field; did you mean 'per_minute'?"),
        ({"per_day": 0}, "per_day: Input should be greater than or equal to 1"),
        ({"windows": {"PT0.5S": 1}}, "must be between 1 second (PT1S) and 7 days (P7D)"),
        ({"windows": {"P8D": 1}}, "must be between 1 second (PT1S) and 7 days (P7D)"),
        ([30], 'must be a mapping such as {"per_minute": 30}'),
    ],
)
def test_wrong_sending_limits_name_where_they_come_from_and_what_is_allowed(raw, message):
    with pytest.raises(SendingLimitsError) as error:
        parse(raw, "connection 'smtp_default', extra sending_limits")
    assert str(error.value).startswith("connection 'smtp_default', extra sending_limits: ")
    assert message in str(error.value)


def test_a_verp_token_names_one_message_and_needs_the_secret():
    one, other = token_for("s" * 32, "key-1"), token_for("s" * 32, "key-2")
    assert len(one) == 16 and one != other and one == token_for("s" * 32, "key-1")
    assert token_for("t" * 32, "key-1") != one  # nobody can make one up without the secret
    assert tokens_in(f"To: <bounces+{one}@autosur.example.com>") == {one}
    assert tokens_in("bounces@autosur.example.com") == set()


def fill(name: str, **values: str) -> bytes:
    raw = (REPORTS / name).read_bytes()
    for placeholder, value in values.items():
        raw = raw.replace(f"@@{placeholder}@@".encode(), value.encode())
    return raw


@pytest.mark.parametrize(
    ("name", "kind", "hard", "soft"),
    [
        ("postfix_hard.eml", "bounce", {"ana@example.com"}, set()),
        ("exchange_hard.eml", "bounce", {"ana@example.com"}, set()),
        ("gmail_hard.eml", "bounce", {"ana@example.com"}, set()),
        ("postfix_delayed.eml", "bounce", set(), {"ana@example.com"}),
        ("auto_reply.eml", "auto_reply", set(), set()),
        ("person.eml", "other", set(), set()),
    ],
)
def test_each_kind_of_mailbox_message_is_read_as_what_it_is(name, kind, hard, soft):
    token = token_for("s" * 32, "key-1")
    message_id = message_id_for("a" * 64)
    report = read_report(
        fill(
            name,
            BOUNCE_TO=f"bounces+{token}@autosur.example.com",
            RECIPIENT="ana@example.com",
            LOCAL="ana",
            MESSAGE_ID=message_id,
            SUBJECT="=?utf-8?q?Estado_de_cuenta?=",
        )
    )
    assert (report.kind, set(report.hard), set(report.soft)) == (kind, hard, soft)
    if kind == "bounce":
        assert report.tokens == {token} and report.message_ids == (message_id,)
        assert report.detail and report.detail[0] in "45"


def test_a_report_of_a_message_we_never_sent_names_none_of_ours():
    report = read_report((REPORTS / "unmatched.eml").read_bytes())
    assert report.kind == "bounce" and report.tokens == frozenset() and report.message_ids == ()


def test_a_plan_skips_messages_to_suppressed_addresses_and_drops_suppressed_copies():
    plan = Plan(
        candidates=3,
        messages=[
            OutgoingMessage(
                "customer:1",
                "s:1",
                ["Pagos@Transportes.example.com"],
                cc=["contaduria@transportes.example.com"],
            ),
            OutgoingMessage("customer:2", "s:1", ["john@example.org"]),
            OutgoingMessage("customer:3", "s:1", ["ok@example.org"], bcc=["john@example.org"]),
        ],
    )
    kept = skip_suppressed(plan, {"contaduria@transportes.example.com", "john@example.org"})
    assert [(m.recipient_ref, m.to, m.cc, m.bcc) for m in kept.messages] == [
        ("customer:1", ["Pagos@Transportes.example.com"], [], []),
        ("customer:3", ["ok@example.org"], [], []),
    ]
    assert [(s.recipient_ref, s.reason) for s in kept.skipped] == [("customer:2", "bounced")]


def test_a_slow_down_reply_is_kept_as_its_codes_only():
    from alertas_rapidas.delivery.slow_down import reply_codes

    assert reply_codes("452 4.5.3 <ana@example.com>: too many recipients") == "452 4.5.3"
    assert reply_codes("454 Throttling failure: Maximum sending rate exceeded.") == "454"
    assert reply_codes("connection lost") == ""
