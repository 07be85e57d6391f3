"""Claims that expire honestly: a message left `sending` by a task that stopped becomes `unknown`.

A deliver task claims a message (`sending`, committed) before its SMTP transaction. When the
task dies in the middle (a killed worker, a crashed ledger database, a lost machine), the row
would stay `sending` for good and every later run would count it as sent. So:

- each deliver task registers itself as a **claimant** in `alerts.claimants` (task instance and
  try, host, process) and a background thread keeps its `heartbeat_at` fresh while it runs;
- at the start of every deliver task, in `summarize` and in the `alertas_housekeeping` DAG, any
  `sending` row whose claimant is no longer running becomes `unknown`, with a reason naming the
  claimant. No longer running: Airflow says its task instance is not running (failed, up for
  retry, success, ...), or its heartbeat is older than the family's `claim_lease`. A claim held
  by a task that is really running is never taken: its task instance runs and its heartbeat is
  fresh.

`unknown` is never re-sent by itself: `ops reopen` or `resend_unknown` decide (README,
"Recovery"). Reasons and logs name task instances and hosts, never recipients.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from alertas_rapidas.delivery.states import MOVES, DeliveryState

log = logging.getLogger(__name__)

STRANDED = "stranded"  # the reason's first word: the claimant stopped while sending
# Task-instance states in which a claim's try may still be sending.
LIVE_STATES = frozenset({"running"})

# (claimant) -> the state Airflow records for its task instance, or None when it cannot tell
StateOf = Callable[["Claimant"], str | None]


@dataclass(frozen=True)
class Claimant:
    """Who claims: one try of one task instance, on a host and in a process."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    host: str = ""
    pid: int = 0

    @classmethod
    def here(cls, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int) -> Claimant:
        return cls(dag_id, run_id, task_id, map_index, try_number, socket.gethostname(), os.getpid())

    @property
    def token(self) -> str:
        return f"{self.dag_id}|{self.run_id}|{self.task_id}|{self.map_index}"

    @classmethod
    def from_token(cls, token: str, try_number: int, host: str = "", pid: int = 0) -> Claimant:
        dag_id, run_id, task_id, map_index = token.split("|", 3)
        return cls(dag_id, run_id, task_id, int(map_index), try_number, host, pid)

    def describe(self) -> str:
        index = f"[{self.map_index}]" if self.map_index >= 0 else ""
        where = f" on host {self.host}" if self.host else ""
        return f"{self.dag_id} run {self.run_id} task {self.task_id}{index} try {self.try_number}{where}"


def register(conn: Any, claimant: Claimant) -> None:
    """Record the claimant (again on a retry: a new try is a new claimant), heartbeat now."""
    conn.execute(
        """
        insert into alerts.claimants
            (claim_token, claim_try, dag_id, run_id, task_id, map_index, host, pid)
        values (%s, %s, %s, %s, %s, %s, %s, %s)
        on conflict (claim_token, claim_try) do update
            set host = excluded.host, pid = excluded.pid, started_at = now(), heartbeat_at = now()
        """,
        (
            claimant.token,
            claimant.try_number,
            claimant.dag_id,
            claimant.run_id,
            claimant.task_id,
            claimant.map_index,
            claimant.host,
            claimant.pid,
        ),
    )


def heartbeat_interval(lease: timedelta) -> float:
    """Seconds between heartbeats: four beats a lease, at least one second, at most a minute."""
    return min(60.0, max(1.0, lease.total_seconds() / 4))


