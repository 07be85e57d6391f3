"""`AlertEmailOperator`: delivers one rendered batch through `smtp_default`, ledger first.

For each message of the batch's manifest: claim it in the ledger (committed), send it in one
SMTP transaction, record the outcome. Messages already sent (or being sent by another run) are
not claimed and not sent. Transient failures leave the message `deferred` and fail the task so
that Airflow retries it with backoff; the retry sends only what is still deferred.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from airflow.providers.smtp.hooks.smtp import SmtpHook
from airflow.sdk import BaseOperator

from alertas_rapidas.connections import ALERTS_CONN_ID, SMTP_CONN_ID
from alertas_rapidas.messages import short_ref
from alertas_rapidas.run_context import RunOptions

log = logging.getLogger(__name__)


class DeliveryDeferred(RuntimeError):
    """Some messages hit a transient failure; the task is retried."""


class _SmtpSession(SmtpHook):
    """The provider's hook for connection settings (host, TLS, login, timeout); sending is ours."""

    def client(self) -> Any:
        return self.get_conn()._smtp_client

    def reset(self) -> None:
        if self._smtp_client is not None:
            try:
                self._smtp_client.close()
            finally:
                self._smtp_client = None


class AlertEmailOperator(BaseOperator):
    """Send the messages of one rendered batch, each once, recording every outcome."""

    template_fields = ()  # nothing personal is ever rendered into task fields
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        family: str,
        batch: dict[str, Any],
        smtp_conn_id: str = SMTP_CONN_ID,
        alerts_conn_id: str = ALERTS_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.family = family
        self.batch = batch
        self.smtp_conn_id = smtp_conn_id
        self.alerts_conn_id = alerts_conn_id

    def execute(self, context: Any) -> dict[str, int]:
        options = RunOptions.from_params(context.get("params"))
        entries = json.loads(Path(self.batch["manifest"]).read_text(encoding="utf-8"))
        if options.dry_run:
            log.info(
                "Dry run: %d message(s) left unsent in %s", len(entries), Path(self.batch["manifest"]).parent
            )
            return {"dry_run": len(entries)}
        if options.redirect_to:
            return self._send_redirected(entries, options.redirect_to)
        return self._send_with_ledger(entries, options, context)

    def _send_with_ledger(
        self, entries: list[dict[str, Any]], options: RunOptions, context: Any
    ) -> dict[str, int]:
        from alertas_rapidas import ledger
        from alertas_rapidas.smtp_delivery import SendOutcome, send_message

        counts: Counter[str] = Counter()
        policy_ = ledger.ClaimPolicy(force_resend=options.force_resend, resend_unknown=options.resend_unknown)
        run_date = date.fromisoformat(self.batch["run_date"])
        dag_id, run_id = context["dag"].dag_id, context["run_id"]
        session = _SmtpSession(smtp_conn_id=self.smtp_conn_id)
        with ledger.ledger_connection(self.alerts_conn_id) as conn:
            try:
                for entry in entries:
                    claimed, status = ledger.claim(
                        conn,
                        key=entry["key"],
                        family=self.family,
                        recipient_ref=entry["recipient_ref"],
                        business_key=entry["business_key"],
                        recipients=entry["envelope"],
                        run_date=run_date,
                        dag_id=dag_id,
                        run_id=run_id,
                        message_id=entry["message_id"],
                        policy=policy_,
                    )
                    if not claimed:
                        counts["already_sent" if status in ("sent", "sending") else f"held_{status}"] += 1
                        continue
                    try:
                        client = session.client()
                    except Exception as exc:  # refused, unreachable, TLS or login failure
                        outcome = SendOutcome(
                            "deferred", f"cannot connect to SMTP server: {type(exc).__name__}"
                        )
                        session.reset()
                    else:
                        outcome = send_message(
                            client,
                            sender=self._sender(session),
                            recipients=entry["envelope"],
                            payload=self._payload(entry, session),
                        )
                        if outcome.connection_lost:
                            session.reset()
                    ledger.record_outcome(
                        conn,
                        key=entry["key"],
                        status=outcome.status,
                        reason=outcome.reason,
                        smtp_response=outcome.response,
                        refused=outcome.refused or None,
                    )
                    counts[outcome.status] += 1
                    counts["refused_recipients"] += len(outcome.refused)
                    if outcome.status != "sent":
                        log.warning(
                            "Message %s %s: %s",
                            short_ref(entry["recipient_ref"]),
                            outcome.status,
                            outcome.reason,
                        )
            finally:
                session.reset()
        held = {k: v for k, v in counts.items() if k.startswith("held_")}
        log.info(
            "Batch delivered: sent %d, already sent %d, failed %d, deferred %d, unknown %d%s",
            counts["sent"],
            counts["already_sent"],
            counts["failed"],
            counts["deferred"],
            counts["unknown"],
            f", held {held}" if held else "",
        )
        if counts["deferred"]:
            raise DeliveryDeferred(
                f"{counts['deferred']} message(s) deferred by transient SMTP failures; "
                "the retry sends only those"
            )
        return dict(counts)

    def _send_redirected(self, entries: list[dict[str, Any]], redirect_to: str) -> dict[str, int]:
        """Test mode: every message goes to one address; the ledger is not read or written."""
        from alertas_rapidas.smtp_delivery import send_message

        counts: Counter[str] = Counter()
        session = _SmtpSession(smtp_conn_id=self.smtp_conn_id)
        try:
            for entry in entries:
                outcome = send_message(
                    session.client(),
                    sender=self._sender(session),
                    recipients=[redirect_to],
                    payload=self._payload(entry, session, redirect_to=redirect_to),
                )
                counts["redirected" if outcome.status == "sent" else outcome.status] += 1
        finally:
            session.reset()
        log.info("Redirected %d message(s) to the test address", counts["redirected"])
        return dict(counts)

    @staticmethod
    def _sender(session: _SmtpSession) -> str:
        sender = session.from_email
        if not sender:
            raise ValueError(
                f"connection {session.smtp_conn_id!r} has no 'from_email' extra: set it to the "
                "address alerts are sent from"
            )
        return sender

    def _payload(self, entry: dict[str, Any], session: _SmtpSession, redirect_to: str | None = None) -> bytes:
        mail = message_from_bytes(Path(entry["eml"]).read_bytes(), policy=policy.SMTP)
        if "From" not in mail:
            mail["From"] = self._sender(session)
        if redirect_to:
            for header in ("To", "Cc"):
                del mail[header]
            mail["To"] = redirect_to
            subject = str(mail["Subject"])
            del mail["Subject"]
            mail["Subject"] = f"[TEST] {subject}"
        return mail.as_bytes()
