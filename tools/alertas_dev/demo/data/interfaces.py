"""Demo data: the DMS interfaces and their runs."""

from __future__ import annotations

import random
from datetime import date, timedelta

from alertas_dev.demo.data.common import Row, _at

INTERFACES = (
    (1, "PRICE_UPDATE", "Actualización de listas de precios de fábrica", 4),
    (2, "STOCK_SYNC", "Sincronización de stock con fábrica", 3),
    (3, "EXCHANGE_RATES", "Cotizaciones del Banco Nación", 11),
    (4, "FACTORY_REPORTING", "Reporte de ventas y garantías a fábrica", 3),
)


class InterfaceRows:
    """The rows of DMS interfaces and their runs
    (a part of `DemoData`: its random stream and state)."""

    rng: random.Random
    ref: date

    def interfaces(self) -> list[Row]:
        return list(INTERFACES)

    def interface_runs(self) -> list[Row]:
        runs: list[Row] = []
        runs += self._daily_runs(2, hour=6, minutes=(5, 20), rows=(800, 1200), late_days=2)
        runs += self._daily_runs(3, hour=7, start_minute=30, minutes=(1, 1), rows=(1, 3))
        runs += self._price_update_runs()
        runs += self._factory_reporting_runs()
        return [(i, *run) for i, run in enumerate(runs, start=1)]

    def _daily_runs(
        self,
        interface_id: int,
        *,
        hour: int,
        minutes: tuple[int, int],
        rows: tuple[int, int],
        start_minute: int = 0,
        late_days: int = 0,
    ) -> list[Row]:
        """One run a day up to reference_date (before T); some ran late or failed first."""
        runs: list[Row] = []
        day = self.history_start
        late = {self.rng.randint(3, 25) for _ in range(late_days)}
        while day <= self.ref:
            days_back = (self.ref - day).days
            run_hour = 14 if days_back in late else hour
            started = _at(day, run_hour, start_minute)
            if self.rng.random() < 0.04 and days_back > 0:
                runs.append((interface_id, started, started + timedelta(minutes=2), "failed", None))
                started += timedelta(hours=1)
            finished = started + timedelta(minutes=self.rng.randint(*minutes))
            runs.append((interface_id, started, finished, "succeeded", self.rng.randint(*rows)))
            day += timedelta(days=1)
        return runs

    def _price_update_runs(self) -> list[Row]:
        """Weekly until ref - 14 (the last success), then failures: stale."""
        runs: list[Row] = []
        day = self._day(-14)
        while day >= self.history_start:
            started = _at(day, 6, 0)
            runs.append(
                (1, started, started + timedelta(minutes=40), "succeeded", self.rng.randint(20_000, 26_000))
            )
            day -= timedelta(days=7)
        runs.reverse()
        for offset in (-7, -1):
            started = _at(self._day(offset), 6, 0)
            runs.append((1, started, started + timedelta(minutes=3), "failed", None))
        return runs

    def _factory_reporting_runs(self) -> list[Row]:
        """Never succeeded: failures every night, and one run still running."""
        runs: list[Row] = []
        for offset in range(-10, 0):
            started = _at(self._day(offset), 23, 0)
            runs.append((4, started, started + timedelta(minutes=7), "failed", 0))
        runs.append((4, _at(self.ref, 7, 0), None, "running", None))
        return runs
