"""The states of a message in the delivery ledger (its `status` column) and how it moves.

`MOVES` is the one table of allowed transitions: which ledger operation takes a message from which
states to which. The SQL of `ledger` and of `ops reopen` binds its states from here; tests check
the table against the CHECK constraint of sql/alerts/migrations/ and against a real ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class DeliveryState(StrEnum):
    PENDING = "pending"  # reopened by ops: the next run of its date sends it
    SENDING = "sending"  # claimed; committed before the SMTP transaction starts
    SENT = "sent"  # accepted by the SMTP server (or carried by a sent digest)
    FAILED = "failed"  # refused for good (5xx, setup error)
    DEFERRED = "deferred"  # transient failure; the task's retry sends it
    UNKNOWN = "unknown"  # connection lost during DATA, or the task stopped: never re-sent by itself
    SKIPPED = "skipped"  # a candidate that got no message; the reason says why
    WAITING = "waiting"  # over a sending limit, or the server said "slow down": sent when it opens
    BOUNCED = "bounced"  # accepted, then a hard bounce came back (a soft one leaves it `sent`)


S = DeliveryState
NEW = None  # no ledger row yet: an INSERT
IN_DIGEST = "in_digest"  # the reason of a row recorded as sent because a sent digest carried it


@dataclass(frozen=True)
class Move:
    """One ledger operation: from any of `sources` (NEW: no row yet) to one of `targets`."""

    sources: frozenset[DeliveryState | None]
    targets: frozenset[DeliveryState]

    def source_states(self) -> list[str]:
        """The existing-row states it moves from, as bound to `status = any(%s)`."""
        return sorted(str(s) for s in self.sources if s is not NEW)


def _move(sources: Iterable[DeliveryState | None], *targets: DeliveryState) -> Move:
    return Move(frozenset(sources), frozenset(targets))


_ANY = set(DeliveryState)

MOVES: dict[str, Move] = {
    # ledger.claim, a normal run: a new message, one reopened, skipped before, deferred or waiting
    "claim": _move({NEW, S.PENDING, S.SKIPPED, S.DEFERRED, S.WAITING}, S.SENDING),
    # ledger.claim with resend_unknown (or force_resend)
    "claim_unknown": _move({S.UNKNOWN}, S.SENDING),
    # ledger.claim with force_resend
    "claim_forced": _move({S.SENT, S.FAILED, S.BOUNCED}, S.SENDING),
    # ledger.record_outcome: how the SMTP transaction ended (waiting: the server said "slow down")
    "outcome": _move({S.SENDING}, S.SENT, S.FAILED, S.DEFERRED, S.UNKNOWN, S.WAITING),
    # ledger.record_waiting: the batch's messages not yet sent when its task gives its worker slot
    # back until a sending limit's window opens (reason `rate_limited`; a claim takes them on)
    "wait": _move({NEW, S.PENDING, S.SKIPPED, S.DEFERRED, S.WAITING}, S.WAITING),
    # ledger.mark_interrupted: an earlier try of the task stopped while sending
    "interrupted": _move({S.SENDING}, S.UNKNOWN),
    # recovery.expire_stranded: the claimant stopped (its task is not running, or its heartbeat is
    # older than the claim lease), whatever run finds it
    "stranded": _move({S.SENDING}, S.UNKNOWN),
    # ledger.record_skips: a new candidate, or one skipped before (its reason refreshed) ...
    "skip": _move({NEW, S.SKIPPED}, S.SKIPPED),
    # ... and a reopened one stays pending (reason refreshed); nothing further along is touched
    "skip_reopened": _move({S.PENDING}, S.PENDING),
    # bounces.record_bounce: a hard bounce of a message the server took (or may have taken)
    "bounce": _move({S.SENT, S.UNKNOWN}, S.BOUNCED),
    # ledger.record_covered: the rows a sent digest carried (reason in_digest)
    "in_digest": _move({NEW, *_ANY}, S.SENT),
    # ops reopen: anything not being sent right now becomes pending
    "reopen": _move(_ANY - {S.SENDING}, S.PENDING),
}

# Where the SMTP outcome of one message may land (smtp_delivery.SendOutcome.status).
OUTCOMES = MOVES["outcome"].targets


def allowed(source: DeliveryState | None, target: DeliveryState) -> bool:
    """Whether some ledger operation moves a message from `source` (NEW: no row) to `target`."""
    return any(source in move.sources and target in move.targets for move in MOVES.values())


def transitions() -> set[tuple[DeliveryState | None, DeliveryState]]:
    """Every allowed (source, target) pair, a message staying where it is excluded."""
    return {
        (source, target)
        for move in MOVES.values()
        for source in move.sources
        for target in move.targets
        if source != target
    }
