"""A local SMTP server (aiosmtpd) that keeps every message it receives.

Used by the demo (messages written as `.eml` files to a folder with an `index.html` listing
them) and by the tests (messages kept in memory, to assert who got what).

Every message keeps the moment it was received (`received_at`, the end of DATA, `time.time()`):
the tests measure sending rates from it. `Faults` injects refusals, dropped connections and a
provider's "slow down" replies (`SlowDown`).

Plain text by default. For the TLS tests it can also offer STARTTLS (`tls="starttls"`, required
before MAIL) or speak TLS from the first byte (`tls="implicit"`), with a certificate and key the
caller provides, and require a fixed login/password (AUTH PLAIN/LOGIN, only over TLS).
"""

from __future__ import annotations

import asyncio
import html
import logging
import socket
import ssl
import threading
import time
import warnings
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls_version: str | None = None  # e.g. "TLSv1.3" when the session was encrypted, else None
    login: str | None = None  # the authenticated login, when the session authenticated
    received_at: float = field(default_factory=time.time)  # when DATA ended (before the reply)

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def attachments(self) -> list[tuple[str, bytes]]:
        return [(part.get_filename() or "", part.get_content()) for part in self.message.iter_attachments()]


@dataclass
class SlowDown:
    """From the moment the `after`-th message is stored, for `seconds`, every transaction is
    answered with `reply` at `phase` (`mail`, `rcpt` or `data`) instead of going through, as a
    provider over its rate does; a 421 reply also closes the connection, as RFC 5321 says."""

    after: int
    reply: str = "421 4.7.0 Try again later, closing connection."
    phase: str = "mail"
    seconds: float = 2.0
    started: float | None = None
    answered: int = 0  # transactions that got the reply

    def applies(self, phase: str) -> bool:
        if phase != self.phase or self.started is None:
            return False
        if time.monotonic() - self.started >= self.seconds:
            return False
        self.answered += 1
        return True


@dataclass
class Faults:
    """Failures the sink can be told to inject (tests of delivery guarantees)."""

    refuse_recipients: dict[str, str] = field(default_factory=dict)  # address -> SMTP reply, e.g. "550 ..."
    data_reply: str | None = None  # reply to the end of DATA instead of accepting, e.g. "451 ..."
    drop_after_data: bool = False  # store the message, then close the connection without replying
    on_data: Any = None  # called with the number of messages stored so far, before replying
    slow_down: SlowDown | None = None  # a provider's "slow down" replies after N messages

    def reset(self) -> None:
        self.refuse_recipients.clear()
        self.data_reply = None
        self.drop_after_data = False
        self.on_data = None
        self.slow_down = None


# Shows only the rows of the family picked in the drop-down (remembered in the URL's #fragment).
FILTER_SCRIPT = (
    "<script>(function(){var pick=document.getElementById('family'),"
    "shown=document.getElementById('shown'),"
    "rows=document.querySelectorAll('#messages tbody tr');"
    "function apply(){var f=pick.value,n=0;for(var i=0;i<rows.length;i++){"
    "var on=f===''||rows[i].getAttribute('data-family')===f;rows[i].style.display=on?'':'none';"
    "if(on){n++;}}shown.textContent=n+' shown';"
    "if(history.replaceState){history.replaceState(null,'',f?'#'+encodeURIComponent(f):'#');}}"
    "var start='';try{start=decodeURIComponent(location.hash.slice(1));}catch(e){}"
    "for(var j=0;j<pick.options.length;j++){if(pick.options[j].value===start){pick.value=start;}}"
    "pick.addEventListener('change',apply);apply();})();</script>"
)


@dataclass
class MailStore:
    """What the sink received; optionally mirrored to a folder of `.eml` files."""

    folder: Path | None = None
    messages: list[ReceivedMessage] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    logins: list[tuple[str, bool]] = field(default_factory=list)  # (login, accepted), every AUTH
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: ReceivedMessage) -> None:
        with self._lock:
            self.messages.append(item)
            number = len(self.messages)
            slow_down = self.faults.slow_down
            if slow_down is not None and number == slow_down.after:
                slow_down.started = time.monotonic()
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{number:05d}.eml").write_bytes(item.data)
            self.write_index()

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.logins.clear()
        self.faults.reset()

    def write_index(self) -> None:
        """An index.html listing every stored message: family, recipients, subject, attachments,
        with a drop-down that shows only one family's rows (inline script, works from file://)."""
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        rows = []
        families: set[str] = set()
        for number, item in enumerate(list(self.messages), start=1):
            family = str(item.message["X-Alertas-Family"] or "(none)")  # not an alert of this package
            families.add(family)
            names = ", ".join(name for name, _ in item.attachments())
            rows.append(
                "<tr data-family='{family}'><td><a href='{n:05d}.eml'>{n:05d}.eml</a></td><td>{family}</td>"
                "<td>{to}</td><td>{subject}</td><td>{files}</td></tr>".format(
                    n=number,
                    family=html.escape(family, quote=True),
                    to=html.escape(", ".join(item.rcpt_tos)),
                    subject=html.escape(item.subject),
                    files=html.escape(names),
                )
            )
        options = "".join(
            f"<option value='{html.escape(name, quote=True)}'>{html.escape(name)}</option>"
            for name in sorted(families)
        )
        page = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Alertas Rápidas — mail</title>"
            "<style>body{font-family:sans-serif}td,th{padding:4px 8px;border-bottom:1px solid #ddd}"
            "th{text-align:left}</style></head><body><h1>Messages received by the local SMTP sink</h1>"
            f"<p>{len(rows)} message(s) from {len(families)} famil{'y' if len(families) == 1 else 'ies'}. "
            "Open a .eml file with a mail client to read it.</p>"
            "<p><label for='family'>Family: </label><select id='family'>"
            f"<option value=''>all families</option>{options}</select> <span id='shown'></span></p>"
            "<table id='messages'><thead><tr><th>file</th><th>family</th><th>envelope recipients</th>"
            "<th>subject</th><th>attachments</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
            + FILTER_SCRIPT
            + "</body></html>"
        )
        (self.folder / "index.html").write_text(page, encoding="utf-8")


