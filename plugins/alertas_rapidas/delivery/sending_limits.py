"""Sending limits of an SMTP connection: messages per second, minute, hour and day, and sessions.

A mailbox or relay caps what it accepts (Microsoft 365: about 30 messages a minute and 10,000
recipients a day per mailbox; Google Workspace: about 2,000 a day; SES, SendGrid, Mailgun: a rate
per second). The limits of the connection `smtp_default` are read from its extra
`sending_limits` (JSON form), else from `sending_limits` in `dags/families/_defaults.yaml`:

    {"per_minute": 30, "per_day": 10000, "sessions": 2}

Each window is a sliding one of its real length (a second, a minute, an hour, 24 hours: providers
count "the last 24 hours", not a calendar day), counted across every family, task and worker that
sends through the connection (`send_slots`). `windows` adds windows of any other length (an ISO
8601 duration, at most 7 days): `{"PT2S": 1}` spaces messages two seconds apart. `sessions` caps
the SMTP sessions open at once. A message over a limit waits (`waiting`, reason `rate_limited`);
a deliver task whose next slot is further away than `defer_after` gives its worker slot back and
resumes when the window opens. `slow_down_backoff` is the first pause after a reply that means
"slow down" (421, 4.7.x, ...: `slow_down`), doubled for each one after it up to `slow_down_max`.
"""

from __future__ import annotations

import difflib
from datetime import timedelta
from typing import Any

from pydantic import Field, ValidationError, field_validator

from alertas_rapidas.models import StrictModel

NAMED_WINDOWS = {
    "per_second": timedelta(seconds=1),
    "per_minute": timedelta(minutes=1),
    "per_hour": timedelta(hours=1),
    "per_day": timedelta(days=1),
}
LONGEST_WINDOW = timedelta(days=7)  # send slots are kept 8 days (sql/alerts/migrations)
EXTRA = "sending_limits"  # the SMTP connection's extra


class SendingLimits(StrictModel):
    """What one SMTP connection may send, and how its deliver tasks wait and back off."""

    per_second: int | None = Field(default=None, ge=1, description="messages in any second")
    per_minute: int | None = Field(default=None, ge=1, description="messages in any 60 seconds")
    per_hour: int | None = Field(default=None, ge=1, description="messages in any hour")
    per_day: int | None = Field(default=None, ge=1, description="messages in any 24 hours")
    windows: dict[timedelta, int] = Field(
        default_factory=dict,
        description='further windows: ISO 8601 duration -> messages, e.g. {"PT2S": 1}',
    )
    sessions: int | None = Field(default=None, ge=1, description="SMTP sessions open at once")
    defer_after: timedelta = Field(
        default=timedelta(minutes=1),
        ge=timedelta(0),
        description="a wait longer than this gives the worker slot back (the task defers)",
    )
    slow_down_backoff: timedelta = Field(
        default=timedelta(minutes=1),
        gt=timedelta(0),
        description="the first pause after a slow-down reply; doubled for each further one",
    )
    slow_down_max: timedelta = Field(default=timedelta(hours=1), gt=timedelta(0))

    @field_validator("windows")
    @classmethod
    def _windows(cls, value: dict[timedelta, int]) -> dict[timedelta, int]:
        for length, count in value.items():
            if not timedelta(seconds=1) <= length <= LONGEST_WINDOW:
                raise ValueError(f"window {length} must be between 1 second (PT1S) and 7 days (P7D)")
            if count < 1:
                raise ValueError(f"window {length}: the number of messages must be at least 1")
        return value

    def rate_windows(self) -> list[tuple[timedelta, int]]:
        """Every window and its limit, the shortest first."""
        named = [(NAMED_WINDOWS[name], getattr(self, name)) for name in NAMED_WINDOWS]
        return sorted({(w, n) for w, n in [*named, *self.windows.items()] if n is not None})

    @property
    def limited(self) -> bool:
        return bool(self.rate_windows())

    def describe(self) -> str:
        """`per_minute 30, per_day 10000` (no personal data: for logs, reasons, the summary)."""
        parts = [f"{name} {getattr(self, name)}" for name in NAMED_WINDOWS if getattr(self, name)]
        parts += [f"{_iso(w)} {n}" for w, n in sorted(self.windows.items())]
        if self.sessions:
            parts.append(f"sessions {self.sessions}")
        return ", ".join(parts) or "no limits"


def _iso(length: timedelta) -> str:
    seconds = int(length.total_seconds())
    days, rest = divmod(seconds, 86400)
    return f"P{days}D" if days and not rest else f"PT{seconds}S"


class SendingLimitsError(ValueError):
    """The limits given are not valid; the message names where they came from and the field."""


def parse(raw: Any, where: str) -> SendingLimits:
    """Validated limits from a mapping; a SendingLimitsError names `where` and each bad field."""
    if not isinstance(raw, dict):
        raise SendingLimitsError(f'{where}: must be a mapping such as {{"per_minute": 30}}')
    try:
        return SendingLimits.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]) or "(value)"
            if error["type"] == "extra_forbidden":
                close = difflib.get_close_matches(field, list(SendingLimits.model_fields), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                problems.append(
                    f"{field}: unknown field; {hint}allowed: {', '.join(SendingLimits.model_fields)}"
                )
            else:
                problems.append(f"{field}: {error['msg'].removeprefix('Value error, ')}")
        raise SendingLimitsError(f"{where}: {'; '.join(problems)}") from None


def limits_for(conn_id: str, configured: SendingLimits | dict[str, Any] | None) -> SendingLimits:
    """The connection's limits: its `sending_limits` extra when set, else `configured` (from
    `_defaults.yaml`), else none (slow-down replies still back off)."""
    from airflow.sdk import BaseHook

    extra = BaseHook.get_connection(conn_id).extra_dejson.get(EXTRA)
    if extra is not None:
        return parse(extra, f"connection {conn_id!r}, extra {EXTRA}")
    if isinstance(configured, dict):
        return parse(configured, f"dags/families/_defaults.yaml, {EXTRA}")
    return configured or SendingLimits()
