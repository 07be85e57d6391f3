"""The demo data generator: one random stream, every table's rows in a fixed order."""

from __future__ import annotations

import random
from datetime import date, timedelta

from alertas_dev.demo.data.accounts import AccountRows
from alertas_dev.demo.data.common import Row, _add_months, _month_start
from alertas_dev.demo.data.customers import Customer, CustomerRows
from alertas_dev.demo.data.interfaces import InterfaceRows
from alertas_dev.demo.data.organisation import OrganisationRows
from alertas_dev.demo.data.parts import PartsRows
from alertas_dev.demo.data.purchasing import PurchasingRows
from alertas_dev.demo.data.workshop import WorkshopRows


class DemoData(
    OrganisationRows, CustomerRows, WorkshopRows, AccountRows, PartsRows, PurchasingRows, InterfaceRows
):
    """Builds every table's rows from one random stream, in a fixed order (load_demo_data's)."""

    def __init__(
        self,
        rng: random.Random,
        *,
        customers: int,
        reference_date: date,
        months: int,
        movements_per_month: int,
    ) -> None:
        self.rng = rng
        self.ref = reference_date
        self.customer_count = customers
        self.movements_per_month = movements_per_month
        self.ref_month = _month_start(reference_date)
        self.window_months = [_add_months(self.ref_month, -months + i) for i in range(months)]
        self.last_month = self.window_months[-1]
        self.older_month = _add_months(self.window_months[0], -1)
        self.history_start = self.window_months[0]
        self.customers: list[Customer] = []
        self.customer_by_code: dict[str, Customer] = {}
        self.balances: dict[tuple[int, str], int] = {}
        self.counters: dict[tuple[int, str, str | None], int] = {}
        self.next_movement_id = 1
        self.next_document_id = 1
        self.billed_issues: list[Row] = []
        self.vehicles_by_customer: dict[int, list[int]] = {}

    def _day(self, offset: int) -> date:
        return self.ref + timedelta(days=offset)
