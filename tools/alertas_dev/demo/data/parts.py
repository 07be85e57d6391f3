"""Demo data: the parts catalogue, stock, transfers, stock movements and customer orders."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from alertas_dev.demo.data.common import Row, _at, _money, _quantity
from alertas_dev.demo.data.customers import FIXED_CUSTOMERS, Customer
from alertas_dev.demo.data.organisation import (
    CENTRAL,
    CORDOBA,
    COUNTER_WAREHOUSE,
    DEP_CBA_1,
    DEP_CBA_2,
    DEP_CEN_1,
    DEP_CEN_2,
    DEP_ROS_1,
    ROSARIO,
    WAREHOUSES,
    _staff,
)


@dataclass(frozen=True, slots=True)
class Part:
    id: int
    code: str
    description: str
    brand: str
    unit_cost: int  # cents, ARS
    list_price: int  # cents, ARS
    min_stock: int  # units
    active: bool = True


_PART_DATA = (
    ("FIL-0001", "Filtro de aceite", "Mann-Filter", 9_800, 15_900, 6),
    ("FIL-0002", "Filtro de aire", "Mann-Filter", 14_500, 23_400, 4),
    ("FIL-0003", "Filtro de combustible", "Bosch", 18_200, 29_800, 2),
    ("FIL-0004", "Filtro de habitáculo con carbón activado", "Bosch", 16_900, 27_500, 2),
    ("FRE-0001", "Pastillas de freno delanteras", "Bosch", 38_000, 61_500, 4),
    ("FRE-0002", "Pastillas de freno traseras", "Ferodo", 31_500, 52_000, 2),
    ("FRE-0003", "Disco de freno delantero ventilado", "Fremax", 52_000, 86_900, 2),
    ("FRE-0004", "Líquido de frenos DOT 4 500 ml", "Bosch", 6_200, 10_400, 6),
    ("MOT-0001", "Correa de distribución", "Gates", 45_800, 74_900, 2),
    ("MOT-0002", "Kit de distribución con bomba de agua", "SKF", 168_000, 274_000, 1),
    ("MOT-0003", "Bujía de iridio", "NGK", 12_400, 21_300, 8),
    ("MOT-0004", "Bomba de agua", "SKF", 71_000, 116_500, 1),
    ("MOT-0005", "Junta de tapa de cilindros", "Elring", 39_000, 64_800, 0),
    ("SUS-0001", "Amortiguador delantero", "Monroe", 96_000, 158_000, 2),
    ("SUS-0002", "Amortiguador trasero", "Monroe", 84_000, 139_000, 2),
    ("SUS-0003", "Rótula de suspensión", "TRW", 22_000, 36_900, 2),
    ("SUS-0004", "Bieleta de barra estabilizadora", "TRW", 14_800, 24_600, 0),
    ("ELE-0001", "Batería 12 V 65 Ah", "Moura", 118_000, 189_000, 0),
    ("ELE-0002", "Lámpara H7 12 V 55 W", "Philips", 5_900, 9_900, 10),
    ("ELE-0003", "Lámpara halógena H4 (discontinuada)", "Osram", 4_200, 7_600, 0),
    ("ELE-0004", "Alternador 90 A remanufacturado", "Valeo", 245_000, 398_000, 0),
    ("ELE-0005", 'Escobilla limpiaparabrisas 22"', "Bosch", 11_500, 19_200, 4),
    ("LUB-0001", "Aceite sintético 5W-30 4 L", "Shell Helix", 42_000, 68_500, 10),
    ("LUB-0002", "Aceite semisintético 10W-40 4 L", "Elaion", 31_000, 50_900, 6),
    ("LUB-0003", "Aceite 5W-30 a granel (litro)", "Castrol", 9_600, 15_800, 40),
    ("LUB-0004", "Refrigerante orgánico concentrado 1 L", "Paraflu", 7_400, 12_300, 6),
    ("TRA-0001", "Kit de embrague", "Sachs", 210_000, 342_000, 1),
    ("TRA-0002", "Homocinética lado rueda", "GKN", 88_000, 145_000, 0),
    ("NEU-0001", "Neumático 205/55 R16", "Pirelli", 128_000, 205_000, 8),
    ("NEU-0002", "Neumático 265/65 R17", "Bridgestone", 236_000, 379_000, 4),
    ("CAR-0001", "Paragolpes delantero sin pintar", "Toyota", 185_000, 298_000, 0),
    ("CAR-0002", "Espejo retrovisor exterior izquierdo", "Volkswagen", 96_500, 157_000, 0),
    ("CAR-0003", "Óptica delantera derecha LED", "Toyota", 420_000, 689_000, 0),
    ("ACC-0001", "Kit de cortesía (alfombras y llavero)", "Autosur", 8_000, 13_900, 0),
    ("ACC-0002", "Cubre alfombras de goma", "Autosur", 19_000, 31_500, 2),
)


INACTIVE_PARTS = frozenset({"ELE-0003"})


BULK_PARTS = frozenset({"LUB-0003"})  # sold by the litre, fractional quantities


PARTS = tuple(
    Part(i, code, desc, brand, cost * 100, price * 100, min_stock, code not in INACTIVE_PARTS)
    for i, (code, desc, brand, cost, price, min_stock) in enumerate(_PART_DATA, start=1)
)


PART_BY_CODE = {p.code: p for p in PARTS}


# parts the fixed back-order cases use: generated orders never leave them pending
BACKORDER_PARTS = frozenset({"SUS-0002", "CAR-0002", "ELE-0004", "TRA-0001"})


class PartsRows:
    """The rows of parts, stock, stock transfers and movements, customer orders
    (a part of `DemoData`: its random stream and state)."""

    rng: random.Random
    ref: date

    STOCK_OVERRIDES = {
        ("FRE-0001", DEP_CEN_1): (0, 0),
        ("FRE-0001", DEP_CEN_2): (1, 1),
        ("FIL-0001", DEP_CEN_1): (20, 2),
        ("FIL-0001", DEP_CBA_1): (2, 2),
        ("FIL-0001", DEP_CBA_2): (0, 0),
        ("ELE-0001", DEP_ROS_1): (1, 0),
        ("SUS-0001", DEP_CEN_1): (0, 0),
        ("SUS-0001", DEP_CEN_2): (5, 0),
        ("FRE-0003", DEP_CBA_1): (0, 0),
        ("FRE-0003", DEP_CBA_2): (0, 0),
        ("ELE-0002", DEP_ROS_1): (3, 5),
    }

    ZERO_EVERYWHERE = ("MOT-0001", "ELE-0003")

    def parts(self) -> list[Row]:
        return [
            (
                p.id,
                p.code,
                p.description,
                p.brand,
                _money(p.unit_cost),
                _money(p.list_price),
                p.min_stock,
                p.active,
            )
            for p in PARTS
        ]

    def stock(self) -> list[Row]:
        """Every part in every warehouse; only the fixed cases have available stock <= 0."""
        updated_at = _at(self.ref, 6, 10)
        rows: list[Row] = []
        for part in PARTS:
            for warehouse_id, *_ in WAREHOUSES:
                on_hand = self.rng.randint(4, 40) * 1000
                reserved = self.rng.randint(0, 3) * 1000
                if part.code in BULK_PARTS:
                    on_hand = self.rng.randint(80_000, 240_000) + 500
                fixed = self.STOCK_OVERRIDES.get((part.code, warehouse_id))
                if fixed is not None:
                    on_hand, reserved = fixed[0] * 1000, fixed[1] * 1000
                if part.code in self.ZERO_EVERYWHERE:
                    on_hand = reserved = 0
                rows.append((part.id, warehouse_id, _quantity(on_hand), _quantity(reserved), updated_at))
        return rows

    def stock_transfers(self) -> tuple[list[Row], list[Row]]:
        """Fixed transfers 1-4, then received and cancelled history; with their movements."""
        p = PART_BY_CODE
        # fmt: off
        transfers: list[Row] = [
            (1, p["FIL-0001"].id, DEP_CEN_1, DEP_CBA_1, "3.000", "pending",
             _at(self._day(-1), 15, 0), None),
            (2, p["ELE-0001"].id, DEP_ROS_1, DEP_CBA_1, "1.000", "in_transit",
             _at(self._day(-2), 11, 30), None),
            (3, p["FRE-0003"].id, DEP_CEN_1, DEP_CBA_1, "4.000", "cancelled",
             _at(self._day(-4), 10, 0), None),
            (4, p["CAR-0002"].id, DEP_CBA_1, DEP_CEN_1, "2.000", "received",
             _at(self._day(-1), 16, 0), _at(self.ref, 7, 40)),
        ]
        # fmt: on
        movements: list[Row] = []
        span = (self.ref - self.history_start).days
        for _ in range(max(12, span // 3)):
            transfer, moves = self._random_transfer(len(transfers) + 1, span)
            transfers.append(transfer)
            movements += moves
        return transfers, movements

    def _random_transfer(self, transfer_id: int, span: int) -> tuple[Row, list[Row]]:
        rng = self.rng
        part = self._sellable_part()
        source, target = rng.sample([w[0] for w in WAREHOUSES], 2)
        quantity = _quantity(rng.randint(1, 6) * 1000)
        # requested 4+ days before ref: received (up to 70 h later) before ref, never in the
        # back-order window
        requested = _at(
            self.ref - timedelta(days=rng.randint(4, max(span, 5))),
            rng.randint(9, 17),
            rng.choice((0, 15, 30, 45)),
        )
        if rng.random() < 0.15:
            return (transfer_id, part.id, source, target, quantity, "cancelled", requested, None), []
        received = requested + timedelta(hours=rng.randint(20, 70))
        sender = self._parts_manager_of(source)
        receiver = self._parts_manager_of(target)
        moves: list[Row] = [
            (part.id, source, "transfer_out", quantity, requested + timedelta(hours=1), sender, None, None),
            (part.id, target, "transfer_in", quantity, received, receiver, None, None),
        ]
        return (transfer_id, part.id, source, target, quantity, "received", requested, received), moves

    @staticmethod
    def _parts_manager_of(warehouse_id: int) -> int:
        branch = next(w[1] for w in WAREHOUSES if w[0] == warehouse_id)
        return _staff(branch, "parts_manager")[0]

    def fixed_stock_movements(self) -> list[Row]:
        """Arrivals around the back-order window and the unbilled issues (ids 1..)."""
        p = PART_BY_CODE
        ref = self.ref
        # fmt: off
        return [
            (p["SUS-0002"].id, DEP_CEN_1, "receipt", "10.000", _at(ref, 7, 20), 4, None, None),
            (p["CAR-0002"].id, DEP_CBA_1, "transfer_out", "2.000", _at(self._day(-1), 16, 30),
             15, None, None),
            (p["CAR-0002"].id, DEP_CEN_1, "transfer_in", "2.000", _at(ref, 7, 40), 4, None,
             None),
            (p["ELE-0004"].id, DEP_CBA_1, "receipt", "2.000", _at(ref, 7, 5), 15, None, None),
            (p["TRA-0001"].id, DEP_ROS_1, "receipt", "1.000", _at(ref, 6, 55), 24, None, None),
            (p["TRA-0001"].id, DEP_ROS_1, "receipt", "1.000", _at(ref, 8, 0), 24, None, None),
            (p["SUS-0002"].id, DEP_CEN_1, "adjustment", "1.000", _at(ref, 7, 30), 4, None,
             None),
            (p["LUB-0001"].id, DEP_CEN_2, "issue", "1.000", _at(self._day(-10), 10, 15), 9, 1,
             None),
            (p["FIL-0001"].id, DEP_CEN_2, "issue", "1.000", _at(self._day(-10), 10, 20), 9, 1,
             None),
            (p["FRE-0001"].id, DEP_CBA_1, "issue", "2.000", _at(self._day(-30), 11, 0), 15,
             None, None),
            (p["MOT-0003"].id, DEP_CEN_2, "issue", "4.000", _at(self._day(-7), 22, 0), 4, None,
             None),
            (p["FRE-0002"].id, DEP_ROS_1, "issue", "1.000", _at(self._day(-6), 9, 0), 28, None,
             None),
            (p["LUB-0003"].id, DEP_CEN_2, "issue", "4.500", _at(self._day(-2), 11, 30), 10, 2,
             None),
        ]

    def receipt_history(self) -> list[Row]:
        """Supplier receipts every one to three weeks per part and warehouse, before ref."""
        rows: list[Row] = []
        for part in PARTS:
            if not part.active:
                continue
            for warehouse_id, *_ in WAREHOUSES:
                day = self.history_start + timedelta(days=self.rng.randint(0, 10))
                while day < self.ref:
                    quantity = self.rng.randint(2, 24) * 1000
                    moved = _at(day, self.rng.randint(9, 17), self.rng.randint(0, 59))
                    rows.append(
                        (
                            part.id,
                            warehouse_id,
                            "receipt",
                            _quantity(quantity),
                            moved,
                            self._parts_manager_of(warehouse_id),
                            None,
                            None,
                        )
                    )
                    day += timedelta(days=self.rng.randint(7, 21))
        return rows

    def customer_orders(self) -> tuple[list[Row], list[Row]]:
        c = self.customer_by_code
        p = PART_BY_CODE
        # fmt: off
        orders: list[Row] = [
            (1, c["C00012"].id, CENTRAL, 5, _at(self._day(-20), 9, 30), "open"),
            (2, c["C00001"].id, CENTRAL, 7, _at(self._day(-15), 11, 0), "open"),
            (3, c["C00011"].id, CORDOBA, 17, _at(self._day(-12), 10, 0), "open"),
            (4, c["C00006"].id, CENTRAL, 6, _at(self._day(-5), 16, 0), "open"),
            (5, c["C00012"].id, CENTRAL, 5, _at(self._day(-40), 12, 0), "closed"),
            (6, c["C00010"].id, ROSARIO, 25, _at(self._day(-9), 15, 45), "open"),
        ]
        # fmt: on
        # fmt: off
        lines: list[Row] = [
            (1, 1, p["SUS-0002"].id, DEP_CEN_1, "4.000", "4.000", "pending"),
            (1, 2, p["CAR-0001"].id, DEP_CEN_1, "0.000", "0.000", "cancelled"),
            (2, 1, p["CAR-0002"].id, DEP_CEN_1, "2.000", "2.000", "pending"),
            (3, 1, p["ELE-0004"].id, DEP_CBA_1, "1.000", "1.000", "pending"),
            (3, 2, p["FIL-0001"].id, DEP_CBA_1, "2.000", "0.000", "delivered"),
            (4, 1, p["SUS-0002"].id, DEP_CEN_1, "8.000", "8.000", "pending"),
            (4, 2, p["SUS-0002"].id, DEP_CEN_2, "3.000", "3.000", "pending"),
            (5, 1, p["CAR-0002"].id, DEP_CEN_1, "2.000", "2.000", "pending"),
            (6, 1, p["TRA-0001"].id, DEP_ROS_1, "1.000", "1.000", "pending"),
        ]
        # fmt: on
        span = (self.ref - self.history_start).days
        for customer in self.customers[len(FIXED_CUSTOMERS) :]:
            if self.rng.random() >= 0.12:
                continue
            order, order_lines = self._random_order(len(orders) + 1, customer, span)
            orders.append(order)
            lines += order_lines
        return orders, lines

    def _random_order(self, order_id: int, customer: Customer, span: int) -> tuple[Row, list[Row]]:
        rng = self.rng
        salesperson = customer.salesperson_id or rng.choice(_staff(customer.branch_id, "sales_rep"))
        created = _at(
            self.ref - timedelta(days=rng.randint(1, max(span, 2))), rng.randint(9, 18), rng.randint(0, 59)
        )
        status = rng.choices(("closed", "open", "cancelled"), weights=(70, 22, 8))[0]
        warehouse = COUNTER_WAREHOUSE[customer.branch_id]
        lines: list[Row] = []
        for line_no in range(1, rng.randint(1, 3) + 1):
            part = self._sellable_part()
            ordered = rng.randint(1, 4)
            if status == "open" and part.code not in BACKORDER_PARTS and rng.random() < 0.5:
                pending, line_status = rng.randint(1, ordered), "pending"
            elif status == "cancelled" or rng.random() < 0.05:
                ordered, pending, line_status = 0, 0, "cancelled"
            else:
                pending = 0
                line_status = "delivered" if status == "closed" else "reserved"
            lines.append(
                (
                    order_id,
                    line_no,
                    part.id,
                    warehouse,
                    _quantity(ordered * 1000),
                    _quantity(pending * 1000),
                    line_status,
                )
            )
        return (order_id, customer.id, customer.branch_id, salesperson, created, status), lines
