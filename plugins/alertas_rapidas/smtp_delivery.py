"""Send one message over an open SMTP connection, step by step, and classify the outcome.

smtplib's `sendmail` hides where a failure happened. Here MAIL, RCPT and DATA are separate steps,
so the outcome is exact: refused recipients are returned (a partial refusal still delivers to the
others), 4xx replies and dropped connections before DATA are transient (`deferred`), 5xx replies
are permanent (`failed`), and a connection lost during DATA is `unknown`: the server may have
accepted the message, so it is never re-sent automatically.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field

from alertas_rapidas.delivery_state import DeliveryState

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


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


def _classify(code: int) -> DeliveryState:
    return DEFERRED if 400 <= code < 500 else FAILED


def _setup_error(reason: str) -> SendOutcome:
    return SendOutcome(FAILED, reason, setup_error=True)


def connect_outcome(exc: BaseException) -> SendOutcome:
    """Classify a failure to connect, secure or log in: a TLS, certificate or login problem is a
    permanent configuration error (`failed`, `setup_error`); anything else (refused, timeout,
    dropped, a 4xx reply) is transient (`deferred`). Reasons are one line, with no secret in them."""
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
            client.rset()
            return SendOutcome(_classify(code), "sender refused", _reply(code, message))
        refused: dict[str, str] = {}
        codes: list[int] = []
        phase = "rcpt"
        for recipient in recipients:
            code, message = client.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = _reply(code, message)
                codes.append(code)
        if len(refused) == len(recipients):
            client.rset()
            status = DEFERRED if any(400 <= c < 500 for c in codes) else FAILED
            return SendOutcome(status, "all recipients refused", None, refused)
        phase = "data"
        code, message = client.data(payload)
        if code != 250:
            return SendOutcome(_classify(code), "message refused", _reply(code, message), refused)
        return SendOutcome(SENT, None, _reply(code, message), refused)
    except UnicodeEncodeError:  # a non-ASCII address the server was not asked to accept
        client.rset()
        return SendOutcome(FAILED, "non-ASCII address without SMTPUTF8")
    except smtplib.SMTPDataError as exc:  # DATA command itself refused (not 354)
        return SendOutcome(_classify(exc.smtp_code), "message refused", _reply(exc.smtp_code, exc.smtp_error))
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        status = UNKNOWN if phase == "data" else DEFERRED
        return SendOutcome(
            status, f"connection lost during {phase.upper()}: {type(exc).__name__}", connection_lost=True
        )