class _Handler:
    def __init__(self, store: MailStore) -> None:
        self.store = store

    def _slowed_down(self, server: Any, phase: str) -> str | None:
        """The slow-down reply for this step, when one applies (a 421 closes the connection)."""
        slow_down = self.store.faults.slow_down
        if slow_down is None or not slow_down.applies(phase):
            return None
        if slow_down.reply.startswith("421") and server.transport is not None:
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        return slow_down.reply

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        refusal = self._slowed_down(server, "mail")
        if refusal:
            return refusal
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        slowed = self._slowed_down(server, "rcpt")
        if slowed:
            return slowed
        refusal = self.store.faults.refuse_recipients.get(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        faults = self.store.faults
        if faults.data_reply:
            return faults.data_reply
        slowed = self._slowed_down(server, "data")
        if slowed:
            return slowed
        tls = server.transport.get_extra_info("ssl_object") if server.transport else None
        self.store.add(
            ReceivedMessage(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content or envelope.content),
                tls_version=tls.version() if tls is not None else None,
                login=session.auth_data if session.authenticated else None,
            )
        )
        if faults.on_data is not None:
            faults.on_data(len(self.store.messages))
        if faults.drop_after_data:
            server.transport.close()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Authenticator:
    """Accepts one fixed login/password; records every attempt in the store."""

    def __init__(self, store: MailStore, login: str, password: str) -> None:
        self.store, self.login, self.password = store, login, password

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode("utf-8", "replace")
        ok = login == self.login and auth_data.password.decode("utf-8", "replace") == self.password
        with self.store._lock:
            self.store.logins.append((login, ok))
        return AuthResult(success=True, auth_data=login) if ok else AuthResult(success=False, handled=False)


def server_tls_context(certfile: Path | str, keyfile: Path | str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(certfile), str(keyfile))
    return context


class _Controller(Controller):
    def factory(self) -> Any:
        # An implicit-TLS server with AUTH makes aiosmtpd warn "Requiring AUTH while not requiring
        # TLS" on every connection: it counts only STARTTLS as TLS. The session is encrypted.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            return super().factory()


def _not_deprecation_noise(record: logging.LogRecord) -> bool:
    return "login_data is deprecated" not in record.getMessage()  # aiosmtpd, on every AUTH


class MailSink:
    """Start/stop an aiosmtpd server on loopback; `store` holds what it received.

    `tls`: "none" (plain text, the default), "starttls" (STARTTLS offered and required before
    MAIL and AUTH) or "implicit" (TLS from the first byte); `certfile`/`keyfile` are needed for
    both. `login`/`password`: AUTH required, with that pair only, and only over TLS.
    """

    def __init__(
        self,
        folder: Path | None = None,
        port: int | None = None,
        handler: Any = None,
        *,
        tls: str = "none",
        certfile: Path | str | None = None,
        keyfile: Path | str | None = None,
        login: str | None = None,
        password: str | None = None,
    ) -> None:
        if tls not in ("none", "starttls", "implicit"):
            raise ValueError(f"tls must be 'none', 'starttls' or 'implicit', not {tls!r}")
        self.store = MailStore(folder=folder)
        self.port = port or free_port()
        self.tls = tls
        options: dict[str, Any] = {}
        if tls != "none":
            if certfile is None or keyfile is None:
                raise ValueError(f"tls={tls!r} needs a certfile and a keyfile")
            context = server_tls_context(certfile, keyfile)
            if tls == "starttls":
                options.update(tls_context=context, require_starttls=True)
            else:
                options.update(ssl_context=context)
        if login is not None:
            options.update(
                authenticator=_Authenticator(self.store, login, password or ""),
                auth_required=True,
                # AUTH only after STARTTLS; aiosmtpd counts only STARTTLS as TLS, so an implicit-TLS
                # server (encrypted from the first byte) must not ask for it or it never offers AUTH.
                auth_require_tls=tls != "implicit",
            )
        self.controller = _Controller(
            handler or _Handler(self.store),
            hostname="127.0.0.1",
            port=self.port,
            enable_SMTPUTF8=True,
            **options,
        )

    def __enter__(self) -> MailSink:
        # aiosmtpd logs every SMTP command at INFO, addresses included: costly and personal.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        if _not_deprecation_noise not in logging.getLogger("mail.log").filters:
            logging.getLogger("mail.log").addFilter(_not_deprecation_noise)
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def connection_json(
        self,
        from_email: str = "alertas@autosur.example.com",
        *,
        login: str | None = None,
        password: str | None = None,
        ca_bundle: Path | str | None = None,
    ) -> str:
        """The `smtp_default` connection for this sink, in JSON form (extras typed).

        The TLS extras follow the sink's mode: plain text has both TLS settings disabled,
        STARTTLS has `disable_tls: false`, implicit TLS `disable_ssl: false`.
        """
        import json

        connection: dict[str, Any] = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": self.port,
            "extra": {
                "disable_ssl": self.tls != "implicit",
                "disable_tls": self.tls != "starttls",
                "from_email": from_email,
                "timeout": 10,
                "retry_limit": 0,
            },
        }
        if login is not None:
            connection.update(login=login, password=password)
        if ca_bundle is not None:
            connection["extra"]["ca_bundle"] = str(ca_bundle)
        return json.dumps(connection)
