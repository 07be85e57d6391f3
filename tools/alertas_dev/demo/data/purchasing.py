"""Demo data: suppliers and payment orders."""

from __future__ import annotations

import random
from datetime import date, timedelta

from alertas_dev.demo.data.common import Row, _at, _cents, _cuit, _money
from alertas_dev.demo.data.organisation import CENTRAL, CORDOBA, ROSARIO, _staff

# (code, legal name, CUIT prefix and body, e-mail, language, active)
# fmt: off
SUPPLIERS = (
    ("SUP01", "Repuestos del Plata S.R.L.", 30, 70812345, "cobranzas@repuestosdelplata.example.net",
     "es", True),
    ("SUP02", "Frenos Patagónicos S.A.", 30, 68123456, "tesoreria@frenospatagonicos.example.net",
     "es", True),
    ("SUP03", "Lubricantes Pampa S.A.", 30, 71500321, "cobranzas@lubricantespampa.example.net",
     "es", True),
    ("SUP04", "Neumáticos Cuyo S.A.", 33, 70987654, "administracion@neumaticoscuyo.example.net",
     "es", True),
    ("SUP05", "Autopartes Mediterránea S.R.L.", 30, 71098765, None, "es", True),
    ("SUP06", "Baterías del Litoral S.A.", 30, 69345678, "ventas@bateriaslitoral.example.net",
     "es", True),
    ("SUP07", "Cristales Norte S.R.L.", 30, 71234999, "cristales.norte.example.net", "es", True),
    ("SUP08", "Electricidad Automotor Belgrano S.R.L.", 30, 70111222,
     "belgrano@electricidad.example.net", "es", False),
    ("SUP09", "Pacific Parts Trading Ltd.", 30, 71777888, "receivables@pacificparts.example.net",
     "en", True),
    ("SUP10", "Logística Rioplatense S.A.", 30, 70555444, "pagos@logisticarioplatense.example.net",
     "es", True),
)


# fmt: on
SUPPLIER_ID = {code: i for i, (code, *_rest) in enumerate(SUPPLIERS, start=1)}


