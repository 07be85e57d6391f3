"""Send slots: a connection's sending limits, held across every worker through the ledger.

Before each message a deliver task needs a slot. It reserves several at once, in one round trip
(`alerts.reserve_send_slots`: as many as every window of the connection still allows, up to
`GROUP`), uses them one by one, and hands them back with the moment each SMTP transaction ended
(in the database's clock: when the reservation call arrived plus the time measured here since
just before asking, so never earlier than the real end). A window of length W counts the slots used in
the last W, plus the slots reserved and not yet handed back; so the server never receives more
than the limit in any W, whichever workers send (sql/alerts/migrations/0008_sending_limits.sql).

When no slot is free the pacer says how long until one frees; the caller sleeps through short
waits and defers through long ones (`delivery`). A reply that means "slow down" (`slow_down`)
pauses every worker on the connection (`alerts.slow_down_connection`), longer after each one.
A connection with no limits costs one query per deliver task (is a back-off running?).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from alertas_rapidas.delivery.sending_limits import SendingLimits
from alertas_rapidas.delivery.slow_down import reply_codes

GROUP = 20  # slots reserved in one round trip, at most
HOLD = timedelta(minutes=2)  # a reserved slot is used within this, or counted as used at its end
_HOLD_MARGIN = 10.0  # seconds: a slot this close to the end of its hold is not used any more
MIN_WAIT = 0.002  # seconds: the shortest wait reported (a slot about to free)


class Pacer:
    """The send slots of one deliver task on one connection (see the module's docstring)."""

    def __init__(self, conn: Any, conn_id: str, limits: SendingLimits, group: int = GROUP) -> None:
        self.conn, self.conn_id, self.limits = conn, conn_id, limits
        windows = limits.rate_windows()
        self._windows = [length for length, _ in windows]
        self._counts = [count for _, count in windows]
        self.group = max(1, min([group, *self._counts]))
        self._reservation: int | None = None
        self._granted = 0
        self._taken = 0  # slots of the reservation handed out
        self._in_hand = 0  # slots handed out and not yet used or given back
        self._used: list[datetime] = []  # when each used slot's transaction ended (database clock)
        self._base: tuple[datetime, float] | None = None  # (database clock, monotonic before asking)
        self._paused_until = 0.0  # monotonic: a slow-down back-off
        self.blocked_by = ""  # why the last wait: for the ledger's reason and the log
        if not self._windows:
            self._ask(0)  # is a back-off running? (the only query a connection without limits costs)

    # -- the slots --------------------------------------------------------------------------------

    def wait(self, remaining: int) -> float:
        """Seconds until the next message may go; 0.0 when a slot is now held for it."""
        now = time.monotonic()
        if self._paused_until > now:
            return self._paused_until - now
        if not self._windows:
            self._in_hand += 1
            return 0.0
        if self._reserved_free():
            self._taken += 1
            self._in_hand += 1
            return 0.0
        if self._in_hand:  # asking anew hands the reservation back: not while slots are in hand
            return MIN_WAIT
        return self._ask(max(1, min(remaining, self.group)))

    def take(self, most: int, remaining: int) -> tuple[int, float]:
        """Up to `most` slots into hand at once, for a group of messages claimed together: (how
        many, 0.0), at least one; or (0, seconds until the next may go). Only the first may
        reserve anew: the others come from the reservation in hand."""
        pause = self.wait(remaining)
        if pause > 0:
            return 0, pause
        taken = 1
        while taken < most and (not self._windows or self._reserved_free()):
            if self._windows:
                self._taken += 1
            self._in_hand += 1
            taken += 1
        return taken, 0.0

    def _reserved_free(self) -> bool:
        """Whether the reservation in hand has a slot left that may still be used."""
        if self._base is None or self._taken >= self._granted:
            return False
        return time.monotonic() - self._base[1] < HOLD.total_seconds() - _HOLD_MARGIN

    def used(self) -> None:
        """A slot in hand carried a transaction, which ended now."""
        if self._in_hand and self._windows and self._base is not None:
            db_clock, asked = self._base
            self._used.append(db_clock + timedelta(seconds=time.monotonic() - asked))
        self._in_hand = max(0, self._in_hand - 1)

    def give_back(self) -> None:
        """A slot in hand was not used (the message was not claimed or tried): the next takes it."""
        if self._in_hand and self._windows:
            self._taken -= 1
        self._in_hand = max(0, self._in_hand - 1)

    def close(self) -> None:
        """Hand the reservation back: used slots with their times, the rest freed."""
        while self._in_hand:
            self.used()  # it may have carried a transaction: count it
        if self._reservation is not None:
            self._ask(0)

    # -- slow-down replies ------------------------------------------------------------------------

    def slowed_down(self, reply: str) -> float:
        """The server said "slow down": every worker on the connection pauses; returns how long."""
        codes = reply_codes(reply) or "no reply code"
        until, db_now = self.conn.execute(
            "select alerts.slow_down_connection(%s, %s, %s, %s), clock_timestamp()",
            (self.conn_id, self.limits.slow_down_backoff, self.limits.slow_down_max, codes),
        ).fetchone()
        pause = max((until - db_now).total_seconds(), MIN_WAIT)
        self._paused_until = time.monotonic() + pause
        self.blocked_by = f"slow-down reply from the server ({codes})"
        return pause

    # -- the database -----------------------------------------------------------------------------

    def _ask(self, want: int) -> float:
        """Hand back the current reservation and reserve `want` slots (0: only hand back)."""
        before = time.monotonic()
        row = self.conn.execute(
            "select reservation, granted, db_now, retry_at, blocked_by"
            "  from alerts.reserve_send_slots(%s, %s, %s, %s, %s, %s, %s)",
            (
                self.conn_id,
                want,
                self._windows,
                self._counts,
                HOLD,
                self._reservation,
                self._used or None,
            ),
        ).fetchone()
        reservation, granted, db_now, retry_at, blocked_by = row
        self._reservation, self._granted, self._taken, self._used = reservation, granted, 0, []
        self._base = (db_now, before)
        if granted:
            self._taken, self._in_hand = 1, self._in_hand + 1
            return 0.0
        # the time already gone since asking counts (the database's clock read no earlier than then)
        pause = max((retry_at - db_now).total_seconds() - (time.monotonic() - before), 0.0)
        if blocked_by == "slow down":
            self._paused_until = before + pause
            self.blocked_by = "a slow-down reply from the server"
        elif blocked_by:
            self.blocked_by = (
                f"sending limit {self.limits.describe()} of {self.conn_id} ({blocked_by} window full)"
            )
        return max(pause, MIN_WAIT) if want else pause


class SessionLease:
    """One of a connection's `sessions` open SMTP sessions, held by a deliver task's try."""

    def __init__(self, conn: Any, conn_id: str, token: str, try_number: int, most: int, lease: timedelta):
        self.conn, self.conn_id, self.token, self.try_number = conn, conn_id, token, try_number
        self.most, self.lease = most, lease
        self.held = False

    def open(self) -> bool:
        """Take a session when fewer than `most` are open (sessions of stopped tasks do not count)."""
        self.held = bool(
            self.conn.execute(
                "select alerts.open_smtp_session(%s, %s, %s, %s, %s)",
                (self.conn_id, self.token, self.try_number, self.most, self.lease),
            ).fetchone()[0]
        )
        return self.held

    def close(self) -> None:
        if self.held:
            self.conn.execute(
                "delete from alerts.smtp_sessions where conn_id = %s and claim_token = %s and claim_try = %s",
                (self.conn_id, self.token, self.try_number),
            )
            self.held = False

    def describe(self) -> str:
        return f"{self.most} SMTP session(s) already open on {self.conn_id}"
