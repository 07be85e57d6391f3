"""Deliver rendered messages: ledger claim first, then one SMTP transaction per message.

For each message of a batch manifest: claim it in the ledger (committed), send it, record the
outcome. Messages already sent, or being sent by another run, are not claimed and not sent.
A message left `sending` by a task that stopped (an earlier try of this task, or any task whose
claim expired: see `recovery`) is marked `unknown` (it may have reached the server) and is never
re-sent automatically.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections import Counter
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.sdk.exceptions import AirflowNotFoundException

from alertas_rapidas import ledger
from alertas_rapidas.connections import sender_address
from alertas_rapidas.delivery_state import DeliveryState
from alertas_rapidas.messages import short_ref
from alertas_rapidas.recovery import Claimant, StateOf, expire_stranded, heartbeat
from alertas_rapidas.smtp_delivery import SendOutcome, connect_outcome, send_message

log = logging.getLogger(__name__)


class DeliveryDeferred(RuntimeError):
    """Some messages hit a transient failure; the task is retried and sends only those."""


class SmtpSetupError(RuntimeError):
    """The connection settings do not work with the server (TLS, certificate, login): permanent.

    Retrying cannot help until someone fixes the connection, so delivery stops at once.
    """


class SmtpSession(SmtpHook):
    """The provider's hook for the connection settings (host, TLS, login, timeout).

    Sending is done step by step by `send_message`; the hook's own `send_email_smtp` re-sends
    after a disconnect and drops refused recipients, which the ledger cannot allow.

    TLS is the provider's: `disable_ssl: false` is TLS from the first byte (implicit TLS, usually
    port 465), `disable_tls: false` is STARTTLS on a plain connection (usually port 587), required:
    a server that does not offer it is an error, never a fallback to plain text. The certificate is
    verified against the system's CAs (the provider's `ssl_context` extra, "default"); the
    `ca_bundle` extra adds a PEM file of CAs to trust. A password is never sent unencrypted.
    """

    _sender: str | None = None  # the connection's from_email, once read

    @property
    def smtp_starttls(self) -> bool:
        # STARTTLS upgrades a plain connection; on an implicit-TLS one the server does not offer it.
        return super().smtp_starttls and not self.use_ssl

    def _build_ssl_context(self) -> ssl.SSLContext | None:
        try:
            context = super()._build_ssl_context()
        except RuntimeError as exc:  # the provider's check of the `ssl_context` extra
            raise SmtpSetupError(str(exc)) from exc
        bundle = self.conn.extra_dejson.get("ca_bundle")
        if context is None:
            if bundle:
                raise SmtpSetupError("the connection names a ca_bundle but turns verification off")
            log.warning("SMTP connection %r: TLS certificate verification is off", self.smtp_conn_id)
            return None
        if bundle:
            try:
                context.load_verify_locations(cafile=str(bundle))
            except (OSError, ssl.SSLError) as exc:
                raise SmtpSetupError(
                    f"ca_bundle {bundle!r} cannot be read as PEM certificates: {exc}"
                ) from exc
        return context

    def get_conn(self) -> SmtpSession:
        if not self._smtp_client:
            try:
                self.smtp_connection = self.get_connection(self.smtp_conn_id)
            except AirflowNotFoundException:  # configuration, not a server that is down: no retry
                raise SmtpSetupError(
                    f"the connection {self.smtp_conn_id!r} is not defined: define it "
                    "(Admin > Connections or AIRFLOW_CONN_" + self.smtp_conn_id.upper() + ")"
                ) from None
            if self.smtp_password and not (self.use_ssl or self.smtp_starttls):
                raise SmtpSetupError(
                    "the connection has a password but no TLS: set disable_tls: false (STARTTLS) "
                    "or disable_ssl: false (implicit TLS); a password is never sent in plain text"
                )
        super().get_conn()
        return self

    def client(self) -> Any:
        return self.get_conn()._smtp_client

    def sender(self) -> str:
        """The envelope sender: the connection's `from_email`, read once per session."""
        if not self._sender:
            self._sender = sender_address(self.smtp_conn_id)
        return self._sender

    def reset(self) -> None:
        if self._smtp_client is not None:
            try:
                self._smtp_client.close()
            finally:
                self._smtp_client = None

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

    def send(self, recipients: list[str], payload: bytes) -> SendOutcome:
        """One transaction. A refused or lost connection is transient (`deferred`); a TLS,
        certificate or login problem is permanent (`failed`, with `setup_error` set)."""
        problem = self.open()
        if problem is not None:
            return problem
        outcome = send_message(
            self._smtp_client, sender=self.sender(), recipients=recipients, payload=payload
        )
        if outcome.connection_lost:
            self.reset()
        if outcome.status == DeliveryState.FAILED and (outcome.response or "").startswith("530"):
            outcome.setup_error = True  # the server wants STARTTLS or a login the connection lacks
            outcome.reason = f"the SMTP server requires TLS or a login first: {outcome.response}"
        return outcome


def load_payload(eml_path: str, sender: str, redirect_to: str | None = None) -> bytes:
    """The stored message as rendered; with From added when it has none and, in redirect mode,
    To/Cc replaced by one address (only then is it parsed and written again)."""
    from alertas_rapidas.paths import storage_path  # the run folder may be in an object store

    return prepare_payload(storage_path(eml_path).read_bytes(), sender, redirect_to)


