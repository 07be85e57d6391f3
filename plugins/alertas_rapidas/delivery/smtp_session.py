"""Send one message over an open SMTP connection, step by step, and classify the outcome.

smtplib's `sendmail` hides where a failure happened. Here MAIL, RCPT and DATA are separate steps,
so the outcome is exact: refused recipients are returned (a partial refusal still delivers to the
others), 4xx replies and dropped connections before DATA are transient (`deferred`), 5xx replies
are permanent (`failed`), and a connection lost during DATA is `unknown`: the server may have
accepted the message, so it is never re-sent automatically. A reply that means "slow down" (421,
4.7.x, a sending quota: `slow_down`) is flagged: the caller waits instead of counting a failure.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field

from alertas_rapidas.delivery.slow_down import means_slow_down
from alertas_rapidas.delivery.states import DeliveryState

SENT, FAILED, DEFERRED, UNKNOWN = (
    DeliveryState.SENT,
    DeliveryState.FAILED,
    DeliveryState.DEFERRED,
    DeliveryState.UNKNOWN,
)


@dataclass
class SendOutcome:
    status: DeliveryState  # one of delivery_state.OUTCOMES: sent, failed, deferred or unknown
    reason: str | None = None
    response: str | None = None
    refused: dict[str, str] = field(default_factory=dict)
    connection_lost: bool = False
    setup_error: bool = False  # the connection settings do not work with the server: permanent
    slow_down: bool = False  # the server asked to slow down (421, 4.7.x, ...): not accepted, wait


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


def _classify(code: int) -> DeliveryState:
    return DEFERRED if 400 <= code < 500 else FAILED


def _refusal(
    code: int, message: bytes | str, reason: str, refused: dict[str, str] | None = None
) -> SendOutcome:
    """A refused step: 4xx transient, 5xx permanent; flagged when it asks to slow down. A 421 reply
    closes the connection (RFC 5321, 3.8)."""
    reply = _reply(code, message)
    slow = means_slow_down(code, reply[4:])
    return SendOutcome(
        _classify(code),
        "the server asked to slow down" if slow else reason,
        reply,
        refused or {},
        connection_lost=code == 421,
        slow_down=slow,
    )


def _setup_error(reason: str) -> SendOutcome:
    return SendOutcome(FAILED, reason, setup_error=True)


def connect_outcome(exc: BaseException) -> SendOutcome:
    """Classify a failure to connect, secure or log in: a TLS, certificate or login problem is a
    permanent configuration error (`failed`, `setup_error`); anything else (refused, timeout,
    dropped, a 4xx reply) is transient (`deferred`). Reasons are one line, with no secret in them."""
    if isinstance(exc, smtplib.SMTPConnectError) and means_slow_down(exc.smtp_code, str(exc.smtp_error)):
        reply = _reply(exc.smtp_code, exc.smtp_error).splitlines()[0]  # e.g. a 421 greeting
        return SendOutcome(DEFERRED, "the server asked to slow down", reply, slow_down=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _setup_error(
            f"TLS certificate of the SMTP server not trusted ({exc.verify_message}): "
            "name its CA in the connection's ca_bundle extra"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):  # STARTTLS or AUTH not offered
        what = "STARTTLS" if "STARTTLS" in str(exc) else "AUTH"
        return _setup_error(f"the SMTP server does not offer {what}, which the connection requires")
    if isinstance(exc, smtplib.SMTPAuthenticationError) or type(exc) is smtplib.SMTPResponseException:
        # login refused, or STARTTLS answered with something else than 220
        step = "login" if isinstance(exc, smtplib.SMTPAuthenticationError) else "STARTTLS"
        reply = _reply(exc.smtp_code, exc.smtp_error).splitlines()[0]
        if 400 <= exc.smtp_code < 500:
            return SendOutcome(DEFERRED, f"SMTP {step} temporarily refused: {reply}")
        return _setup_error(f"SMTP {step} refused: {reply}")
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return _setup_error(f"TLS handshake with the SMTP server failed: {exc.reason or exc}")
    if type(exc) is smtplib.SMTPException:  # e.g. no AUTH mechanism in common with the server
        return _setup_error(f"SMTP login not possible: {exc}")
    return SendOutcome(DEFERRED, f"cannot connect to the SMTP server: {type(exc).__name__}")


def send_message(client: smtplib.SMTP, *, sender: str, recipients: list[str], payload: bytes) -> SendOutcome:
    """Run one SMTP transaction (MAIL, RCPT per recipient, DATA) on an open connection."""
    phase = "mail"
    try:
        client.ehlo_or_helo_if_needed()
        needs_utf8 = not payload.isascii() or not all(a.isascii() for a in [sender, *recipients])
        if needs_utf8 and not client.has_extn("smtputf8"):
            return SendOutcome(FAILED, "non-ASCII address or header and the server lacks SMTPUTF8")
        code, message = client.mail(sender, ["SMTPUTF8"] if needs_utf8 else [])
        if code != 250:
            if code != 421:
                client.rset()
            return _refusal(code, message, "sender refused")
        refused: dict[str, str] = {}
        codes: list[int] = []
        phase = "rcpt"
        for recipient in recipients:
            code, message = client.rcpt(recipient)
            if code == 421:  # the server closes the connection: nothing of this message was taken
                return _refusal(code, message, "recipient refused")
            if code not in (250, 251):
                refused[recipient] = _reply(code, message)
                codes.append(code)
        if len(refused) == len(recipients):
            client.rset()
            status = DEFERRED if any(400 <= c < 500 for c in codes) else FAILED
            slow = all(
                means_slow_down(c, reply[4:]) for c, reply in zip(codes, refused.values(), strict=True)
            )
            reason = "the server asked to slow down" if slow else "all recipients refused"
            return SendOutcome(status, reason, None, refused, slow_down=slow)
        phase = "data"
        code, message = client.data(payload)
        if code != 250:
            return _refusal(code, message, "message refused", refused)
        return SendOutcome(SENT, None, _reply(code, message), refused)
    except UnicodeEncodeError:  # a non-ASCII address the server was not asked to accept
        client.rset()
        return SendOutcome(FAILED, "non-ASCII address without SMTPUTF8")
    except smtplib.SMTPDataError as exc:  # DATA command itself refused (not 354)
        return _refusal(exc.smtp_code, exc.smtp_error, "message refused")
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        status = UNKNOWN if phase == "data" else DEFERRED
        return SendOutcome(
            status, f"connection lost during {phase.upper()}: {type(exc).__name__}", connection_lost=True
        )
