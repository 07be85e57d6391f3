"""Demo data: customers (the fixed cases and random ones) and CRM contacts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from alertas_dev.demo.data.common import Row, _at, _cuit, _pick, _slug, _weighted
from alertas_dev.demo.data.organisation import CENTRAL, CORDOBA, ROSARIO, _staff


@dataclass(frozen=True, slots=True)
class FixedCustomer:
    code: str
    legal_name: str
    tax_prefix: int
    tax_body: int
    email: str | None
    branch_id: int
    salesperson_id: int | None
    profile: str  # regular | old_balance | old_zero | none
    currencies: tuple[str, ...] = ("ARS",)
    cc_emails: tuple[str, ...] = ()
    language: str = "es"
    opt_out: bool = False
    active: bool = True
    birth_date: date | None = None


# fmt: off
FIXED_CUSTOMERS = (
    FixedCustomer("C00001", "María José Rodríguez", 27, 28456789, "maria.rodriguez@example.org",
                  CENTRAL, 5, "regular", ("ARS", "USD"),
                  ("contador.rodriguez@example.org", "mj.rodriguez@example.net"),
                  birth_date=date(1981, 5, 14)),
    FixedCustomer("C00002", "Carlos Alberto Pérez", 20, 17345678, "carlos.perez@example.org",
                  CENTRAL, 6, "regular", opt_out=True, birth_date=date(1965, 9, 2)),
    FixedCustomer("C00003", "Bianchi & Asociados S.R.L.", 30, 71456123, None, CENTRAL, 5,
                  "regular"),
    FixedCustomer("C00004", "Juan Pérez", 20, 30123456, "juan.perez@", CENTRAL, 6, "regular",
                  birth_date=date(1983, 1, 30)),
    FixedCustomer("C00005", "Roberto Sánchez", 20, 22987654, "sin-mail", CORDOBA, 16, "regular",
                  birth_date=date(1972, 11, 8)),
    FixedCustomer("C00006", "Ana Lucía Martínez", 27, 33876543, "ana@@example.com", CENTRAL, 6,
                  "regular", birth_date=date(1988, 7, 21)),
    FixedCustomer("C00007", "Andes Mining Services S.A.", 30, 71654987,
                  "accounts.payable@andesmining.example.net", ROSARIO, 25, "regular",
                  ("ARS", "USD"), language="en"),
    FixedCustomer("C00008", "Distribuidora Norte S.A.", 30, 70345678,
                  "pagos@distribuidoranorte.example.net", CORDOBA, 16, "regular", active=False),
    FixedCustomer("C00009", "Héctor Ramón Villalba", 20, 14567890, "hector.villalba@example.org",
                  CENTRAL, 7, "old_balance", birth_date=date(1958, 3, 3)),
    FixedCustomer("C00010", "Laura Beatriz Ocampo", 27, 25678901, "laura.ocampo@example.org",
                  ROSARIO, 25, "old_zero", birth_date=date(1976, 12, 19)),
    FixedCustomer("C00011", "Agropecuaria La Esperanza S.A.", 30, 69876543,
                  "administracion@laesperanza.example.net", CORDOBA, 17, "none"),
    FixedCustomer("C00012", "Transportes del Sur S.R.L.", 30, 71122334,
                  "administracion@transportesdelsur.example.net", CENTRAL, 5, "regular",
                  ("ARS", "USD"), ("compras@transportesdelsur.example.net",)),
)


# fmt: off
MALE_NAMES = (
    "Martín", "Joaquín", "Sebastián", "Nicolás", "Matías", "Agustín", "Facundo", "Gonzalo",
    "Julián", "Tomás", "Lautaro", "Ramiro", "Germán", "Andrés", "Esteban", "Rodrigo", "Fabián",
    "Óscar", "Raúl", "Iván",
)


FEMALE_NAMES = (
    "Lucía", "Sofía", "Valentina", "Camila", "Julieta", "Florencia", "Micaela", "Agustina",
    "Romina", "Verónica", "Mónica", "Inés", "Belén", "Noelia", "Soledad", "Mariela", "Daiana",
    "Pilar", "Rocío", "Ángeles",
)


SURNAMES = (
    "González", "Rodríguez", "Gómez", "Fernández", "López", "Díaz", "Martínez", "Pérez",
    "García", "Sánchez", "Romero", "Sosa", "Álvarez", "Torres", "Ruiz", "Ramírez", "Flores",
    "Benítez", "Acosta", "Medina", "Herrera", "Suárez", "Aguirre", "Giménez", "Gutiérrez",
    "Pereyra", "Rojas", "Molina", "Castro", "Ortiz", "Silva", "Núñez", "Luna", "Juárez",
    "Cabrera", "Ríos", "Ferreyra", "Godoy", "Morales", "Domínguez", "Peña", "Ibáñez",
)


COMPANY_PREFIXES = (
    "Transportes", "Agropecuaria", "Constructora", "Logística", "Distribuidora", "Servicios Viales",
    "Remises", "Frigorífico", "Metalúrgica", "Estancias", "Cooperativa Agrícola", "Viajes",
)


COMPANY_CORES = (
    "del Sur", "La Pampeana", "San Martín", "Los Álamos", "El Ombú", "Río Cuarto", "del Litoral",
    "Patagonia", "Las Acacias", "Don Bosco", "Santa Fe", "El Trébol", "Cerro Azul", "La Unión",
    "Mediterránea", "Los Tilos", "Puerto Madero", "Las Heras", "Villa María", "El Chañar",
)


COMPANY_SUFFIXES = ("S.A.", "S.R.L.", "S.A.S.")


# regular: movements every month; old_balance / old_zero: movements only in the month before
# the window, leaving a debt / a zero balance; none: no movement ever
CUSTOMER_PROFILES = _weighted((("regular", 93), ("none", 3), ("old_balance", 2), ("old_zero", 2)))


@dataclass(slots=True)
class Customer:
    id: int
    code: str
    legal_name: str
    tax_id: str
    email: str | None
    cc_emails: list[str] | None
    language: str
    branch_id: int
    salesperson_id: int | None
    opt_out: bool
    birth_date: date | None
    active: bool
    is_company: bool
    profile: str
    currencies: tuple[str, ...]
    fixed: bool

    def row(self) -> Row:
        return (
            self.id,
            self.code,
            self.legal_name,
            self.tax_id,
            self.email,
            self.cc_emails,
            self.language,
            self.branch_id,
            self.salesperson_id,
            self.opt_out,
            self.birth_date,
            self.active,
        )


class CustomerRows:
    """The rows of customers (fixed and random) and CRM contacts
    (a part of `DemoData`: its random stream and state)."""

    rng: random.Random
    ref: date

    def build_customers(self) -> list[Row]:
        for i, fixed in enumerate(FIXED_CUSTOMERS, start=1):
            self._add_customer(self._fixed_customer(i, fixed))
        for i in range(len(FIXED_CUSTOMERS) + 1, self.customer_count + 1):
            self._add_customer(self._random_customer(i))
        return [c.row() for c in self.customers]

    def _add_customer(self, customer: Customer) -> None:
        self.customers.append(customer)
        self.customer_by_code[customer.code] = customer

    @staticmethod
    def _fixed_customer(customer_id: int, f: FixedCustomer) -> Customer:
        return Customer(
            id=customer_id,
            code=f.code,
            legal_name=f.legal_name,
            tax_id=_cuit(f.tax_prefix, f.tax_body),
            email=f.email,
            cc_emails=list(f.cc_emails) or None,
            language=f.language,
            branch_id=f.branch_id,
            salesperson_id=f.salesperson_id,
            opt_out=f.opt_out,
            birth_date=f.birth_date,
            active=f.active,
            is_company=f.tax_prefix >= 30,
            profile=f.profile,
            currencies=f.currencies,
            fixed=True,
        )

    def _random_customer(self, customer_id: int) -> Customer:
        rng = self.rng
        is_company = rng.random() < 0.25
        if is_company:
            core = rng.choice(COMPANY_CORES)
            name = f"{rng.choice(COMPANY_PREFIXES)} {core} {rng.choice(COMPANY_SUFFIXES)}"
            tax_id = _cuit(rng.choice((30, 30, 33)), rng.randrange(68_000_000, 72_000_000))
            local = f"{_slug(name.rsplit(' ', 1)[0])}.{customer_id}"
            email = f"{local}@example.net"
            birth = None
        else:
            female = rng.random() < 0.5
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            surname = rng.choice(SURNAMES)
            name = f"{first} {surname}"
            tax_id = _cuit(27 if female else 20, rng.randrange(10_000_000, 45_000_000))
            local = f"{_slug(first)}.{_slug(surname)}{customer_id}"
            email = f"{local}@example.org"
            birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 52))
        branch = rng.choices((CENTRAL, CORDOBA, ROSARIO), weights=(50, 30, 20))[0]
        reps = _staff(branch, "sales_rep", active_only=False)
        profile = _pick(rng, CUSTOMER_PROFILES)
        return Customer(
            id=customer_id,
            code=f"C{customer_id:05d}",
            legal_name=name,
            tax_id=tax_id,
            email=self._dirty_email(email, local),
            cc_emails=[f"contaduria.{customer_id}@example.net"] if rng.random() < 0.08 else None,
            language="en" if rng.random() < 0.10 else "es",
            branch_id=branch,
            salesperson_id=rng.choice(reps) if rng.random() < 0.85 else None,
            opt_out=rng.random() < 0.03,
            birth_date=birth,
            active=rng.random() >= 0.03,
            is_company=is_company,
            profile=profile,
            currencies=("ARS", "USD") if rng.random() < 0.15 else ("ARS",),
            fixed=False,
        )

    def _dirty_email(self, email: str, local: str) -> str | None:
        roll = self.rng.random()
        if roll < 0.03:
            return None
        if roll < 0.05:
            return self.rng.choice(
                (
                    f"{local}@",
                    "sin-mail",
                    f"{local}@@example.org",
                    f"{local} @example.org",
                    f"{local}.example.org",
                )
            )
        return email

    def crm_contacts(self) -> list[Row]:
        c = self.customer_by_code
        day = self._day
        # fmt: off
        rows: list[Row] = [
            (1, c["C00001"].id, 1, CENTRAL, "post_sale_call", day(-1), None, 13, "scheduled",
             "Llamar para consultar conformidad con el service."),
            (2, c["C00012"].id, 2, CENTRAL, "service_followup", day(-5), None, 13, "scheduled",
             "Seguimiento del presupuesto de tren delantero."),
            (3, c["C00004"].id, None, CENTRAL, "satisfaction_survey", day(-2), None, 14,
             "scheduled", None),
            (4, c["C00011"].id, 4, CORDOBA, "other", day(-2), None, 23, "scheduled",
             "Ofrecer plan de mantenimiento para la flota."),
            (5, c["C00005"].id, None, CORDOBA, "post_sale_call", day(-3), None, 23, "scheduled",
             None),
            (6, c["C00001"].id, 1, CENTRAL, "satisfaction_survey", self.ref, None, 13,
             "scheduled", None),
            (7, c["C00012"].id, 2, CENTRAL, "post_sale_call", day(-4), _at(day(-3), 11, 20), 13,
             "done", "Cliente conforme."),
            (8, c["C00007"].id, 3, ROSARIO, "service_followup", day(-6), None, 31, "cancelled",
             "El cliente vendió la unidad."),
            (9, c["C00010"].id, None, ROSARIO, "post_sale_call", day(2), None, 31, "scheduled",
             None),
        ]
        # fmt: on
        for customer in self.customers[len(FIXED_CUSTOMERS) :]:
            vehicles = self.vehicles_by_customer.get(customer.id, [])
            if not vehicles or self.rng.random() >= 0.3:
                continue
            rows.append(self._random_contact(len(rows) + 1, customer, vehicles[0]))
        return rows

    def _random_contact(self, contact_id: int, customer: Customer, vehicle_id: int) -> Row:
        """Scheduled from ref on, or done / cancelled before it: never overdue."""
        rng = self.rng
        owner = rng.choice(_staff(customer.branch_id, "crm_agent"))
        contact_type = rng.choice(("post_sale_call", "service_followup", "satisfaction_survey", "other"))
        offset = rng.randint(-60, 30)
        scheduled = self._day(offset)
        head = (contact_id, customer.id, vehicle_id, customer.branch_id, contact_type, scheduled)
        if offset >= 0:
            return (*head, None, owner, "scheduled", None)
        if rng.random() < 0.85:
            done_day = min(scheduled + timedelta(days=rng.randint(0, 2)), self._day(-1))
            return (*head, _at(done_day, rng.randint(9, 18)), owner, "done", "Contacto realizado.")
        return (*head, None, owner, "cancelled", "No se pudo contactar al cliente.")