@contextmanager
def heartbeat(conn: Any, claimant: Claimant, lease: timedelta) -> Generator[None, None, None]:
    """Keep the claimant's heartbeat fresh from a background thread while the block runs.

    The thread has a connection of its own (a psycopg connection serves one thread), opened with
    the parameters of `conn`; when the ledger is unreachable it says so once and tries again at the
    next beat. The beat stops with the block, or with the process.
    """
    import psycopg

    params = conn.info.get_parameters()
    if conn.info.password:
        params["password"] = conn.info.password
    stop = threading.Event()
    every = heartbeat_interval(lease)

    def beat() -> None:
        beating: Any = None
        failing = False
        while not stop.wait(every):
            try:
                if beating is None or beating.closed:
                    beating = psycopg.connect(autocommit=True, connect_timeout=10, **params)
                beating.execute(
                    "update alerts.claimants set heartbeat_at = now()"
                    " where claim_token = %s and claim_try = %s",
                    (claimant.token, claimant.try_number),
                )
                failing = False
            except Exception as exc:  # the ledger is down: the claim ages; say it once
                if not failing:
                    log.warning("Claim heartbeat: the ledger cannot be reached (%s)", type(exc).__name__)
                failing = True
                if beating is not None:
                    beating.close()
                beating = None
        if beating is not None:
            beating.close()

    register(conn, claimant)
    thread = threading.Thread(target=beat, name="alertas-claim-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


@dataclass(frozen=True)
class Stranded:
    """A message that was `sending` for a claimant that stopped, now `unknown`."""

    key: str
    family: str
    run_date: date | None
    recipient_ref: str
    business_key: str
    reason: str


def expire_stranded(
    conn: Any,
    *,
    lease: timedelta | Callable[[str], timedelta],
    family: str | None = None,
    state_of: StateOf | None = None,
    keep: Claimant | None = None,
) -> list[Stranded]:
    """Turn every `sending` row whose claimant stopped into `unknown`; return those rows.

    `family` limits the look to one family (None: every family). `lease` is the claim lease, or a
    function of the family giving it. `state_of` asks Airflow for a claimant's task-instance
    state (None where no task context can ask: the lease alone decides). `keep` is the caller's
    own claimant, never expired by itself.
    """
    rows = conn.execute(
        """
        select d.family, d.claim_token, d.claim_try, max(c.host), max(c.pid),
               extract(epoch from now() - max(coalesce(c.heartbeat_at, d.claimed_at, d.updated_at)))
          from alerts.deliveries d
          left join alerts.claimants c on c.claim_token = d.claim_token and c.claim_try = d.claim_try
         where d.status = %(sending)s and (%(family)s::text is null or d.family = %(family)s)
         group by d.family, d.claim_token, d.claim_try
        """,
        {"sending": DeliveryState.SENDING, "family": family},
    ).fetchall()
    stale: dict[tuple[str | None, int | None], str] = {}
    for row_family, token, try_number, host, pid, silent_seconds in rows:
        if (token, try_number) in stale:
            continue
        claimant = _claimant(token, try_number, host, pid)
        if (
            keep is not None
            and claimant is not None
            and (claimant.token, claimant.try_number)
            == (
                keep.token,
                keep.try_number,
            )
        ):
            continue
        why = _why_stopped(
            claimant,
            float(silent_seconds or 0),
            lease(row_family) if callable(lease) else lease,
            state_of,
        )
        if why is not None:
            stale[(token, try_number)] = why
    expired: list[Stranded] = []
    for (token, try_number), why in stale.items():
        expired += _expire(conn, token, try_number, why, family)
    for item in expired:
        log.warning("Message of %s for %s: %s", item.family, item.run_date, item.reason)
    return expired


def _claimant(
    token: str | None, try_number: int | None, host: str | None, pid: int | None
) -> Claimant | None:
    if not token or try_number is None or token.count("|") < 3:
        return None  # claimed by hand or by a tool outside a task: the lease alone decides
    return Claimant.from_token(token, try_number, host or "", pid or 0)


def _why_stopped(
    claimant: Claimant | None, silent_seconds: float, lease: timedelta, state_of: StateOf | None
) -> str | None:
    """Why the claim is dead (the reason recorded on its rows), or None while it may be alive."""
    who = claimant.describe() if claimant else "a claimant with no task"
    if silent_seconds > lease.total_seconds():
        return (
            f"{STRANDED}: claimed by {who}, silent for {int(silent_seconds)} s (claim lease "
            f"{int(lease.total_seconds())} s); outcome unknown"
        )
    if claimant is None or state_of is None:
        return None
    try:
        state = state_of(claimant)
    except Exception as exc:  # Airflow cannot tell: the lease decides
        log.info("Claimant state unavailable (%s): the claim lease decides", type(exc).__name__)
        return None
    if state is None or state in LIVE_STATES:
        return None
    return f"{STRANDED}: claimed by {who}, whose task is {state}; outcome unknown"


def _expire(
    conn: Any, token: str | None, try_number: int | None, why: str, family: str | None
) -> list[Stranded]:
    rows = conn.execute(
        """
        update alerts.deliveries
           set status = %(unknown)s, reason = %(why)s, updated_at = now()
         where status = any(%(sources)s)
           and claim_token is not distinct from %(token)s and claim_try is not distinct from %(try)s
           and (%(family)s::text is null or family = %(family)s)
        returning idempotency_key, family, run_date, recipient_ref, business_key
        """,
        {
            "unknown": DeliveryState.UNKNOWN,
            "sources": MOVES["stranded"].source_states(),
            "why": why,
            "token": token,
            "try": try_number,
            "family": family,
        },
    ).fetchall()
    return [Stranded(key, fam, run_date, ref, business, why) for key, fam, run_date, ref, business in rows]


DEFAULT_LEASE = timedelta(minutes=10)


def family_lease(family: str) -> timedelta:
    """A family's `claim_lease` from its file (the default when the file cannot be read)."""
    from alertas_rapidas.config import FamilyConfigError
    from alertas_rapidas.families.registry import load_config

    try:
        return load_config(family)[0].claim_lease
    except (FamilyConfigError, OSError):
        return DEFAULT_LEASE


def task_state_reader(ti: Any) -> StateOf:
    """Asks Airflow (through the running task's own API client) for a claimant's state."""

    def state_of(claimant: Claimant) -> str | None:
        states = ti.get_task_states(
            dag_id=claimant.dag_id,
            map_index=claimant.map_index,
            task_ids=[claimant.task_id],
            run_ids=[claimant.run_id],
        )
        found = states.get(claimant.run_id) or {}
        name = claimant.task_id if claimant.map_index < 0 else f"{claimant.task_id}_{claimant.map_index}"
        state = found.get(name)
        return str(state.value if hasattr(state, "value") else state) if state is not None else None

    return state_of
