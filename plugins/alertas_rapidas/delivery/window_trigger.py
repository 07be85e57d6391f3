"""The trigger a deliver task defers on while its connection's sending window is closed.

A `DateTimeTrigger` (the standard provider's: it sleeps in the triggerer, holding no worker slot)
that hands the task's progress back when it fires, so the task resumes where it stopped, with the
counts of what it did before. The progress travels in the trigger's own event: `dag.test()` runs a
trigger in-process and passes only the event on, and the triggerer passes both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from airflow.providers.standard.triggers.temporal import DateTimeTrigger
from airflow.triggers.base import TriggerEvent


class SendingWindowTrigger(DateTimeTrigger):
    """Fires at `moment` (UTC) with `{"progress": progress}`."""

    def __init__(self, moment: datetime, progress: dict[str, Any]) -> None:
        super().__init__(moment=moment)
        self.progress = progress

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{__name__}.{type(self).__name__}", {"moment": self.moment, "progress": self.progress})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        async for _event in super().run():
            yield TriggerEvent({"progress": self.progress})
            return
