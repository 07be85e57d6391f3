"""An SMTP session from the connection's settings, and one message sent over it step by step, with
its outcome classified.

`SmtpSession` reads the Airflow connection's fields as the SMTP provider documents them (host,
port, login, password; extras `disable_ssl`, `disable_tls`, `timeout`, `retry_limit`,
`ssl_context`, `from_email`) plus `ca_bundle`, and owns its smtplib client: the provider's hook
keeps its client and TLS context private, and its `send_email_smtp` re-sends after a disconnect
and drops refused recipients, which the ledger cannot allow.

smtplib's `sendmail` hides where a failure happened. Here MAIL, RCPT and DATA are separate steps,
so the outcome is exact: refused recipients are returned (a partial refusal still delivers to the
others), 4xx replies and dropped connections before DATA are transient (`deferred`), 5xx replies
are permanent (`failed`), and a connection lost during DATA is `unknown`: the server may have
accepted the message, so it is never re-sent automatically. A reply that means "slow down" (421,
4.7.x, a sending quota: `slow_down`) is flagged: the caller waits instead of counting a failure.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from typing import Any

from alertas_rapidas.delivery.slow_down import means_slow_down
from alertas_rapidas.delivery.states import DeliveryState

log = logging.getLogger(__name__)

DEFAULT_CONN_ID = "smtp_default"  # the SMTP provider's default connection

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


class SmtpSetupError(RuntimeError):
    """The connection settings do not work with the server (TLS, certificate, login): permanent.

    Retrying cannot help until someone fixes the connection, so delivery stops at once.
    """


_SSL_CONTEXTS = (None, "default", "none")  # the provider's values of the `ssl_context` extra


@dataclass(frozen=True)
class SmtpSettings:
    """An SMTP connection's fields, read as the SMTP provider reads them (same extras, defaults)."""

    host: str
    port: int | None
    login: str
    password: str
    timeout: int
    implicit_tls: bool  # `disable_ssl: false` (the provider's default): TLS from the first byte
    starttls: bool  # `disable_tls: false` on a plain connection: STARTTLS, required
    ssl_context: str | None  # "default" (or unset): the system's CAs; "none": no verification
    ca_bundle: str | None  # a PEM file of CAs to trust besides the system's
    retry_limit: int  # connection attempts after the server hangs up at once
    auth_type: str

    @classmethod
    def of(cls, connection: Any) -> SmtpSettings:
        extra = connection.extra_dejson
        implicit_tls = not bool(extra.get("disable_ssl", False))
        return cls(
            host=connection.host or "",
            port=connection.port or None,
            login=connection.login or "",
            password=connection.password or "",
            timeout=int(extra.get("timeout", 30)),
            implicit_tls=implicit_tls,
            # STARTTLS upgrades a plain connection; on an implicit-TLS one the server does not offer it.
            starttls=not bool(extra.get("disable_tls", False)) and not implicit_tls,
            ssl_context=extra.get("ssl_context"),
            ca_bundle=str(extra["ca_bundle"]) if extra.get("ca_bundle") else None,
            retry_limit=int(extra.get("retry_limit", 5)),
            auth_type=str(extra.get("auth_type", "basic")),
        )


