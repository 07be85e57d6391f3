"""Demo data: vehicles, work orders and service appointments."""

from __future__ import annotations

import random
from datetime import date, timedelta

from alertas_dev.demo.data.common import Row, _at
from alertas_dev.demo.data.customers import FIXED_CUSTOMERS, Customer
from alertas_dev.demo.data.organisation import CENTRAL, _staff

# (make, model, WMI, USD price range in units)
VEHICLE_MODELS = (
    ("Toyota", "Corolla 2.0 XEI CVT", "8AJ", 28_000, 34_000),
    ("Toyota", "Hilux 2.8 SRX 4x4 AT", "8AJ", 46_000, 55_000),
    ("Toyota", "Etios 1.5 XLS", "8AJ", 17_000, 20_000),
    ("Toyota", "Yaris 1.5 S CVT", "8AJ", 21_000, 25_000),
    ("Volkswagen", "Amarok V6 Highline", "8AW", 52_000, 62_000),
    ("Volkswagen", "Gol Trend 1.6", "8AW", 14_000, 17_000),
    ("Ford", "Ranger XLT 3.2 4x4", "8AF", 44_000, 52_000),
    ("Fiat", "Cronos 1.3 Drive", "8AP", 17_000, 21_000),
    ("Chevrolet", "Cruze 1.4 LTZ", "8AG", 27_000, 32_000),
    ("Renault", "Kangoo II Express", "93Y", 19_000, 23_000),
    ("Peugeot", "208 1.6 Allure", "8AD", 20_000, 24_000),
)


VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


class WorkshopRows:
    """The rows of vehicles, work orders and service appointments
    (a part of `DemoData`: its random stream and state)."""

    rng: random.Random
    ref: date

    # fmt: off
    FIXED_VEHICLES = (
        # (customer code, make, model, year, VIN, plate, warranty days from ref, condition)
        ("C00001", "Toyota", "Corolla 2.0 XEI CVT", 2023, "8AJBA3FE0P0312345", "AE 123 BC", 20,
         "new"),
        ("C00012", "Ford", "Ranger XLT 3.2 4x4", 2022, "8AFAR22L0N1234567", "AD 456 FG", None,
         "new"),
        ("C00007", "Toyota", "Hilux 2.8 SRX 4x4 AT", 2026, "8AJKB3CD0T1598765", None, 1095,
         "new"),
        ("C00011", "Volkswagen", "Amarok V6 Highline", 2021, "8AWDA22H0MA654321", "AA 789 HJ",
         None, "used"),
    )

    def vehicles(self) -> list[Row]:
        rows: list[Row] = []
        for code, make, model, year, vin, plate, warranty, condition in self.FIXED_VEHICLES:
            customer = self.customer_by_code[code]
            until = self.ref + timedelta(days=warranty) if warranty is not None else None
            rows.append((len(rows) + 1, vin, customer.id, make, model, year, plate, until, None, condition))
            self.vehicles_by_customer.setdefault(customer.id, []).append(len(rows))
        for customer in self.customers[len(FIXED_CUSTOMERS) :]:
            count = self.rng.choices((0, 1, 2), weights=(55, 38, 7))[0]
            for _ in range(count):
                rows.append(self._random_vehicle(len(rows) + 1, customer.id))
                self.vehicles_by_customer.setdefault(customer.id, []).append(len(rows))
        for _ in range(20):  # dealer stock: no customer, no plate for 0 km
            rows.append(self._random_vehicle(len(rows) + 1, None))
        return rows

    def _random_vehicle(self, vehicle_id: int, customer_id: int | None) -> Row:
        rng = self.rng
        make, model, wmi, _, _ = rng.choice(VEHICLE_MODELS)
        body = "".join(rng.choice(VIN_CHARS) for _ in range(8))
        vin = f"{wmi}{body}{vehicle_id:06d}"
        if customer_id is None:
            used = rng.random() < 0.4
            year = rng.randint(2016, 2023) if used else self.ref.year
            since = self.ref - timedelta(days=rng.randint(5, 240))
            plate = self._plate(year) if used else None
            return (vehicle_id, vin, None, make, model, year, plate, None, since, "used" if used else "new")
        year = rng.randint(2012, self.ref.year)
        new = year >= self.ref.year - 2 and rng.random() < 0.7
        warranty = self.ref + timedelta(days=rng.randint(-60, 900)) if new else None
        return (
            vehicle_id,
            vin,
            customer_id,
            make,
            model,
            year,
            self._plate(year),
            warranty,
            None,
            "new" if new else "used",
        )

    def _plate(self, year: int) -> str:
        letters = "ABCDEFGHIJKLMNOPRSTUVWXYZ"
        pick = self.rng.choice
        if year >= 2016:
            return f"A{pick('ABCDEFG')} {self.rng.randint(100, 999)} {pick(letters)}{pick(letters)}"
        return f"{pick(letters)}{pick(letters)}{pick(letters)} {self.rng.randint(100, 999)}"

    def work_orders(self) -> list[Row]:
        # fmt: off
        rows: list[Row] = [
            (1, CENTRAL, self.customer_by_code["C00001"].id, 1, 9, _at(self._day(-10), 9, 0),
             _at(self._day(-9), 17, 30), "finished"),
            (2, CENTRAL, self.customer_by_code["C00012"].id, 2, 10, _at(self._day(-2), 8, 30),
             None, "open"),
        ]
        # fmt: on
        span = (self.ref - self.history_start).days
        for customer in self.customers[len(FIXED_CUSTOMERS) :]:
            for vehicle_id in self.vehicles_by_customer.get(customer.id, []):
                if self.rng.random() >= 0.5:
                    continue
                rows.append(self._random_work_order(len(rows) + 1, customer, vehicle_id, span))
        return rows

    def _random_work_order(self, wo_id: int, customer: Customer, vehicle_id: int, span: int) -> Row:
        rng = self.rng
        opened_day = self.ref - timedelta(days=rng.randint(1, max(span, 2)))
        opened = _at(opened_day, rng.randint(8, 11), rng.choice((0, 15, 30, 45)))
        status = rng.choices(("invoiced", "finished", "cancelled", "open"), weights=(75, 10, 5, 10))[0]
        finished = None if status in ("open", "cancelled") else opened + timedelta(hours=rng.randint(3, 52))
        if finished is not None and finished >= _at(self.ref, 8, 0):
            status, finished = "open", None  # not finished yet at T
        advisor = rng.choice(_staff(customer.branch_id, "service_advisor"))
        return (wo_id, customer.branch_id, customer.id, vehicle_id, advisor, opened, finished, status)

    def service_appointments(self) -> list[Row]:
        rows: list[Row] = []
        for customer in self.customers:
            for vehicle_id in self.vehicles_by_customer.get(customer.id, []):
                if self.rng.random() >= 0.35:
                    continue
                offset = self.rng.randint(-45, 14)
                day = self._day(offset)
                at = _at(day, self.rng.randint(8, 16), self.rng.choice((0, 30)))
                status = (
                    "booked"
                    if offset >= 0
                    else self.rng.choices(("attended", "no_show", "cancelled"), weights=(80, 12, 8))[0]
                )
                rows.append((len(rows) + 1, customer.branch_id, customer.id, vehicle_id, at, status))
        return rows