def prepare_payload(raw: bytes, sender: str, redirect_to: str | None = None) -> bytes:
    """`load_payload` on bytes already read (a rendered message that is not in a run folder)."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    if not redirect_to and (head.startswith(b"From:") or b"\r\nFrom:" in head):
        return raw
    mail = message_from_bytes(raw, policy=policy.SMTP if raw.isascii() else policy.SMTPUTF8)
    if "From" not in mail:
        mail["From"] = sender
    if redirect_to:
        for header in ("To", "Cc"):
            del mail[header]
        mail["To"] = redirect_to
        subject = str(mail["Subject"])
        del mail["Subject"]
        mail["Subject"] = f"[TEST] {subject}"
    return mail.as_bytes()


def read_manifest(path: str | Path) -> list[dict[str, Any]]:
    from alertas_rapidas.paths import storage_path

    return json.loads(storage_path(path).read_bytes())


def deliver_with_ledger(
    *,
    family: str,
    entries: list[dict[str, Any]],
    run_date: date,
    claimant: Claimant,
    policy_: ledger.ClaimPolicy,
    smtp_conn_id: str,
    alerts_conn_id: str,
    lease: timedelta = timedelta(minutes=10),
    state_of: StateOf | None = None,
) -> dict[str, int]:
    """Deliver the manifest's messages, ledger first; return the counts (wire names).

    Before claiming anything, messages this family left `sending` under a claimant that stopped
    become `unknown` (`recovery.expire_stranded`); those of this run date are counted as
    `stranded`, and the run is flagged."""
    counts: Counter[str] = Counter()
    session = SmtpSession(smtp_conn_id=smtp_conn_id)
    if entries:
        session.check()  # wrong TLS/login settings: stop before claiming anything
    with ledger.ledger_connection(alerts_conn_id) as conn, heartbeat(conn, claimant, lease):
        orphaned = ledger.mark_interrupted(conn, claim_token=claimant.token, try_number=claimant.try_number)
        if orphaned:
            counts[DeliveryState.UNKNOWN] += orphaned
            log.warning("%d message(s) were being sent when an earlier try stopped: now 'unknown'", orphaned)
        stranded = expire_stranded(conn, lease=lease, family=family, state_of=state_of, keep=claimant)
        recovered = {item.key for item in stranded}
        if any(item.run_date == run_date for item in stranded):
            counts["stranded"] += sum(1 for item in stranded if item.run_date == run_date)
        run = {"family": family, "run_date": run_date, "dag_id": claimant.dag_id, "run_id": claimant.run_id}
        try:
            for entry in entries:
                claimed, status = ledger.claim(
                    conn,
                    key=entry["key"],
                    recipient_ref=entry["recipient_ref"],
                    business_key=entry["business_key"],
                    recipients=entry["envelope"],
                    message_id=entry["message_id"],
                    **run,
                    claim_token=claimant.token,
                    claim_try=claimant.try_number,
                    subject=entry.get("subject"),  # manifests written before subjects have none
                    policy=policy_,
                )
                if not claimed:
                    if entry["key"] in recovered:  # counted as stranded above
                        continue
                    in_hand = status in (DeliveryState.SENT, DeliveryState.SENDING)
                    counts["already_sent" if in_hand else f"held_{status}"] += 1
                    continue
                outcome = session.send(entry["envelope"], load_payload(entry["eml"], session.sender()))
                with conn.transaction():  # a sent digest and the rows it carries, together
                    ledger.record_outcome(
                        conn,
                        key=entry["key"],
                        status=outcome.status,
                        reason=outcome.reason,
                        smtp_response=outcome.response,
                        refused=outcome.refused or None,
                    )
                    if outcome.status == DeliveryState.SENT and entry.get("covers"):
                        ledger.record_covered(
                            conn,
                            recipient_ref=entry["recipient_ref"],
                            business_keys=entry["covers"],
                            message_id=entry["message_id"],
                            **run,
                        )
                counts[outcome.status] += 1
                counts["refused_recipients"] += len(outcome.refused)
                if outcome.status != DeliveryState.SENT or outcome.refused:
                    log.warning(
                        "Message %s: %s (%s; %d recipient(s) refused)",
                        short_ref(entry["recipient_ref"]),
                        outcome.status,
                        outcome.reason or "accepted",
                        len(outcome.refused),
                    )
                if outcome.setup_error:  # the next messages would fail the same way
                    raise SmtpSetupError(outcome.reason)
        finally:
            session.reset()
    return {str(name): n for name, n in counts.items()}


def deliver_redirected(
    *, entries: list[dict[str, Any]], redirect_to: str, smtp_conn_id: str
) -> dict[str, int]:
    """Test mode: every message goes to one address; the ledger is neither read nor written."""
    counts: Counter[str] = Counter()
    session = SmtpSession(smtp_conn_id=smtp_conn_id)
    try:
        if entries:
            session.check()
        for entry in entries:
            outcome = session.send([redirect_to], load_payload(entry["eml"], session.sender(), redirect_to))
            counts["redirected" if outcome.status == DeliveryState.SENT else outcome.status] += 1
            if outcome.setup_error:
                raise SmtpSetupError(outcome.reason)
    finally:
        session.reset()
    return {str(name): n for name, n in counts.items()}


def send_test_message(raw: bytes, redirect_to: str, smtp_conn_id: str) -> SendOutcome:
    """One rendered message to one test address, as a `redirect_to` run sends each of its messages
    (To and Cc replaced, "[TEST]" before the subject); the ledger is neither read nor written."""
    session = SmtpSession(smtp_conn_id=smtp_conn_id)
    try:
        problem = session.open()
        if problem is not None:
            return problem
        return session.send([redirect_to], prepare_payload(raw, session.sender(), redirect_to))
    finally:
        session.reset()