def tls_context(settings: SmtpSettings, conn_id: str) -> ssl.SSLContext | None:
    """The TLS context of the connection: the system's CAs (and `ca_bundle`'s), or None when the
    provider's explicit `ssl_context: none` turns verification off."""
    if settings.ssl_context not in _SSL_CONTEXTS:
        raise SmtpSetupError(
            "The connection extra field `ssl_context` must be set to 'default' or 'none' but it is "
            f"set to '{settings.ssl_context}'."
        )
    if settings.ssl_context == "none":
        if settings.ca_bundle:
            raise SmtpSetupError("the connection names a ca_bundle but turns verification off")
        log.warning("SMTP connection %r: TLS certificate verification is off", conn_id)
        return None
    context = ssl.create_default_context()
    if settings.ca_bundle:
        try:
            context.load_verify_locations(cafile=settings.ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise SmtpSetupError(
                f"ca_bundle {settings.ca_bundle!r} cannot be read as PEM certificates: {exc}"
            ) from exc
    return context


class SmtpSession:
    """One SMTP connection's session: connect, secure, log in, then one transaction per `send`.

    `disable_ssl: false` is TLS from the first byte (implicit TLS, usually port 465), `disable_tls:
    false` is STARTTLS on a plain connection (usually port 587), required: a server that does not
    offer it is an error, never a fallback to plain text. The certificate is verified against the
    system's CAs (the provider's `ssl_context` extra, "default"); the `ca_bundle` extra adds a PEM
    file of CAs to trust. A password is never sent unencrypted.
    """

    def __init__(self, smtp_conn_id: str = DEFAULT_CONN_ID) -> None:
        self.smtp_conn_id = smtp_conn_id
        self.smtp_connection: Any = None  # the Airflow connection, once read
        self.settings: SmtpSettings | None = None
        self._client: smtplib.SMTP | None = None
        self._sender: str | None = None  # the connection's from_email, once read

    # The connection's settings as the Alertas page's mail server check shows them.
    @property
    def use_ssl(self) -> bool:
        return self._settings().implicit_tls

    @property
    def smtp_starttls(self) -> bool:
        return self._settings().starttls

    @property
    def smtp_user(self) -> str:
        return self._settings().login

    @property
    def smtp_password(self) -> str:
        return self._settings().password

    def _settings(self) -> SmtpSettings:
        if self.settings is None:
            from airflow.sdk import BaseHook
            from airflow.sdk.exceptions import AirflowNotFoundException

            try:
                self.smtp_connection = BaseHook.get_connection(self.smtp_conn_id)
            except AirflowNotFoundException:  # configuration, not a server that is down: no retry
                raise SmtpSetupError(
                    f"the connection {self.smtp_conn_id!r} is not defined: define it "
                    "(Admin > Connections or AIRFLOW_CONN_" + self.smtp_conn_id.upper() + ")"
                ) from None
            self.settings = SmtpSettings.of(self.smtp_connection)
        return self.settings

    def _connect(self, settings: SmtpSettings) -> smtplib.SMTP:
        """A connected client (TLS from the first byte when the connection says so); a server that
        hangs up at once is tried again, `retry_limit` times."""
        options: dict[str, Any] = {"host": settings.host, "timeout": settings.timeout}
        if settings.port:
            options["port"] = settings.port
        for attempt in range(settings.retry_limit + 1):
            try:
                if settings.implicit_tls:
                    return smtplib.SMTP_SSL(context=tls_context(settings, self.smtp_conn_id), **options)
                return smtplib.SMTP(**options)
            except smtplib.SMTPServerDisconnected:
                if attempt == settings.retry_limit:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def client(self) -> smtplib.SMTP:
        """The session's client: connected, secured and logged in."""
        if self._client is None:
            settings = self._settings()
            if settings.password and not (settings.implicit_tls or settings.starttls):
                raise SmtpSetupError(
                    "the connection has a password but no TLS: set disable_tls: false (STARTTLS) "
                    "or disable_ssl: false (implicit TLS); a password is never sent in plain text"
                )
            if settings.auth_type != "basic":
                raise SmtpSetupError(
                    f"auth_type {settings.auth_type!r} is not supported for alert mail: "
                    "give the connection a login and password"
                )
            client = self._connect(settings)
            try:
                if settings.starttls:
                    client.starttls(context=tls_context(settings, self.smtp_conn_id))
                    client.ehlo()
                if settings.login and settings.password:
                    client.login(settings.login, settings.password)
            except BaseException:
                client.close()
                raise
            self._client = client
        return self._client

    def sender(self) -> str:
        """The envelope sender: the connection's `from_email`, read once per session."""
        if not self._sender:
            from alertas_rapidas.connections import sender_address

            self._sender = sender_address(self.smtp_conn_id)
        return self._sender

    def quit(self) -> None:
        """End the session politely (QUIT), then close it."""
        try:
            if self._client is not None:
                self._client.quit()
        finally:
            self.reset()

    def reset(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            finally:
                self._client = None

    def open(self) -> SendOutcome | None:
        """Connect (TLS and login included); None when ready, else why not, classified."""
        try:
            self.client()
        except SmtpSetupError as exc:  # settings checked before connecting
            self.reset()
            return SendOutcome(DeliveryState.FAILED, str(exc), setup_error=True)
        except Exception as exc:  # refused, unreachable, TLS or login failure
            self.reset()
            return connect_outcome(exc)
        return None

    def check(self) -> None:
        """Connect before anything is claimed: raise `SmtpSetupError` when the settings cannot work.

        A transient problem (server down) is left to `send`, which defers each message.
        """
        problem = self.open()
        if problem is not None and problem.setup_error:
            raise SmtpSetupError(problem.reason)

    def send(self, recipients: list[str], payload: bytes, envelope_sender: str | None = None) -> SendOutcome:
        """One transaction, from `envelope_sender` (default: the connection's `from_email`). A
        refused or lost connection is transient (`deferred`); a TLS, certificate or login problem is
        permanent (`failed`, with `setup_error` set)."""
        problem = self.open()
        if problem is not None:
            return problem
        outcome = send_message(
            self.client(),
            sender=envelope_sender or self.sender(),
            recipients=recipients,
            payload=payload,
        )
        if outcome.connection_lost:
            self.reset()
        if outcome.status == DeliveryState.FAILED and (outcome.response or "").startswith("530"):
            outcome.setup_error = True  # the server wants STARTTLS or a login the connection lacks
            outcome.reason = f"the SMTP server requires TLS or a login first: {outcome.response}"
        return outcome
