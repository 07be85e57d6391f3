"""The secrets that sign links in mails (unsubscribe tokens, survey references).

Read in this order:
1. the Airflow Variable of that name (or the secrets-backend key Airflow maps to it, or
   `AIRFLOW_VAR_<NAME>`): a deployment that sets one keeps full control; it must hold at least
   16 characters, or rendering stops with a configuration error;
2. otherwise the package's own secret of that name in `alerts.link_secrets`, created once at random
   (256 bits) the first time it is needed. Two workers that need it at once agree: the insert is
   `on conflict do nothing` and both read back the row that won.

So a fresh install sends its recurring customer mail with working unsubscribe links and no
manual step. `python -m alertas_rapidas.ops secrets` lists them (never their values) and `ops
secrets rotate NAME` replaces one, which invalidates every link signed with the old value (an
unsubscribe link in a mail already sent then answers "not valid"; a survey link no longer matches
the survey site until it gets the new value: `ops secrets reveal NAME`).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from alertas_rapidas.task_errors import ConfigurationError

MIN_SECRET_LENGTH = 16
UNSUBSCRIBE = "alertas_unsubscribe_secret"
SURVEY = "alertas_survey_secret"
BOUNCE = "alertas_bounce_secret"  # signs the VERP token of each message's envelope sender (verp)
KNOWN = (UNSUBSCRIBE, SURVEY, BOUNCE)


class LinkSecretError(ConfigurationError):
    """A link secret that is set but cannot be used (too short)."""


def variable_value(name: str) -> str | None:
    """The Airflow Variable `name`, or None when it is not defined (in a task or outside one)."""
    from airflow.sdk.execution_time import task_runner

    if getattr(task_runner, "SUPERVISOR_COMMS", None) is not None:  # inside a task
        from airflow.sdk import Variable

        try:
            return Variable.get(name)
        except Exception as exc:
            if "VARIABLE_NOT_FOUND" in str(exc):
                return None
            raise
    from airflow.models.variable import Variable as VariableModel  # API server, CLI

    try:
        return VariableModel.get(name)
    except KeyError:
        return None


# name -> (the package's own value, monotonic time read): a render task signs every message with
# the same secret, and the API server answers every unsubscribe with it; a rotation reaches them
# within a minute. (A Variable is read through Airflow every time: its own caching applies.)
_CACHE: dict[str, tuple[str, float]] = {}
CACHE_SECONDS = 60.0


def link_secret(name: str, conn: Any = None) -> str:
    """The secret called `name`: the Variable when set, else the package's own (created once)."""
    configured = variable_value(name)
    if configured is not None:
        if len(configured) < MIN_SECRET_LENGTH:
            raise LinkSecretError(
                f"the Airflow Variable {name!r} must hold a secret of at least {MIN_SECRET_LENGTH} "
                "characters (or delete it: the package then keeps a random one of its own)"
            )
        return configured
    cached = _CACHE.get(name)
    if cached is not None and time.monotonic() - cached[1] < CACHE_SECONDS:
        return cached[0]
    if conn is not None:
        value = stored_secret(conn, name)
    else:
        from alertas_rapidas.connections import ALERTS_CONN_ID
        from alertas_rapidas.ledger.deliveries import ledger_connection

        with ledger_connection(ALERTS_CONN_ID) as ledger:
            value = stored_secret(ledger, name)
    _CACHE[name] = (value, time.monotonic())
    return value


def forget() -> None:
    """Drop the package's secrets this process remembers (after a rotation, between tests)."""
    _CACHE.clear()


def stored_secret(conn: Any, name: str) -> str:
    """The package's own secret `name`, created at random the first time (one row, all agree)."""
    conn.execute(
        "insert into alerts.link_secrets (name, value) values (%s, %s) on conflict (name) do nothing",
        (name, secrets.token_urlsafe(32)),
    )
    return conn.execute("select value from alerts.link_secrets where name = %s", (name,)).fetchone()[0]


def rotate(conn: Any, name: str) -> bool:
    """Replace the stored secret `name` with a new random one; False when none was stored yet."""
    row = conn.execute(
        "update alerts.link_secrets set value = %s, rotated_at = now() where name = %s returning 1",
        (secrets.token_urlsafe(32), name),
    ).fetchone()
    forget()
    return row is not None


def listing(conn: Any) -> list[dict[str, Any]]:
    """Each known secret: where it comes from (variable / package / not yet created) and its
    dates; never its value."""
    stored = {
        name: (created, rotated)
        for name, created, rotated in conn.execute(
            "select name, created_at, rotated_at from alerts.link_secrets order by name"
        ).fetchall()
    }
    result = []
    for name in sorted({*KNOWN, *stored}):
        source = (
            "variable" if variable_value(name) is not None else ("package" if name in stored else "none yet")
        )
        created, rotated = stored.get(name, (None, None))
        result.append({"name": name, "source": source, "created_at": created, "rotated_at": rotated})
    return result
