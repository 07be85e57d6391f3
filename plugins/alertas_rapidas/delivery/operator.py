"""`AlertEmailOperator`: delivers one rendered batch through `smtp_default`, ledger first."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from typing import Any

from airflow.sdk import BaseOperator

from alertas_rapidas.connections import ALERTS_CONN_ID, SMTP_CONN_ID
from alertas_rapidas.delivery.states import DeliveryState
from alertas_rapidas.schedule.run_context import RunOptions
from alertas_rapidas.storage import storage_path

log = logging.getLogger(__name__)


class AlertEmailOperator(BaseOperator):
    """Send the messages of one rendered batch, each once, recording every outcome.

    `batch` is what the render task returns: the manifest path, message count and run date.
    Transient failures leave messages `deferred` and fail the task, so that Airflow retries it
    with backoff; the retry sends only what is still deferred. Connection settings that cannot
    work (TLS not offered, certificate not trusted, login refused) fail the task without retries:
    nothing more is sent until the connection is fixed and the task cleared.

    The connection's sending limits (`sending_limits`: the connection's extra, else the defaults
    file's) are held across every worker. When the next free slot is further away than the
    limits' `defer_after`, the rest of the batch waits in the ledger (`waiting`, reason
    `rate_limited`) and the task defers on `SendingWindowTrigger`: it holds no worker slot while
    it waits and resumes by itself where it stopped (`resume_delivery`).
    """

    # `batch` is the render task's output (an XComArg, resolved when the task runs): a manifest
    # path, a count and a date. Nothing personal is ever rendered into task fields.
    template_fields = ("batch",)
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        family: str,
        batch: dict[str, Any],
        smtp_conn_id: str = SMTP_CONN_ID,
        alerts_conn_id: str = ALERTS_CONN_ID,
        claim_lease: timedelta = timedelta(minutes=10),
        sending_limits: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.family = family
        self.batch = batch
        self.claim_lease = claim_lease
        self.sending_limits = sending_limits  # the defaults file's (JSON-ready); the connection's win
        self.smtp_conn_id = smtp_conn_id
        self.alerts_conn_id = alerts_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        return self._run(context, None)

    def resume_delivery(self, context: Any, event: Any = None) -> dict[str, Any]:
        """Called when the sending window opens: carry on from where the task deferred."""
        from alertas_rapidas.delivery.loop import Progress

        progress = Progress.read(event.get("progress") if isinstance(event, dict) else None)
        log.info("Sending window open: resuming at message %d of the batch", progress.next + 1)
        return self._run(context, progress)

    def _run(self, context: Any, progress: Any) -> dict[str, Any]:
        from alertas_rapidas.delivery import loop as delivery
        from alertas_rapidas.delivery.sending_limits import SendingLimitsError
        from alertas_rapidas.task_errors import ConfigurationError, recording_failures

        with recording_failures("deliver", context):
            try:
                started = time.perf_counter()
                result = self._deliver(context, progress)
                # the work, beside the task's start-up (not a count: the run summary ignores it)
                return {**result, "seconds": round(time.perf_counter() - started, 3)}
            except delivery.SmtpSetupError as exc:
                raise ConfigurationError(
                    f"SMTP connection {self.smtp_conn_id!r} does not work with the server: {exc}"
                ) from None
            except SendingLimitsError as exc:
                raise ConfigurationError(str(exc)) from None
            except delivery.WaitForSendingWindow as wait:
                from alertas_rapidas.delivery.window_trigger import SendingWindowTrigger

                log.warning("%s; the task gives its worker slot back and resumes by itself", wait)
                self.defer(
                    trigger=SendingWindowTrigger(wait.until, wait.progress.to_dict()),
                    method_name="resume_delivery",
                )

    def _deliver(self, context: Any, progress: Any) -> dict[str, Any]:
        from alertas_rapidas.delivery import loop as delivery
        from alertas_rapidas.delivery.outbox import read_outbox
        from alertas_rapidas.delivery.sending_limits import limits_for
        from alertas_rapidas.ledger import deliveries as ledger

        options = RunOptions.from_params(context.get("params"))
        # the render step's archive; a batch rendered before archives names its manifest
        location = storage_path(self.batch.get("outbox") or self.batch["manifest"])
        outbox = read_outbox(location)
        if options.dry_run:
            log.info("Dry run: %d message(s) left unsent in %s", len(outbox.entries), location.parent)
            return {"dry_run": len(outbox.entries)}
        limits = limits_for(self.smtp_conn_id, self.sending_limits)
        if options.redirect_to:
            counts = delivery.deliver_redirected(
                outbox=outbox,
                redirect_to=options.redirect_to,
                smtp_conn_id=self.smtp_conn_id,
                alerts_conn_id=self.alerts_conn_id,
                limits=limits,
            )
            log.info("Redirected %d message(s) to the test address", counts.get("redirected", 0))
            return counts
        from alertas_rapidas.ledger.recovery import Claimant, task_state_reader

        ti = context["ti"]
        counts = delivery.deliver_with_ledger(
            family=self.family,
            outbox=outbox,
            run_date=date.fromisoformat(self.batch["run_date"]),
            claimant=Claimant.here(
                dag_id=ti.dag_id,
                run_id=ti.run_id,
                task_id=ti.task_id,
                map_index=ti.map_index if ti.map_index is not None else -1,
                try_number=ti.try_number,
            ),
            lease=self.claim_lease,
            state_of=task_state_reader(ti),
            policy_=ledger.ClaimPolicy(
                force_resend=options.force_resend, resend_unknown=options.resend_unknown
            ),
            smtp_conn_id=self.smtp_conn_id,
            alerts_conn_id=self.alerts_conn_id,
            limits=limits,
            progress=progress,
        )
        held = {k: v for k, v in counts.items() if k.startswith("held_")}
        waited = ""
        if counts.get("waited"):
            waited = f", waited {counts['waited']} (until {counts.get('waited_until')})"
        log.info(
            "Batch delivered: sent %d, already sent %d, failed %d, deferred %d, unknown %d%s%s",
            *(counts.get(name, 0) for name in ("sent", "already_sent", "failed", "deferred", "unknown")),
            f", held {held}" if held else "",
            waited,
        )
        if counts.get(DeliveryState.DEFERRED):
            raise delivery.DeliveryDeferred(
                f"{counts[DeliveryState.DEFERRED]} message(s) deferred by transient SMTP failures; "
                "the retry sends only those"
            )
        return counts
