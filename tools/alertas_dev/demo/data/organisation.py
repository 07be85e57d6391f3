"""Demo data: the dealership, its branches, warehouses and staff (fixed for every seed)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from alertas_dev.demo.data.common import LOCAL_CURRENCY, Row, _cuit, _slug

DEALERSHIP_ID = 1


CENTRAL, CORDOBA, ROSARIO = 1, 2, 3


DEP_CEN_1, DEP_CEN_2, DEP_CBA_1, DEP_CBA_2, DEP_ROS_1 = 1, 2, 3, 4, 5


BRANCHES = (
    (CENTRAL, "CENTRAL", "Casa Central - Av. Rivadavia 1234, CABA", "casacentral@example.com"),
    (CORDOBA, "CORDOBA", "Sucursal Córdoba - Av. Colón 2550, Córdoba", "cordoba@example.com"),
    (ROSARIO, "ROSARIO", "Sucursal Rosario - Bv. Oroño 1450, Rosario", None),
)


WAREHOUSES = (
    (DEP_CEN_1, CENTRAL, "DEP-CEN-1", "Depósito Central - Mostrador"),
    (DEP_CEN_2, CENTRAL, "DEP-CEN-2", "Depósito Central - Taller"),
    (DEP_CBA_1, CORDOBA, "DEP-CBA-1", "Depósito Córdoba - Mostrador"),
    (DEP_CBA_2, CORDOBA, "DEP-CBA-2", "Depósito Córdoba - Taller"),
    (DEP_ROS_1, ROSARIO, "DEP-ROS-1", "Depósito Rosario"),
)


COUNTER_WAREHOUSE = {CENTRAL: DEP_CEN_1, CORDOBA: DEP_CBA_1, ROSARIO: DEP_ROS_1}


WORKSHOP_WAREHOUSE = {CENTRAL: DEP_CEN_2, CORDOBA: DEP_CBA_2, ROSARIO: DEP_ROS_1}


@dataclass(frozen=True, slots=True)
class Employee:
    id: int
    branch_id: int | None
    full_name: str
    role: str
    manager_id: int | None
    has_email: bool = True
    active: bool = True

    @property
    def email(self) -> str | None:
        return f"{_slug(self.full_name)}@example.com" if self.has_email else None


EMPLOYEES = (
    Employee(1, None, "Ricardo Álvarez", "general_manager", None),
    Employee(2, None, "Silvia Domínguez", "audit_manager", 1),
    Employee(3, None, "Hernán Quiroga", "interface_admin", 1),
    Employee(4, CENTRAL, "Martín Gómez", "parts_manager", 1),
    Employee(5, CENTRAL, "Lucía Fernández", "sales_rep", 4),
    Employee(6, CENTRAL, "Diego Pereyra", "sales_rep", 4),
    Employee(7, CENTRAL, "Javier Sosa", "sales_rep", 4, active=False),
    Employee(8, CENTRAL, "Gabriela Ruiz", "service_manager", 1),
    Employee(9, CENTRAL, "Tomás Benítez", "service_advisor", 8),
    Employee(10, CENTRAL, "Florencia Acuña", "service_advisor", 8),
    Employee(11, CENTRAL, "Claudia Medina", "treasury", 1),
    Employee(12, CENTRAL, "Raúl Giménez", "payment_authorizer", 1),
    Employee(13, CENTRAL, "Sofía Castro", "crm_agent", 8),
    Employee(14, CENTRAL, "Matías Núñez", "crm_agent", 8, has_email=False),
    Employee(15, CORDOBA, "Paula Herrera", "parts_manager", 1),
    Employee(16, CORDOBA, "Nicolás Romero", "sales_rep", 15),
    Employee(17, CORDOBA, "Carolina Vázquez", "sales_rep", 15, has_email=False),
    Employee(18, CORDOBA, "Federico Ibáñez", "service_manager", 1),
    Employee(19, CORDOBA, "Agustina Molina", "service_advisor", 18),
    Employee(20, CORDOBA, "Esteban Ríos", "treasury", 1),
    Employee(21, CORDOBA, "Mónica Suárez", "payment_authorizer", 1),
    Employee(22, CORDOBA, "Alejandro Peña", "payment_authorizer", 1, active=False),
    Employee(23, CORDOBA, "Valeria Ortiz", "crm_agent", 18),
    Employee(24, ROSARIO, "Sebastián Cabrera", "parts_manager", 1),
    Employee(25, ROSARIO, "Julieta Aguirre", "sales_rep", 24),
    Employee(26, ROSARIO, "Ignacio Luna", "sales_rep", 24),
    Employee(27, ROSARIO, "Andrea Morales", "service_manager", 1),
    Employee(28, ROSARIO, "Emiliano Paz", "service_advisor", 27),
    Employee(29, ROSARIO, "Natalia Godoy", "treasury", 1),
    Employee(30, ROSARIO, "Pablo Méndez", "payment_authorizer", 1),
    Employee(31, ROSARIO, "Camila Toledo", "crm_agent", 27),
)


@cache
def _staff(branch_id: int, role: str, *, active_only: bool = True) -> tuple[int, ...]:
    return tuple(
        e.id
        for e in EMPLOYEES
        if e.branch_id == branch_id and e.role == role and (e.active or not active_only)
    )


class OrganisationRows:
    """The rows of the dealership, its branches, warehouses and staff, the currencies and exchange rates
    (a part of `DemoData`: its random stream and state)."""

    rng: random.Random
    ref: date

    def currencies(self) -> list[Row]:
        return [("ARS", "Peso argentino", "$"), ("USD", "Dólar estadounidense", "US$")]

    def dealerships(self) -> list[Row]:
        return [
            (
                DEALERSHIP_ID,
                "AUTOSUR",
                "Autosur S.A.",
                _cuit(30, 71234567),
                LOCAL_CURRENCY,
                "America/Argentina/Buenos_Aires",
            )
        ]

    def branches(self) -> list[Row]:
        return [(bid, DEALERSHIP_ID, code, name, email) for bid, code, name, email in BRANCHES]

    def warehouses(self) -> list[Row]:
        return list(WAREHOUSES)

    def employees(self) -> list[Row]:
        return [(e.id, e.branch_id, e.full_name, e.email, e.role, e.manager_id, e.active) for e in EMPLOYEES]

    def exchange_rates(self) -> list[Row]:
        """Daily USD rates from the month before the window to the day before reference_date
        (crawling peg); the rate of reference_date is not loaded yet (exchange_rate_missing)."""
        rows: list[Row] = []
        micro = 1_380_000_000  # ARS 1380.000000 per USD
        day = self.older_month
        while day <= self.ref:
            if day < self.ref:  # the day's rate is published later: exchange_rate_missing tells
                rows.append(("USD", day, f"{micro // 1_000_000}.{micro % 1_000_000:06d}"))
            micro = int(micro * (1 + self.rng.uniform(-0.002, 0.005)))
            day += timedelta(days=1)
        return rows