class PurchasingRows:
    """The rows of suppliers and payment orders
    (a part of `DemoData`: its random stream and state)."""

    rng: random.Random
    ref: date

    PICKUP_CENTRAL = "Tesorería Casa Central - Av. Rivadavia 1234, CABA. Lunes a viernes de 9 a 13 h."

    PICKUP_CORDOBA = "Tesorería Sucursal Córdoba - Av. Colón 2550. Lunes a viernes de 9 a 13 h."

    def suppliers(self) -> list[Row]:
        return [
            (i, code, name, _cuit(prefix, body), email, language, active)
            for i, (code, name, prefix, body, email, language, active) in enumerate(SUPPLIERS, start=1)
        ]

    def payment_orders(self) -> tuple[list[Row], list[Row]]:
        ref, day = self.ref, self._day
        s = SUPPLIER_ID
        # fmt: off
        fixed = [
            # id, branch, supplier, currency, amount, created, status, authorizer,
            # authorized_at, ready_at, pickup
            (1, CENTRAL, s["SUP01"], "ARS", 1_845_320_50, _at(ref, 7, 10),
             "pending_authorization", 12, None, None, None),
            (2, CORDOBA, s["SUP03"], "ARS", 642_900_00, _at(ref, 7, 55),
             "pending_authorization", None, None, None, None),
            (3, CORDOBA, s["SUP04"], "ARS", 2_310_000_00, _at(ref, 7, 30),
             "pending_authorization", 22, None, None, None),
            (4, CENTRAL, s["SUP02"], "ARS", 987_450_00, _at(day(-2), 10, 0),
             "pending_authorization", 12, None, None, None),
            (5, ROSARIO, s["SUP06"], "ARS", 455_000_00, _at(ref, 6, 59),
             "pending_authorization", 30, None, None, None),
            (6, CENTRAL, s["SUP10"], "ARS", 128_700_00, _at(ref, 7, 20), "authorized", 12,
             _at(ref, 7, 50), None, None),
            (7, CENTRAL, s["SUP01"], "ARS", 3_205_118_75, _at(day(-6), 9, 40), "ready_for_pickup",
             12, _at(day(-3), 12, 0), _at(ref, 7, 15), self.PICKUP_CENTRAL),
            (8, CORDOBA, s["SUP05"], "ARS", 780_000_00, _at(day(-5), 11, 0), "ready_for_pickup",
             21, _at(day(-2), 10, 30), _at(ref, 7, 45), self.PICKUP_CORDOBA),
            (9, ROSARIO, s["SUP09"], "USD", 12_480_00, _at(day(-7), 15, 0), "ready_for_pickup",
             30, _at(day(-4), 9, 0), _at(ref, 7, 30), None),
            (10, CENTRAL, s["SUP03"], "ARS", 356_800_00, _at(day(-4), 10, 0), "ready_for_pickup",
             12, _at(day(-1), 16, 0), _at(ref, 8, 0), self.PICKUP_CENTRAL),
            (11, CENTRAL, s["SUP04"], "ARS", 1_120_000_00, _at(day(-6), 14, 0), "paid", 12,
             _at(day(-3), 9, 0), _at(ref, 7, 20), self.PICKUP_CENTRAL),
            (12, CENTRAL, s["SUP06"], "ARS", 298_000_00, _at(day(-5), 9, 0), "ready_for_pickup",
             12, _at(day(-2), 9, 0), _at(day(-1), 7, 30), self.PICKUP_CENTRAL),
        ]
        # fmt: on
        specs = list(fixed)
        span = (self.ref - self.history_start).days
        for i in range(len(fixed) + 1, len(fixed) + 1 + max(10, span // 2)):
            specs.append(self._random_payment_order(i, span))
        numbers = self._payment_numbers(specs)
        orders: list[Row] = []
        items: list[Row] = []
        for order_id, branch, supplier, currency, amount, *rest in specs:
            orders.append((order_id, branch, supplier, numbers[order_id], currency, _money(amount), *rest))
            items += self._payment_items(order_id, amount)
        return orders, items

    @staticmethod
    def _payment_numbers(specs: list[tuple]) -> dict[int, str]:
        """Numbers follow creation order per branch (point of sale)."""
        numbers: dict[int, str] = {}
        counters: dict[int, int] = {}
        for order_id, branch, *_ in sorted(specs, key=lambda spec: spec[5]):
            counters[branch] = counters.get(branch, 1500) + 1
            numbers[order_id] = f"{branch:04d}-{counters[branch]:08d}"
        return numbers

    def _random_payment_order(self, order_id: int, span: int) -> tuple:
        rng = self.rng
        branch = rng.choices((CENTRAL, CORDOBA, ROSARIO), weights=(50, 30, 20))[0]
        supplier = rng.randint(1, len(SUPPLIERS))
        currency = "USD" if supplier == SUPPLIER_ID["SUP09"] else "ARS"
        amount = _cents(rng, 50_000, 4_000_000) if currency == "ARS" else _cents(rng, 500, 30_000)
        created = _at(
            self.ref - timedelta(days=rng.randint(4, max(span, 5))), rng.randint(9, 17), rng.randint(0, 59)
        )
        authorizer = _staff(branch, "payment_authorizer")[0]
        pickup = self.PICKUP_CORDOBA if branch == CORDOBA else self.PICKUP_CENTRAL
        head = (order_id, branch, supplier, currency, amount, created)
        if rng.random() < 0.1:
            return (*head, "rejected", authorizer, None, None, None)
        # created 4+ days before ref: authorized and ready (at most 78 h later) before ref
        authorized = created + timedelta(hours=rng.randint(2, 30))
        ready = authorized + timedelta(hours=rng.randint(4, 48))
        return (*head, "paid", authorizer, authorized, ready, pickup)

    def _payment_items(self, order_id: int, amount: int) -> list[Row]:
        count = self.rng.randint(1, 3)
        shares = [amount // count] * count
        shares[-1] += amount - sum(shares)
        rows: list[Row] = []
        for line_no, share in enumerate(shares, start=1):
            invoice = f"A {self.rng.randint(1, 12):04d}-{self.rng.randint(1000, 99999):08d}"
            remito = f"{self.rng.randint(1, 5):04d}-{self.rng.randint(100, 9999):08d}"
            rows.append(
                (order_id, line_no, invoice, f"Repuestos y accesorios según remito {remito}", _money(share))
            )
        return rows
