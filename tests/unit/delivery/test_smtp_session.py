"""`send_message` against a real SMTP server (aiosmtpd on loopback) whose replies the test picks."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest

from alertas_dev.demo.mail_sink import MailSink
from alertas_rapidas.delivery.smtp_session import send_message

SENDER = "alertas@autosur.example.com"
RECIPIENTS = ["a@example.com", "b@example.com", "c@example.com"]
PAYLOAD = (
    b"From: alertas@autosur.example.com\r\nTo: a@example.com\r\nSubject: Estado de cuenta\r\n\r\nHola.\r\n"
)


@dataclass
class Accepted:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    smtp_utf8: bool


@dataclass
class ScriptedServer:
    """An aiosmtpd handler: refuses chosen recipients, answers DATA as told, or drops the line."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None
    drop_at_rcpt: bool = False
    drop_during_data: bool = False
    accepted: list[Accepted] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:  # noqa: N802
        if self.drop_at_rcpt:
            server.transport.close()
            return "250 never seen"
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.drop_during_data:
            server.transport.close()  # the message arrived; the reply never does
            return "250 never seen"
        if self.data_reply:
            return self.data_reply
        self.accepted.append(
            Accepted(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                bytes(envelope.original_content),
                bool(envelope.smtp_utf8),
            )
        )
        return "250 2.0.0 Ok: queued as 4F2A"


@pytest.fixture
def connect() -> Iterator[Callable[[ScriptedServer], smtplib.SMTP]]:
    """Start a server with the given handler; return an smtplib client connected to it."""
    with ExitStack() as stack:

        def start(handler: ScriptedServer) -> smtplib.SMTP:
            sink = stack.enter_context(MailSink(handler=handler))
            client = smtplib.SMTP("127.0.0.1", sink.port, timeout=5)
            stack.callback(client.close)
            return client

        yield start


def send(client: smtplib.SMTP, recipients: list[str] = RECIPIENTS, payload: bytes = PAYLOAD):
    return send_message(client, sender=SENDER, recipients=recipients, payload=payload)


def test_all_recipients_accepted_is_sent(connect):
    server = ScriptedServer()
    outcome = send(connect(server))

    assert outcome.status == "sent"
    assert outcome.refused == {}
    assert outcome.response == "250 2.0.0 Ok: queued as 4F2A"
    assert not outcome.connection_lost
    [message] = server.accepted
    assert message.mail_from == SENDER
    assert message.rcpt_tos == RECIPIENTS
    assert message.content == PAYLOAD


def test_one_of_three_refused_is_sent_to_the_others_and_reports_the_refusal(connect):
    server = ScriptedServer(rcpt_replies={"b@example.com": "550 5.1.1 <b@example.com>: user unknown"})
    outcome = send(connect(server))

    assert outcome.status == "sent"
    assert outcome.refused == {"b@example.com": "550 5.1.1 <b@example.com>: user unknown"}
    [message] = server.accepted
    assert message.rcpt_tos == ["a@example.com", "c@example.com"]


def test_all_refused_permanently_is_failed_and_the_connection_stays_usable(connect):
    server = ScriptedServer(rcpt_replies={address: "550 5.1.1 user unknown" for address in RECIPIENTS})
    client = connect(server)

    outcome = send(client)

    assert outcome.status == "failed"
    assert outcome.reason == "all recipients refused"
    assert set(outcome.refused) == set(RECIPIENTS)
    assert server.accepted == []
    # The transaction was reset: the next message on the same connection goes through.
    assert send(client, ["d@example.com"]).status == "sent"
    assert [m.rcpt_tos for m in server.accepted] == [["d@example.com"]]


@pytest.mark.parametrize(
    "replies",
    [
        {address: "450 4.2.1 mailbox busy" for address in RECIPIENTS},
        {
            "a@example.com": "550 5.1.1 unknown",
            "b@example.com": "451 4.3.0 try later",
            "c@example.com": "550 no",
        },
    ],
    ids=["all_transient", "mixed_permanent_and_transient"],
)
def test_all_refused_with_any_transient_reply_is_deferred(connect, replies):
    server = ScriptedServer(rcpt_replies=replies)
    outcome = send(connect(server))
    assert outcome.status == "deferred"
    assert outcome.refused == replies
    assert server.accepted == []


def test_451_after_data_is_deferred(connect):
    server = ScriptedServer(data_reply="451 4.3.0 Temporary local problem, try later")
    outcome = send(connect(server))

    assert outcome.status == "deferred"
    assert outcome.response == "451 4.3.0 Temporary local problem, try later"
    assert not outcome.connection_lost
    assert server.accepted == []


def test_554_after_data_is_failed(connect):
    server = ScriptedServer(data_reply="554 5.7.1 Message rejected as spam")
    outcome = send(connect(server))
    assert outcome.status == "failed"
    assert outcome.response == "554 5.7.1 Message rejected as spam"


def test_connection_closed_during_data_is_unknown(connect):
    outcome = send(connect(ScriptedServer(drop_during_data=True)))

    assert outcome.status == "unknown"  # the server may have accepted it: never re-sent automatically
    assert outcome.connection_lost
    assert "DATA" in outcome.reason


def test_connection_closed_before_data_is_deferred(connect):
    outcome = send(connect(ScriptedServer(drop_at_rcpt=True)))

    assert outcome.status == "deferred"  # nothing was handed over: safe to retry
    assert outcome.connection_lost
    assert "RCPT" in outcome.reason


def test_non_ascii_message_is_sent_with_smtputf8(connect):
    server = ScriptedServer()
    payload = "From: alertas@autosur.example.com\r\nSubject: Cuenta de José Núñez\r\n\r\nHola.\r\n".encode()

    outcome = send(connect(server), ["a@example.com"], payload)

    assert outcome.status == "sent"
    [message] = server.accepted
    assert message.smtp_utf8
    assert message.content == payload


def test_non_ascii_recipient_is_sent_with_smtputf8(connect):
    server = ScriptedServer()
    outcome = send(connect(server), ["josé@ñandú.com.ar", "a@example.com"])
    assert outcome.status == "sent"
    [message] = server.accepted
    assert message.rcpt_tos == ["josé@ñandú.com.ar", "a@example.com"]
