"""Deliver rendered messages: ledger claim first, then one SMTP transaction per message.

For each message of a batch manifest: take a send slot of the connection's sending limits
(`send_slots`), claim it in the ledger (committed), send it from its own envelope sender (`verp`),
record the outcome. Messages already sent, or being sent by another run, are not claimed and not
sent. Over the limits, or after a "slow down" reply, the rest of the batch waits in the ledger and
the task defers (`WaitForSendingWindow`), resuming from its `Progress`.
A message left `sending` by a task that stopped (an earlier try of this task, or any task whose
claim expired: see `recovery`) is marked `unknown` (it may have reached the server) and is never
re-sent automatically.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any, TypedDict

from alertas_rapidas.contracts.plan import short_ref
from alertas_rapidas.contracts.tasks import DeliveryResult, ManifestEntry
from alertas_rapidas.delivery.outbox import Outbox
from alertas_rapidas.delivery.sending_limits import SendingLimits
from alertas_rapidas.delivery.smtp_session import SendOutcome, SmtpSession, SmtpSetupError
from alertas_rapidas.delivery.states import DeliveryState
from alertas_rapidas.delivery.verp import bounce_addresses
from alertas_rapidas.ledger import deliveries as ledger
from alertas_rapidas.ledger.recovery import Claimant, StateOf, expire_stranded, heartbeat
from alertas_rapidas.ledger.send_slots import Pacer, SessionLease

log = logging.getLogger(__name__)


class DeliveryDeferred(RuntimeError):
    """Some messages hit a transient failure; the task is retried and sends only those."""


def prepare_payload(raw: bytes, sender: str, redirect_to: str | None = None) -> bytes:
    """A message as rendered, ready to send: with From added when it has none and, in redirect
    mode, To/Cc replaced by one address (only then is it parsed and written again)."""
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


@dataclass
class Progress:
    """Where a deliver task stands in its batch: what a deferred task resumes from.

    `next` is the first entry not yet handled; `counts` what the entries before it came to (wire
    names, as the task returns them); `waited_until` the latest moment the batch waited for
    (ISO 8601, UTC); `slow_downs` the slow-down replies in a row (a server that never stops
    saying it is treated as failing after `MAX_SLOW_DOWNS`). JSON-ready: it travels in the trigger.
    """

    next: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    waited_until: str | None = None
    slow_downs: int = 0

    @classmethod
    def read(cls, data: Mapping[str, Any] | None) -> Progress:
        data = data or {}
        return cls(
            next=int(data.get("next", 0)),
            counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
            waited_until=data.get("waited_until"),
            slow_downs=int(data.get("slow_downs", 0)),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "next": self.next,
            "counts": dict(self.counts),
            "waited_until": self.waited_until,
            "slow_downs": self.slow_downs,
        }


class RunKeys(TypedDict):
    """What the ledger records each message of the run under."""

    family: str
    run_date: date
    dag_id: str
    run_id: str


class WaitForSendingWindow(Exception):  # noqa: N818 (a signal to defer, not an error)
    """The batch must wait longer than `defer_after`: the task gives its worker slot back and
    resumes at `until` (UTC) from `progress`. The messages not yet sent wait in the ledger."""

    def __init__(self, until: datetime, progress: Progress, why: str, waiting: int) -> None:
        super().__init__(f"{waiting} message(s) wait for {why} until {until:%Y-%m-%d %H:%M:%S} UTC")
        self.until, self.progress, self.why, self.waiting = until, progress, why, waiting


MAX_SLOW_DOWNS = 8  # slow-down replies in a row before they count as ordinary transient failures
# Messages claimed together (one statement, one commit) and recorded together (one transaction):
# the most a crash of the task can leave `sending`, then `unknown` (README "When a worker dies").
CLAIM_GROUP = 20


def deliver_with_ledger(
    *,
    family: str,
    outbox: Outbox,
    run_date: date,
    claimant: Claimant,
    policy_: ledger.ClaimPolicy,
    smtp_conn_id: str,
    alerts_conn_id: str,
    lease: timedelta = timedelta(minutes=10),
    state_of: StateOf | None = None,
    limits: SendingLimits | None = None,
    progress: Progress | None = None,
) -> DeliveryResult:
    """Deliver the outbox's messages, ledger first; return the counts (wire names).

    Messages go in groups of up to `CLAIM_GROUP`: the group is claimed in one statement and
    committed before the first of them is sent, each is sent in the task's one SMTP session, and
    the group's outcomes are recorded in one transaction. Before claiming anything, messages this
    family left `sending` under a claimant that stopped become `unknown`
    (`recovery.expire_stranded`); those of this run date are counted as `stranded`, and the run is
    flagged.

    Each message takes a send slot of the connection's `limits` first (`send_slots`). A short
    wait is slept through; a longer one (`defer_after`) records the rest of the batch `waiting`
    and raises `WaitForSendingWindow`, for the task to defer and resume from `progress`. A reply
    meaning "slow down" puts the message back to `waiting` and pauses the connection.
    """
    limits = limits or SendingLimits()
    progress = progress or Progress()
    counts: Counter[str] = Counter(progress.counts)
    session = SmtpSession(smtp_conn_id=smtp_conn_id)
    with ledger.ledger_connection(alerts_conn_id) as conn, heartbeat(conn, claimant, lease):
        orphaned = ledger.mark_interrupted(conn, claim_token=claimant.token, try_number=claimant.try_number)
        if orphaned:
            counts[DeliveryState.UNKNOWN] += orphaned
            log.warning("%d message(s) were being sent when an earlier try stopped: now 'unknown'", orphaned)
        stranded = expire_stranded(conn, lease=lease, family=family, state_of=state_of, keep=claimant)
        recovered = {item.key for item in stranded}
        if any(item.run_date == run_date for item in stranded):
            counts["stranded"] += sum(1 for item in stranded if item.run_date == run_date)
        run = RunKeys(family=family, run_date=run_date, dag_id=claimant.dag_id, run_id=claimant.run_id)
        pacer = Pacer(conn, smtp_conn_id, limits)
        verp = bounce_addresses(smtp_conn_id, conn)  # each message's own envelope sender, or None
        sessions = (
            SessionLease(conn, smtp_conn_id, claimant.token, claimant.try_number, limits.sessions, lease)
            if limits.sessions
            else None
        )

        def wait_or_defer(index: int, seconds: float, why: str, defer: bool = False) -> None:
            """Sleep through a short wait; for a longer one (or with `defer`), the rest of the
            batch waits in the ledger and the task defers (raises WaitForSendingWindow)."""
            if seconds <= limits.defer_after.total_seconds() and not defer:
                time.sleep(seconds)
                return
            until = datetime.now(UTC) + timedelta(seconds=seconds)
            waiting = ledger.record_waiting(
                conn, entries=entries[index:], **run, reason=f"rate_limited: {why}", not_before=until
            )
            counts["waited"] = max(counts["waited"], waiting)
            progress.next, progress.counts = index, {str(k): n for k, n in counts.items()}
            progress.waited_until = max(progress.waited_until or "", until.isoformat())
            raise WaitForSendingWindow(until, progress, why, waiting)

        entries = outbox.entries
        batch = outbox.name  # the archive's name, for the page's `.eml` link

        def release(
            group: list[ManifestEntry], status: DeliveryState, why: str, until: datetime | None = None
        ) -> None:
            """Claimed messages of the group not tried: back to `status` (waiting or deferred)."""
            ledger.record_outcomes(
                conn, [ledger.Outcome(entry.key, status, why, not_before=until) for entry in group]
            )

        try:
            index = progress.next
            if sessions is not None and index < len(entries):
                looked = 0.0
                while not sessions.open():  # another task holds the last one: look again, or defer
                    longest = limits.defer_after.total_seconds()
                    give_up = looked >= longest
                    seconds = max(longest, SESSION_POLL) if give_up else SESSION_POLL
                    wait_or_defer(index, seconds, sessions.describe(), defer=give_up)
                    looked += SESSION_POLL
            if index < len(entries):
                session.check()  # wrong TLS/login settings: stop before claiming anything
            while index < len(entries):
                slots, pause = pacer.take(CLAIM_GROUP, len(entries) - index)
                if not slots:
                    wait_or_defer(index, pause, pacer.blocked_by)
                    continue
                group = entries[index : index + slots]
                tokens = {entry.key: verp.token(entry.key) if verp else None for entry in group}
                states = ledger.claim_group(
                    conn,
                    [
                        ledger.Claim(
                            entry.key,
                            entry.recipient_ref,
                            entry.business_key,
                            list(entry.envelope),
                            entry.message_id,
                            entry.subject,  # manifests written before subjects have none
                            tokens[entry.key],
                            batch,
                        )
                        for entry in group
                    ],
                    **run,
                    claim_token=claimant.token,
                    claim_try=claimant.try_number,
                    policy=policy_,
                )
                outcomes: list[ledger.Outcome] = []
                covered: list[ManifestEntry] = []
                done = len(group)  # entries of the group handled (after a slow-down, the rest go again)
                try:
                    for number, entry in enumerate(group):
                        status = states[entry.key]
                        if status is not None:  # not claimed: sent before, being sent, or held
                            pacer.give_back()
                            if entry.key not in recovered:  # those are counted as stranded
                                in_hand = status in (DeliveryState.SENT, DeliveryState.SENDING)
                                counts["already_sent" if in_hand else f"held_{status}"] += 1
                            continue
                        token = tokens[entry.key]
                        outcome = session.send(
                            list(entry.envelope),
                            prepare_payload(outbox.payload(entry), session.sender()),
                            envelope_sender=verp.address(token) if verp and token else None,
                        )
                        pacer.used()
                        rest = [item for item in group[number + 1 :] if states[item.key] is None]
                        if outcome.slow_down and progress.slow_downs < MAX_SLOW_DOWNS:
                            progress.slow_downs += 1
                            counts["slowed_down"] += 1
                            pause = pacer.slowed_down(outcome.response or outcome.reason or "")
                            until = datetime.now(UTC) + timedelta(seconds=pause)
                            reason = f"rate_limited: {pacer.blocked_by}"
                            outcomes.append(
                                ledger.Outcome(
                                    entry.key, DeliveryState.WAITING, reason, outcome.response, None, until
                                )
                            )
                            for _ in group[number + 1 :]:
                                pacer.give_back()
                            release(rest, DeliveryState.WAITING, reason, until)
                            done = number  # this one (now waiting) and the rest go again after the pause
                            log.warning(
                                "Message %s: the server asked to slow down (%s); every worker on %s "
                                "pauses %.0f s",
                                short_ref(entry.recipient_ref),
                                (outcome.response or "")[:3],
                                smtp_conn_id,
                                pause,
                            )
                            break
                        progress.slow_downs = 0
                        outcomes.append(
                            ledger.Outcome(
                                entry.key,
                                outcome.status,
                                outcome.reason,
                                outcome.response,
                                outcome.refused or None,
                            )
                        )
                        if outcome.status == DeliveryState.SENT and entry.covers:
                            covered.append(entry)
                        counts[outcome.status] += 1
                        counts["refused_recipients"] += len(outcome.refused)
                        if outcome.status != DeliveryState.SENT or outcome.refused:
                            log.warning(
                                "Message %s: %s (%s; %d recipient(s) refused)",
                                short_ref(entry.recipient_ref),
                                outcome.status,
                                outcome.reason or "accepted",
                                len(outcome.refused),
                            )
                        if outcome.setup_error:  # the next messages would fail the same way
                            for _ in group[number + 1 :]:
                                pacer.give_back()
                            release(rest, DeliveryState.DEFERRED, "not sent: " + (outcome.reason or ""))
                            raise SmtpSetupError(outcome.reason)
                finally:
                    with conn.transaction():  # the group's outcomes, and the rows sent digests carry
                        ledger.record_outcomes(conn, outcomes)
                        for entry in covered:
                            ledger.record_covered(
                                conn,
                                recipient_ref=entry.recipient_ref,
                                business_keys=list(entry.covers),
                                message_id=entry.message_id,
                                **run,
                            )
                index += done
        finally:
            session.reset()
            pacer.close()
            if sessions is not None:
                sessions.close()
    result: DeliveryResult = {str(name): n for name, n in counts.items()}
    if progress.waited_until:
        result["waited_until"] = progress.waited_until
    return result


SESSION_POLL = 2.0  # seconds between two looks for a free SMTP session


def deliver_redirected(
    *,
    outbox: Outbox,
    redirect_to: str,
    smtp_conn_id: str,
    alerts_conn_id: str | None = None,
    limits: SendingLimits | None = None,
) -> DeliveryResult:
    """Test mode: every message goes to one address; the ledger is neither read nor written.

    The connection's sending limits still hold (the messages go through the same mailbox): with
    limits, send slots are taken in `alerts_conn_id` and every wait is slept through in the task.
    """
    counts: Counter[str] = Counter()
    session = SmtpSession(smtp_conn_id=smtp_conn_id)
    with ExitStack() as stack:
        pacer = None
        if limits is not None and limits.limited and alerts_conn_id:
            pacer = Pacer(stack.enter_context(ledger.ledger_connection(alerts_conn_id)), smtp_conn_id, limits)
            stack.callback(pacer.close)
        stack.callback(session.reset)
        entries = outbox.entries
        if entries:
            session.check()
        for index, entry in enumerate(entries):
            while pacer is not None and (pause := pacer.wait(len(entries) - index)) > 0:
                time.sleep(pause)
            payload = prepare_payload(outbox.payload(entry), session.sender(), redirect_to)
            outcome = session.send([redirect_to], payload)
            if pacer is not None:
                pacer.used()
            counts["redirected" if outcome.status == DeliveryState.SENT else outcome.status] += 1
            if outcome.setup_error:
                raise SmtpSetupError(outcome.reason)
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
