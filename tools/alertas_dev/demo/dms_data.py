"""Deterministic demo data for the DMS reference schema ``dms`` (``DMS_SCHEMA.md``).

``load_demo_data`` fills an empty ``dms`` schema from a seed and a scale: the same seed and
options always give identical rows. Nothing depends on the wall clock: every date is relative to
``reference_date`` (default 2026-11-01), and instants are local times in
America/Argentina/Buenos_Aires (UTC-3) stored as UTC ``timestamptz``. The demo runs every alert
DAG for the logical date T = ``reference_date`` 08:00 local (11:00 UTC); interval families read
the window [T - interval, T). Below, "ref" is ``reference_date`` and times are local.

Data is loaded with COPY in one transaction that ``load_demo_data`` commits. It expects the
``dms`` tables to exist (``create_schema``) and to be empty. The catalogue tables and columns
(families 11-41) are filled last by ``catalogue_data`` (its own random stream; its docstring lists
its fixed cases). USD exchange rates stop the day before ref: the day's rate is not loaded yet.

Scale: ``customers`` (at least the 12 fixed ones) get ~``movements_per_month`` account movements
(+-40%) in each of the ``months`` months before ref's month (ref 2026-11-01, months=3: August to
October 2026). Sales documents (with lines and billed stock issues) exist for the last of those
months and for the fixed cases; older movements carry a document number in their description
only. Staff, branches, warehouses, parts, suppliers and interfaces are fixed (hand-made, same for
every seed); generated rows get ids after the fixed ones. E-mail addresses use only the reserved
domains example.com (staff), example.org (people) and example.net (companies, suppliers).

Fixed cases (true for every seed; tests may rely on them)
=========================================================

Organisation: dealership AUTOSUR "Autosur S.A." (30-71234567-1, ARS). Branches 1 CENTRAL
(Casa Central, CABA), 2 CORDOBA, 3 ROSARIO (no branch e-mail). Warehouses 1 DEP-CEN-1
(counter), 2 DEP-CEN-2 (workshop), 3 DEP-CBA-1, 4 DEP-CBA-2, 5 DEP-ROS-1.

Employees (id: name, role, branch; all with e-mail name.surname@example.com unless noted)::

    1 Ricardo Álvarez      general_manager     -        9 Tomás Benítez     service_advisor  1
    2 Silvia Domínguez     audit_manager       -       10 Florencia Acuña   service_advisor  1
    3 Hernán Quiroga       interface_admin     -       11 Claudia Medina    treasury         1
    4 Martín Gómez         parts_manager       1       12 Raúl Giménez      payment_authorizer 1
    5 Lucía Fernández      sales_rep           1       13 Sofía Castro      crm_agent        1
    6 Diego Pereyra        sales_rep           1       14 Matías Núñez      crm_agent 1, NO e-mail
    7 Javier Sosa          sales_rep 1, INACTIVE (still owns orders and customers)
    8 Gabriela Ruiz        service_manager     1
    15 Paula Herrera parts_manager 2; 16 Nicolás Romero sales_rep 2; 17 Carolina Vázquez
    sales_rep 2, NO e-mail; 18 Federico Ibáñez service_manager 2; 19 Agustina Molina
    service_advisor 2; 20 Esteban Ríos treasury 2; 21 Mónica Suárez payment_authorizer 2;
    22 Alejandro Peña payment_authorizer 2, INACTIVE; 23 Valeria Ortiz crm_agent 2;
    24 Sebastián Cabrera parts_manager 3; 25 Julieta Aguirre, 26 Ignacio Luna sales_rep 3;
    27 Andrea Morales service_manager 3; 28 Emiliano Paz service_advisor 3; 29 Natalia Godoy
    treasury 3; 30 Pablo Méndez payment_authorizer 3; 31 Camila Toledo crm_agent 3.

Managers: branch staff -> general manager (1), except sales_rep -> the branch parts_manager,
service_advisor and crm_agent -> the branch service_manager.

Customers (the first 12 codes; C00013 onwards are random)::

    code    name                          branch  what it is for
    C00001  María José Rodríguez          1  ARS+USD movements, 2 cc_emails; window docs; due +5
    C00002  Carlos Alberto Pérez          1  alerts_opt_out; a window invoice (skipped)
    C00003  Bianchi & Asociados S.R.L.    1  e-mail null ("&" tests autoescape); window receipt
    C00004  Juan Pérez                    1  malformed e-mail "juan.perez@"; window doc; due +5
    C00005  Roberto Sánchez               2  malformed e-mail "sin-mail"
    C00006  Ana Lucía Martínez            1  malformed e-mail "ana@@example.com"; order O4
    C00007  Andes Mining Services S.A.    3  language en, ARS+USD; window USD invoice; due +1
    C00008  Distribuidora Norte S.A.      2  inactive, has movements and a balance
    C00009  Héctor Ramón Villalba         1  movements only in the month before the window,
                                             non-zero balance (statement with no movements)
    C00010  Laura Beatriz Ocampo          3  movements only before the window, balance 0 (skip)
    C00011  Agropecuaria La Esperanza S.A. 2 no movement ever; back-order O3
    C00012  Transportes del Sur S.R.L.    1  ARS+USD, cc_emails; window docs; due +1 and +5

Fixed customers have no open amounts except the documents below. Document numbers depend on the
seed; find documents by customer, type and created_at.

sales_documents (window [07:45, 08:00) on ref; all these also post account movements on ref):
C00012 credit_note A ARS 07:45:00 (on the inclusive bound); C00003 receipt 07:46:30;
C00001 invoice B ARS 07:47:12 (3 lines, one with quantity 0); C00012 invoice A 07:49:00 VOIDED
(no movement); C00002 invoice B 07:50:05; C00001 receipt 07:52:40; C00012 debit_note A 07:55:10;
C00004 invoice B 07:57:00; C00007 invoice A USD vehicles 07:58:30. Outside the window:
C00001 invoice B 07:44:59 (previous window), C00012 invoice A 08:00:00 (next window).

invoices_due_soon (open_amount > 0, issued): due ref+5: C00001 invoice B (partially paid,
open 150.000,00), C00012 invoice A (service), C00004 invoice B (malformed e-mail); due ref+1:
C00012 invoice A ARS and debit_note A USD (one mail, two currencies), C00007 invoice A USD (en).
Must not fire: C00012 invoice due ref+5 with open 0, C00012 VOIDED invoice due ref+5 with open
> 0, C00001 invoice due ref+2, window debit note due ref+10.

parts_out_of_stock (available = on_hand - reserved + incoming - outgoing pending/in_transit)::

    part      description                        min  situation
    FRE-0001  Pastillas de freno delanteras        4  CENTRAL 0 (DEP-CEN-1 0, DEP-CEN-2 1-1)
    FIL-0001  Filtro de aceite                     6  CORDOBA 2-2 but pending transfer of 3 in
                                                      from DEP-CEN-1: NOT out (rescued)
    ELE-0001  Batería 12 V 65 Ah                   0  ROSARIO 1, in_transit 1 out to DEP-CBA-1: 0
    SUS-0001  Amortiguador delantero               2  DEP-CEN-1 0, DEP-CEN-2 5: out only at
                                                      warehouse scope
    MOT-0001  Correa de distribución               2  0 everywhere (every scope, dealership too)
    FRE-0003  Disco de freno delantero ventilado   2  CORDOBA 0; incoming transfer CANCELLED
    ELE-0002  Lámpara H7 12 V 55 W                10  ROSARIO 3-5 = -2
    ELE-0003  Lámpara halógena H4 (discontinuada)  0  0 everywhere but INACTIVE: never reported

Branch scope: CENTRAL {FRE-0001, MOT-0001}; CORDOBA {FRE-0003, MOT-0001}; ROSARIO {ELE-0001,
ELE-0002, MOT-0001} (ELE-0001 drops with only_min_stock). Every other part x warehouse has
available >= 1 and only these transfers are pending/in_transit.

backorders_arrived (window [07:00, 08:00) on ref; orders O1..O6 have ids 1..6):
O1 C00012, Lucía (5), ref-20: SUS-0002 4 pending at DEP-CEN-1 (+ a cancelled line with quantity
0); receipt of 10 at DEP-CEN-1 07:20 -> fires. O4 C00006, Diego (6), ref-5: SUS-0002 8 pending at
DEP-CEN-1 (10 - 4 left 6: not covered oldest-first) and 3 at DEP-CEN-2 (other warehouse).
O2 C00001, Javier (7, inactive) ref-15: CAR-0002 2 pending at DEP-CEN-1; transfer_in of 2 at
07:40 -> fires to the parts manager (4). O3 C00011, Carolina (17, no e-mail): ELE-0004 1 pending
at DEP-CBA-1; receipt of 2 at 07:05 -> fires to the parts manager (15). O5 closed order with a
pending line (CAR-0002): never. O6 C00010, Julieta (25): TRA-0001 at DEP-ROS-1; receipts at 06:55
and 08:00:00, both outside. Traps: an adjustment of SUS-0002 at 07:30 and a credit-note return of
SUS-0002 at DEP-CEN-1 around 07:40 are not arrivals.

parts_issued_not_invoiced (issue, sales_document_id null, local date <= ref - 7):
ref-10 10:15 LUB-0001 x1 and 10:20 FIL-0001 x1 at DEP-CEN-2 by Tomás (9) on work order 1;
ref-30 FRE-0001 x2 at DEP-CBA-1 by Paula (15), no work order; ref-7 22:00 MOT-0003 x4 at
DEP-CEN-2 by Martín (4) (its UTC date is ref-6: use the local date). Not yet: ref-6 FRE-0002 at
DEP-ROS-1, ref-2 LUB-0003 x4.5 litres on work order 2. Every generated issue is billed.

payments_pending_authorization (window [07:00, 08:00) on ref; payment orders have ids 1..12):
1 CENTRAL created 07:10 authorizer Raúl (12) -> request; 2 CORDOBA 07:55 no authorizer -> branch
payment_authorizer Mónica (21); 3 CORDOBA 07:30 authorizer Alejandro (22, inactive) -> Mónica;
4 CENTRAL created ref-2 10:00 still pending -> reminder; 5 ROSARIO created 06:59 (previous
window, < 24 h): nothing; 6 created 07:20 but already authorized: nothing.

supplier_payments_ready (ready_for_pickup, ready_at in [07:00, 08:00) on ref): 7 SUP01 07:15
-> fires; 8 SUP05 (no e-mail) 07:45 -> skipped; 9 SUP09 (en, USD, pickup_location null) 07:30
-> fires; 10 ready 08:00:00 (next window); 11 paid (ready 07:20); 12 ready ref-1 07:30.

interfaces_not_run (T = ref 08:00): STOCK_SYNC (owner Hernán 3) last success ref 06:1x, and
EXCHANGE_RATES (owner Claudia 11) ref 07:31: fresh. PRICE_UPDATE (owner Martín 4) last success
ref-14 06:40, failed runs after: stale. FACTORY_REPORTING (owner Hernán 3) never succeeded (failed
runs and one still running).

crm_contacts_overdue (ids 1..9): 1 Sofía (13) scheduled ref-1; 2 Sofía ref-5 (escalates to
Gabriela 8); 3 Matías (14, no e-mail) ref-2 (goes to Gabriela); 4 Valeria (23) ref-2; 5 Valeria
ref-3 (escalates to Federico 18); not overdue: 6 scheduled for ref, 7 done, 8 cancelled,
9 scheduled ref+2. Generated contacts are done, cancelled or scheduled from ref on.
"""

from __future__ import annotations

import argparse
import bisect
import random
import sys
import time
import unicodedata
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import cache
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

SCHEMA_SQL = Path(__file__).resolve().parents[3] / "sql" / "dms" / "schema.sql"
LOCAL_TZ = ZoneInfo("America/Argentina/Buenos_Aires")
LOCAL_CURRENCY = "ARS"
USD_RATE_HINT = 1450  # ARS per USD, only to price USD lines; exchange_rates has the real series

Row = Sequence[object]


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A local wall-clock time in the dealership's time zone, as a UTC instant."""
    local = datetime.combine(day, clock(hour, minute, second), tzinfo=LOCAL_TZ)
    return local.astimezone(UTC)


def _at_seconds(day: date, seconds: int) -> datetime:
    return _at(day, seconds // 3600, seconds // 60 % 60, seconds % 60)


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _quantity(milli: int) -> str:
    return f"{milli // 1000}.{milli % 1000:03d}"


def _with_tax(subtotal: int) -> tuple[int, int]:
    """IVA 21 %, rounded half up to the cent: (tax, total)."""
    tax = (subtotal * 21 + 50) // 100
    return tax, subtotal + tax


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _slug(text: str) -> str:
    """Lowercase ASCII for e-mail local parts: 'Martín Gómez' -> 'martin.gomez'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in plain.lower()).split()
    return ".".join(words)


def _cuit(prefix: int, body: int) -> str:
    """A CUIT with a valid check digit; bodies whose digit would be 10 move to the next one."""
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = f"{prefix:02d}{body:08d}"
        check = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{prefix:02d}-{body:08d}-{check}"
        body += 1


def _randint(rng: random.Random, low: int, high: int) -> int:
    """Like ``rng.randint`` (one ``random()`` draw, several times faster) for the hot paths."""
    return low + int(rng.random() * (high - low + 1))


def _cents(rng: random.Random, low: int, high: int, step: int = 100) -> int:
    """A random amount in cents between two amounts in units, a multiple of `step` cents."""
    return _randint(rng, low * 100 // step, high * 100 // step) * step


Weighted = tuple[tuple[str, ...], list[int]]


def _weighted(pairs: Sequence[tuple[str, int]]) -> Weighted:
    values, weights = zip(*pairs, strict=True)
    return values, list(accumulate(weights))


def _pick(rng: random.Random, table: Weighted) -> str:
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _in_usd(ars_cents: int) -> int:
    return max(100, ars_cents // USD_RATE_HINT)


# ---------------------------------------------------------------------------------------------
# Fixed reference data (the same for every seed)
# ---------------------------------------------------------------------------------------------

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

INTERFACES = (
    (1, "PRICE_UPDATE", "Actualización de listas de precios de fábrica", 4),
    (2, "STOCK_SYNC", "Sincronización de stock con fábrica", 3),
    (3, "EXCHANGE_RATES", "Cotizaciones del Banco Nación", 11),
    (4, "FACTORY_REPORTING", "Reporte de ventas y garantías a fábrica", 3),
)


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
# fmt: on

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
# fmt: on

LABOR = (
    ("Mano de obra - Service 10.000 km", 145_000_00),
    ("Mano de obra - Service 20.000 km", 185_000_00),
    ("Mano de obra - Service 40.000 km", 265_000_00),
    ("Alineación y balanceo", 68_000_00),
    ("Diagnóstico electrónico", 45_000_00),
    ("Cambio de pastillas de freno (mano de obra)", 52_000_00),
    ("Reparación de tren delantero", 320_000_00),
    ("Cambio de kit de distribución (mano de obra)", 410_000_00),
)
OTHER_CHARGES = (
    ("Gestoría - Transferencia de dominio", 180_000_00),
    ("Gestoría - Inscripción inicial 0 km", 350_000_00),
    ("Polarizado de cristales", 95_000_00),
    ("Grabado de autopartes", 28_000_00),
    ("Lavado y detailing premium", 60_000_00),
)
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
PAYMENT_METHODS = ("Transferencia bancaria", "Cheque", "Efectivo", "Tarjeta de débito", "Echeq")
DOC_LABEL = {
    "invoice": "Factura",
    "debit_note": "Nota de débito",
    "credit_note": "Nota de crédito",
    "receipt": "Recibo",
}
FIRST_NUMBER = {"invoice": 4120, "debit_note": 85, "credit_note": 310, "receipt": 2650}
# regular: movements every month; old_balance / old_zero: movements only in the month before
# the window, leaving a debt / a zero balance; none: no movement ever
CUSTOMER_PROFILES = _weighted((("regular", 93), ("none", 3), ("old_balance", 2), ("old_zero", 2)))
ACCOUNT_TYPES = {
    "ARS": _weighted((("parts", 45), ("service", 38), ("other", 14), ("vehicles", 3))),
    "USD": _weighted((("parts", 50), ("vehicles", 25), ("service", 15), ("other", 10))),
}


# ---------------------------------------------------------------------------------------------
# Fixed documents (pinned cases); amounts do not depend on the seed
# ---------------------------------------------------------------------------------------------

# A line: (part code or None, description or None for the part's, quantity in thousandths,
# unit price in cents or None for the part's list price in ARS)
LineSpec = tuple[str | None, str | None, int, int | None]


@dataclass(frozen=True, slots=True)
class PinnedDocument:
    key: str
    customer: str
    doc_type: str
    currency: str
    account_type: str
    day: int  # days from reference_date
    at: tuple[int, int, int]  # local time the DMS recorded it
    lines: tuple[LineSpec, ...]
    due_in: int | None = None  # days from reference_date
    open_amount: int | None = None  # cents; None = the whole total
    status: str = "issued"
    settled: bool = False


# fmt: off
PINNED_DOCUMENTS = (
    # window [07:45, 08:00) of reference_date: family sales_documents
    PinnedDocument("W1", "C00001", "invoice", "ARS", "parts", 0, (7, 47, 12),
                   (("FIL-0001", None, 1000, None), ("LUB-0001", None, 1000, None),
                    ("ACC-0001", None, 0, None)), due_in=30, settled=True),
    PinnedDocument("W2", "C00001", "receipt", "ARS", "parts", 0, (7, 52, 40),
                   ((None, "Cobranza - Transferencia bancaria", 1000, 250_000_00),)),
    PinnedDocument("W3", "C00002", "invoice", "ARS", "service", 0, (7, 50, 5),
                   ((None, "Mano de obra - Service 20.000 km", 1000, 185_000_00),
                    ("FIL-0002", None, 1000, None)), due_in=30, settled=True),
    PinnedDocument("W4", "C00003", "receipt", "ARS", "other", 0, (7, 46, 30),
                   ((None, "Cobranza - Cheque", 1000, 500_000_00),)),
    PinnedDocument("W5", "C00007", "invoice", "USD", "vehicles", 0, (7, 58, 30),
                   ((None, "Toyota Hilux 2.8 SRX 4x4 AT 0 km - Blanco perlado", 1000,
                     48_500_00),), due_in=0, settled=True),
    PinnedDocument("W6", "C00012", "credit_note", "ARS", "parts", 0, (7, 45, 0),
                   (("SUS-0002", "Devolución de repuestos - Amortiguador trasero", 1000, None),)),
    PinnedDocument("W7", "C00012", "invoice", "ARS", "parts", 0, (7, 49, 0),
                   (("NEU-0002", None, 4000, None),), due_in=30, status="voided"),
    PinnedDocument("W8", "C00012", "debit_note", "ARS", "other", 0, (7, 55, 10),
                   ((None, "Intereses por pago fuera de término", 1000, 18_750_00),), due_in=10),
    PinnedDocument("W9", "C00012", "invoice", "ARS", "parts", 0, (8, 0, 0),
                   (("MOT-0003", None, 4000, None),), due_in=30, settled=True),
    PinnedDocument("W10", "C00001", "invoice", "ARS", "parts", 0, (7, 44, 59),
                   (("FRE-0004", None, 2000, None),), due_in=30, settled=True),
    PinnedDocument("W11", "C00004", "invoice", "ARS", "service", 0, (7, 57, 0),
                   ((None, "Alineación y balanceo", 1000, 68_000_00),), due_in=30,
                   settled=True),
    # invoices_due_soon
    PinnedDocument("D1", "C00001", "invoice", "ARS", "service", -25, (10, 12, 0),
                   ((None, "Mano de obra - Service 30.000 km", 1000, 240_000_00),
                    ("LUB-0001", None, 1000, None), ("FIL-0001", None, 1000, None),
                    ("FIL-0002", None, 1000, None)), due_in=5, open_amount=150_000_00),
    PinnedDocument("D2", "C00012", "invoice", "ARS", "parts", -29, (11, 5, 0),
                   (("SUS-0001", None, 2000, None), ("SUS-0003", None, 2000, None)), due_in=1),
    PinnedDocument("D3", "C00012", "debit_note", "USD", "vehicles", -9, (16, 40, 0),
                   ((None, "Diferencia de cambio - venta de unidad Ford Ranger", 1000,
                     1_234_56),), due_in=1),
    PinnedDocument("D4", "C00012", "invoice", "ARS", "parts", -25, (9, 30, 0),
                   (("NEU-0001", None, 4000, None),), due_in=5, settled=True),
    PinnedDocument("D5", "C00012", "invoice", "ARS", "parts", -25, (9, 45, 0),
                   (("NEU-0001", None, 4000, None),), due_in=5, status="voided"),
    PinnedDocument("D6", "C00007", "invoice", "USD", "parts", -29, (14, 20, 0),
                   (("NEU-0002", None, 4000, 265_00),), due_in=1),
    PinnedDocument("D7", "C00004", "invoice", "ARS", "service", -25, (12, 0, 0),
                   ((None, "Diagnóstico electrónico", 1000, 45_000_00),
                    ("ELE-0005", None, 2000, None)), due_in=5),
    PinnedDocument("D8", "C00001", "invoice", "ARS", "parts", -28, (17, 25, 0),
                   (("ELE-0002", None, 2000, None),), due_in=2),
    PinnedDocument("D9", "C00012", "invoice", "ARS", "service", -25, (15, 10, 0),
                   ((None, "Reparación de tren delantero", 1000, 320_000_00),
                    ("SUS-0003", None, 2000, None)), due_in=5),
)
# fmt: on


def _pinned_line(spec: LineSpec) -> Line:
    part_code, description, milli, unit = spec
    if part_code is None:
        if description is None or unit is None:
            raise ValueError(f"a line without a part needs a description and a price: {spec}")
        return (None, description, milli, unit, (unit * milli + 500) // 1000)
    part = PART_BY_CODE[part_code]
    price = part.list_price if unit is None else unit
    return (part.id, description or part.description, milli, price, (price * milli + 500) // 1000)


# ---------------------------------------------------------------------------------------------
# Generated entities
# ---------------------------------------------------------------------------------------------


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


# (part id or None, description, quantity in thousandths, unit price cents, amount cents)
Line = tuple[int | None, str, int, int, int]


@dataclass(slots=True)
class Entry:
    """One account movement, and the sales document behind it when it has one."""

    customer: Customer
    currency: str
    account_type: str
    doc_type: str
    issue_date: date
    seconds: int  # local time of day the DMS recorded it
    lines: list[Line]
    subtotal: int
    tax: int
    total: int
    has_document: bool
    open_amount: int = 0
    due_date: date | None = None
    status: str = "issued"
    number: str = ""
    document_id: int | None = None

    @property
    def letter(self) -> str | None:
        if self.doc_type == "receipt":
            return None
        return "A" if self.customer.is_company else "B"

    @property
    def description(self) -> str:
        letter = f" {self.letter}" if self.letter else ""
        return f"{DOC_LABEL[self.doc_type]}{letter} {self.number}"

    @property
    def created_at(self) -> datetime:
        return _at_seconds(self.issue_date, self.seconds)


class CopyWriter:
    """COPY rows into dms tables, counting them per table."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
        statement = sql.SQL("copy {} ({}) from stdin").format(
            sql.Identifier("dms", table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        count = 0
        with self.conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        self.counts[table] = self.counts.get(table, 0) + count


# the columns each table is loaded with, in row order
COLUMNS = {
    "currencies": "code name symbol",
    "dealerships": "id code name tax_id local_currency timezone",
    "branches": "id dealership_id code name email",
    "warehouses": "id branch_id code name",
    "employees": "id branch_id full_name email role manager_id active",
    "exchange_rates": "currency rate_date rate_to_local",
    "parts": "id code description brand unit_cost list_price min_stock active",
    "customers": (
        "id code legal_name tax_id email cc_emails language branch_id salesperson_id alerts_opt_out "
        "birth_date active"
    ),
    "suppliers": "id code legal_name tax_id email language active",
    "stock": "part_id warehouse_id on_hand reserved updated_at",
    "vehicles": "id vin customer_id make model model_year plate warranty_until in_stock_since condition",
    "work_orders": "id branch_id customer_id vehicle_id advisor_id opened_at finished_at status",
    "service_appointments": "id branch_id customer_id vehicle_id scheduled_at status",
    "sales_documents": (
        "id branch_id customer_id doc_type letter number issue_date due_date currency account_type "
        "subtotal tax total open_amount status created_at"
    ),
    "sales_document_lines": "document_id line_no part_id description quantity unit_price amount",
    "account_movements": (
        "id customer_id branch_id currency account_type movement_date document_id description debit credit"
    ),
    "stock_transfers": (
        "id part_id from_warehouse_id to_warehouse_id quantity status requested_at received_at"
    ),
    "stock_movements": (
        "id part_id warehouse_id movement_type quantity moved_at employee_id work_order_id sales_document_id"
    ),
    "customer_orders": "id customer_id branch_id salesperson_id created_at status",
    "customer_order_lines": "order_id line_no part_id warehouse_id quantity_ordered quantity_pending status",
    "payment_orders": (
        "id branch_id supplier_id number currency amount created_at status authorizer_id "
        "authorized_at ready_at pickup_location"
    ),
    "payment_order_items": "payment_order_id line_no supplier_invoice_number description amount",
    "interfaces": "id code name owner_id",
    "interface_runs": "id interface_id started_at finished_at status rows_processed",
    "crm_contacts": (
        "id customer_id vehicle_id branch_id contact_type scheduled_for completed_at owner_id status notes"
    ),
}


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


class DemoData:
    """Builds every table's rows from one random stream, in a fixed order."""

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

    # -- organisation ------------------------------------------------------------------------

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

    def suppliers(self) -> list[Row]:
        return [
            (i, code, name, _cuit(prefix, body), email, language, active)
            for i, (code, name, prefix, body, email, language, active) in enumerate(SUPPLIERS, start=1)
        ]

    # -- customers ---------------------------------------------------------------------------

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

    # -- stock -------------------------------------------------------------------------------

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

    # -- vehicles and workshop ---------------------------------------------------------------

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
    # fmt: on

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

    # -- account movements and sales documents -----------------------------------------------

    def entry_batches(self) -> Iterator[tuple[list[Entry], bool]]:
        """Per month, oldest first: its entries (numbered, ids set), and whether any has a
        document. Balances carry over from month to month."""
        pinned_by_month: dict[date, list[PinnedDocument]] = {}
        for pin in PINNED_DOCUMENTS:
            pinned_by_month.setdefault(_month_start(self._day(pin.day)), []).append(pin)
        months = sorted({self.older_month, *self.window_months, *pinned_by_month})
        for month in months:
            entries = self._random_month_entries(month)
            entries += [self._pinned_entry(pin) for pin in pinned_by_month.get(month, [])]
            entries.sort(key=lambda e: (e.issue_date, e.seconds, e.customer.id))
            self._number(entries)
            yield entries, any(e.has_document for e in entries)

    def _random_month_entries(self, month: date) -> list[Entry]:
        entries: list[Entry] = []
        if month == self.older_month:
            for customer in self.customers:
                if customer.profile in ("old_balance", "old_zero"):
                    entries += self._old_entries(customer, month)
        elif month in self.window_months:
            with_documents = month == self.last_month
            for customer in self.customers:
                if customer.profile == "regular":
                    entries += self._regular_entries(customer, month, with_documents)
        return entries

    def _regular_entries(self, customer: Customer, month: date, with_documents: bool) -> list[Entry]:
        rng = self.rng
        mean = self.movements_per_month
        low = max(1, round(mean * 0.6))
        total = _randint(rng, low, 2 * mean - low) if mean > 1 else 1
        days = (_add_months(month, 1) - month).days
        usd = max(1, total // 4) if "USD" in customer.currencies else 0
        entries: list[Entry] = []
        for currency, count in (("ARS", total - usd), ("USD", usd)):
            for offset in sorted(int(rng.random() * days) for _ in range(count)):
                entry = self._random_entry(customer, currency, month + timedelta(days=offset), with_documents)
                entries.append(entry)
                if with_documents and entry.doc_type == "invoice" and rng.random() < 0.01:
                    entries.append(self._voided_copy(entry))
        return entries

    def _old_entries(self, customer: Customer, month: date) -> list[Entry]:
        """A few invoices and one receipt: fully paid (old_zero) or leaving a debt."""
        rng = self.rng
        entries = [
            self._debit_entry(customer, "ARS", month + timedelta(days=rng.randrange(20)), "invoice", False)
            for _ in range(rng.randint(1, 3))
        ]
        entries.sort(key=lambda e: e.issue_date)
        balance = self.balances[(customer.id, "ARS")]
        paid = balance if customer.profile == "old_zero" else balance // 2 // 100 * 100
        entries.append(self._receipt_entry(customer, "ARS", month + timedelta(days=25), paid, False))
        return entries

    def _random_entry(self, customer: Customer, currency: str, day: date, with_documents: bool) -> Entry:
        roll = self.rng.random()
        balance = self.balances.get((customer.id, currency), 0)
        if roll < 0.35 and balance > 0:
            share = int(balance * self.rng.uniform(0.3, 1.0))
            step = 1_000_00 if currency == "ARS" else 10_00
            amount = min(balance, max(step, share // step * step))
            return self._receipt_entry(customer, currency, day, amount, with_documents)
        if roll < 0.40 and balance > 0:
            doc_type = "credit_note"
        elif roll < 0.45:
            doc_type = "debit_note"
        else:
            doc_type = "invoice"
        return self._debit_entry(customer, currency, day, doc_type, with_documents)

    def _business_seconds(self) -> int:
        return _randint(self.rng, 8 * 3600 + 1800, 19 * 3600 + 1800)

    def _debit_entry(
        self, customer: Customer, currency: str, day: date, doc_type: str, with_documents: bool
    ) -> Entry:
        """An invoice or debit note (a debit) or a credit note (a credit), with its lines."""
        rng = self.rng
        account_type = self._account_type(currency)
        if doc_type == "invoice":
            lines = self._invoice_lines(account_type, currency)
        elif doc_type == "debit_note":
            lines = [
                self._charge_line("Intereses por pago fuera de término", _cents(rng, 2_000, 60_000), currency)
            ]
        else:
            lines = [self._charge_line("Bonificación comercial", _cents(rng, 5_000, 150_000), currency)]
        subtotal = sum(line[4] for line in lines)
        tax, total = _with_tax(subtotal)
        entry = Entry(
            customer=customer,
            currency=currency,
            account_type=account_type,
            doc_type=doc_type,
            issue_date=day,
            seconds=self._business_seconds(),
            lines=lines,
            subtotal=subtotal,
            tax=tax,
            total=total,
            has_document=with_documents,
        )
        self._set_terms(entry)
        self._post(entry)
        return entry

    def _receipt_entry(
        self, customer: Customer, currency: str, day: date, amount: int, with_documents: bool
    ) -> Entry:
        method = self.rng.choice(PAYMENT_METHODS)
        lines: list[Line] = [(None, f"Cobranza - {method}", 1000, amount, amount)]
        entry = Entry(
            customer=customer,
            currency=currency,
            account_type=self._account_type(currency),
            doc_type="receipt",
            issue_date=day,
            seconds=self._business_seconds(),
            lines=lines,
            subtotal=amount,
            tax=0,
            total=amount,
            has_document=with_documents,
        )
        self._post(entry)
        return entry

    def _voided_copy(self, entry: Entry) -> Entry:
        """A voided duplicate (no movement); the DMS left its open amount as it was."""
        return replace(
            entry,
            seconds=min(entry.seconds + 240, 86_399),
            has_document=True,
            open_amount=entry.total,
            status="voided",
        )

    def _account_type(self, currency: str) -> str:
        return _pick(self.rng, ACCOUNT_TYPES[currency])

    def _charge_line(self, description: str, ars_cents: int, currency: str) -> Line:
        unit = ars_cents if currency == "ARS" else _in_usd(ars_cents)
        return (None, description, 1000, unit, unit)

    def _part_line(self, part: Part, currency: str, milli: int | None = None) -> Line:
        if milli is None:
            milli = (
                self.rng.choice((3500, 4000, 4500, 5000))
                if part.code in BULK_PARTS
                else _randint(self.rng, 1, 4) * 1000
            )
        unit = part.list_price if currency == "ARS" else _in_usd(part.list_price)
        return (part.id, part.description, milli, unit, (unit * milli + 500) // 1000)

    def _invoice_lines(self, account_type: str, currency: str) -> list[Line]:
        rng = self.rng
        if account_type == "vehicles":
            make, model, _, low, high = rng.choice(VEHICLE_MODELS)
            usd = _cents(rng, low, high, step=100_00)
            price = usd if currency == "USD" else usd * USD_RATE_HINT
            return [(None, f"{make} {model} 0 km", 1000, price, price)]
        if account_type == "other":
            description, price = rng.choice(OTHER_CHARGES)
            return [self._charge_line(description, price, currency)]
        lines: list[Line] = []
        if account_type == "service":
            description, price = rng.choice(LABOR)
            lines.append(self._charge_line(description, price, currency))
        for _ in range(_randint(rng, 1, 3) if account_type == "parts" else _randint(rng, 0, 2)):
            lines.append(self._part_line(self._sellable_part(), currency))
        return lines

    def _sellable_part(self) -> Part:
        while True:
            part = self.rng.choice(PARTS)
            if part.active:
                return part

    def _set_terms(self, entry: Entry) -> None:
        """Due date and open amount; only generated customers owe generated documents."""
        if entry.doc_type == "invoice":
            days = 0 if entry.account_type == "vehicles" else 30
            entry.due_date = entry.issue_date + timedelta(days=days)
        elif entry.doc_type == "debit_note":
            entry.due_date = entry.issue_date + timedelta(days=10)
        if entry.customer.fixed or entry.doc_type not in ("invoice", "debit_note"):
            return
        if entry.account_type == "vehicles":
            return
        roll = self.rng.random()
        if roll < 0.30:
            entry.open_amount = entry.total
        elif roll < 0.40:
            entry.open_amount = entry.total * self.rng.randint(3, 8) // 10

    def _post(self, entry: Entry) -> None:
        key = (entry.customer.id, entry.currency)
        sign = 1 if entry.doc_type in ("invoice", "debit_note") else -1
        self.balances[key] = self.balances.get(key, 0) + sign * entry.total

    def _pinned_entry(self, pin: PinnedDocument) -> Entry:
        customer = self.customer_by_code[pin.customer]
        lines = [_pinned_line(spec) for spec in pin.lines]
        subtotal = sum(line[4] for line in lines)
        tax, total = (0, subtotal) if pin.doc_type == "receipt" else _with_tax(subtotal)
        hour, minute, second = pin.at
        entry = Entry(
            customer=customer,
            currency=pin.currency,
            account_type=pin.account_type,
            doc_type=pin.doc_type,
            issue_date=self._day(pin.day),
            seconds=hour * 3600 + minute * 60 + second,
            lines=lines,
            subtotal=subtotal,
            tax=tax,
            total=total,
            has_document=True,
            status=pin.status,
        )
        if pin.due_in is not None:
            entry.due_date = self._day(pin.due_in)
        if pin.doc_type in ("invoice", "debit_note") and not pin.settled:
            entry.open_amount = total if pin.open_amount is None else pin.open_amount
        if pin.status == "issued":
            self._post(entry)
        return entry

    def _number(self, entries: list[Entry]) -> None:
        """Numbers follow creation order per point of sale, type and letter; ids too."""
        for entry in entries:
            key = (entry.customer.branch_id, entry.doc_type, entry.letter)
            number = self.counters.get(key, FIRST_NUMBER[entry.doc_type])
            self.counters[key] = number + 1
            entry.number = f"{entry.customer.branch_id:04d}-{number:08d}"
            if entry.has_document:
                entry.document_id = self.next_document_id
                self.next_document_id += 1

    def document_rows(self, entries: list[Entry]) -> Iterator[Row]:
        for e in entries:
            if e.document_id is None:
                continue
            yield (
                e.document_id,
                e.customer.branch_id,
                e.customer.id,
                e.doc_type,
                e.letter,
                e.number,
                e.issue_date,
                e.due_date,
                e.currency,
                e.account_type,
                _money(e.subtotal),
                _money(e.tax),
                _money(e.total),
                _money(e.open_amount),
                e.status,
                e.created_at,
            )

    def line_rows(self, entries: list[Entry]) -> Iterator[Row]:
        for e in entries:
            if e.document_id is None:
                continue
            for line_no, (part_id, description, milli, unit, amount) in enumerate(e.lines, 1):
                yield (
                    e.document_id,
                    line_no,
                    part_id,
                    description,
                    _quantity(milli),
                    _money(unit),
                    _money(amount),
                )

    def record_stock_effects(self, entries: list[Entry]) -> None:
        """Remember the stock movements these documents caused (written later)."""
        for entry in entries:
            if entry.document_id is not None and entry.status == "issued":
                self._record_stock_effect(entry)

    def _record_stock_effect(self, entry: Entry) -> None:
        """Billed issues for invoice part lines; returns for credit-note part lines."""
        if entry.doc_type not in ("invoice", "credit_note"):
            return
        branch = entry.customer.branch_id
        counter = entry.account_type == "parts"
        warehouse = COUNTER_WAREHOUSE[branch] if counter else WORKSHOP_WAREHOUSE[branch]
        employee = (_staff(branch, "parts_manager") if counter else _staff(branch, "service_advisor"))[0]
        created = entry.created_at
        for part_id, _, milli, _, _ in entry.lines:
            if part_id is None or milli == 0:
                continue
            if entry.doc_type == "invoice":
                moved = created - timedelta(minutes=self.rng.randint(10, 180))
                self.billed_issues.append(
                    (part_id, warehouse, "issue", _quantity(milli), moved, employee, None, entry.document_id)
                )
            else:
                moved = created - timedelta(minutes=5)
                self.billed_issues.append(
                    (part_id, warehouse, "return", _quantity(milli), moved, employee, None, entry.document_id)
                )

    def movement_rows(self, entries: list[Entry]) -> Iterator[Row]:
        for e in entries:
            if e.status != "issued":
                continue
            debit, credit = (
                (_money(e.total), "0") if e.doc_type in ("invoice", "debit_note") else ("0", _money(e.total))
            )
            yield (
                self.next_movement_id,
                e.customer.id,
                e.customer.branch_id,
                e.currency,
                e.account_type,
                e.issue_date,
                e.document_id,
                e.description,
                debit,
                credit,
            )
            self.next_movement_id += 1

    # -- transfers and stock movements -------------------------------------------------------

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
        # fmt: on

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

    # -- customer orders ---------------------------------------------------------------------

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

    # -- payment orders ----------------------------------------------------------------------

    PICKUP_CENTRAL = "Tesorería Casa Central - Av. Rivadavia 1234, CABA. Lunes a viernes de 9 a 13 h."
    PICKUP_CORDOBA = "Tesorería Sucursal Córdoba - Av. Colón 2550. Lunes a viernes de 9 a 13 h."

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

    # -- interfaces --------------------------------------------------------------------------

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

    # -- CRM ---------------------------------------------------------------------------------

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

    # -- helpers -----------------------------------------------------------------------------

    def _day(self, offset: int) -> date:
        return self.ref + timedelta(days=offset)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------

# the large tables, loaded with their foreign keys checked once at the end
BULK_TABLES = ("sales_documents", "sales_document_lines", "account_movements", "stock_movements")


@contextmanager
def _foreign_keys_checked_at_end(
    conn: psycopg.Connection, tables: Sequence[str]
) -> Generator[None, None, None]:
    """Drop the tables' foreign keys, let the caller load, and add them back.

    PostgreSQL's bulk-load advice ("Populating a Database"): adding a foreign key checks every
    row in one join, where a loaded row fires one check per key (half of a 1M-movement load).
    The constraints come back with their names and definitions, validated, in the caller's
    transaction; if the load fails the rollback restores them. Needs ownership of the tables.
    """
    saved = conn.execute(
        """
        select n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid)
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        where k.contype = 'f' and n.nspname = 'dms' and c.relname = any(%s)
        order by c.relname, k.conname
        """,
        [list(tables)],
    ).fetchall()
    for schema, table, name, _ in saved:
        conn.execute(
            sql.SQL("alter table {} drop constraint {}").format(
                sql.Identifier(schema, table), sql.Identifier(name)
            )
        )
    yield
    for schema, table, name, definition in saved:
        conn.execute(
            sql.SQL("alter table {} add constraint {} {}").format(
                sql.Identifier(schema, table), sql.Identifier(name), sql.SQL(definition)
            )
        )


def create_schema(conn: psycopg.Connection) -> None:
    """Create schema ``dms`` (idempotent) from ``sql/dms/schema.sql`` and commit."""
    conn.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
    conn.commit()


def load_demo_data(
    conn: psycopg.Connection,
    *,
    seed: int = 7,
    customers: int = 60,
    reference_date: date = date(2026, 11, 1),
    months: int = 3,
    movements_per_month: int = 15,
) -> dict[str, int]:
    """Fill the empty ``dms`` tables deterministically, commit, and return rows per table.

    The fixed cases (module docstring) hold for every seed; ``customers`` must be at least 12.
    Everything is loaded in one transaction (also on an autocommit connection). The connection's
    role must own the tables: the large tables' foreign keys are dropped for the load and added
    back (validated) before the commit.
    """
    if customers < len(FIXED_CUSTOMERS):
        raise ValueError(f"customers must be at least {len(FIXED_CUSTOMERS)} (the fixed cases)")
    if months < 1 or movements_per_month < 1:
        raise ValueError("months and movements_per_month must be at least 1")
    if conn.execute("select exists (select from dms.dealerships)").fetchone() != (False,):
        raise ValueError("the dms schema already holds data (the CLI's --replace drops it first)")
    demo = DemoData(
        random.Random(seed),
        customers=customers,
        reference_date=reference_date,
        months=months,
        movements_per_month=movements_per_month,
    )
    out = CopyWriter(conn)

    def copy(table: str, rows: Iterable[Row]) -> None:
        out.copy(table, COLUMNS[table].split(), rows)

    # one transaction even on an autocommit connection: all or nothing, constraints included
    with conn.transaction():
        copy("currencies", demo.currencies())
        copy("dealerships", demo.dealerships())
        copy("branches", demo.branches())
        copy("warehouses", demo.warehouses())
        copy("employees", demo.employees())
        copy("exchange_rates", demo.exchange_rates())
        copy("parts", demo.parts())
        copy("customers", demo.build_customers())
        copy("suppliers", demo.suppliers())
        copy("stock", demo.stock())
        copy("vehicles", demo.vehicles())
        copy("work_orders", demo.work_orders())
        copy("service_appointments", demo.service_appointments())
        transfers, transfer_moves = demo.stock_transfers()
        copy("stock_transfers", transfers)
        with _foreign_keys_checked_at_end(conn, BULK_TABLES):
            for entries, has_documents in demo.entry_batches():
                if has_documents:
                    copy("sales_documents", demo.document_rows(entries))
                    copy("sales_document_lines", demo.line_rows(entries))
                    demo.record_stock_effects(entries)
                copy("account_movements", demo.movement_rows(entries))
            stock_moves = (
                demo.fixed_stock_movements() + transfer_moves + demo.receipt_history() + demo.billed_issues
            )
            copy("stock_movements", ((i, *row) for i, row in enumerate(stock_moves, start=1)))
        orders, order_lines = demo.customer_orders()
        copy("customer_orders", orders)
        copy("customer_order_lines", order_lines)
        payment_orders, payment_items = demo.payment_orders()
        copy("payment_orders", payment_orders)
        copy("payment_order_items", payment_items)
        copy("interfaces", demo.interfaces())
        copy("interface_runs", demo.interface_runs())
        copy("crm_contacts", demo.crm_contacts())
        from alertas_dev.demo.catalogue_data import load_catalogue_data  # imports this module

        load_catalogue_data(conn, out, seed=seed, reference_date=reference_date)
    conn.commit()
    return out.counts


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m alertas_dev.demo.dms_data",
        description="Create the dms schema and fill it with deterministic demo data.",
    )
    parser.add_argument("--dsn", required=True, help="PostgreSQL connection string")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument(
        "--reference-date",
        type=date.fromisoformat,
        default=date(2026, 11, 1),
        help="the date the demo runs the alerts for (YYYY-MM-DD)",
    )
    parser.add_argument(
        "--months", type=int, default=3, help="months of account movements before the reference month"
    )
    parser.add_argument("--movements-per-month", type=int, default=15)
    parser.add_argument(
        "--replace", action="store_true", help="drop an existing dms schema first (destroys its data)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    started = time.perf_counter()
    with psycopg.connect(args.dsn) as conn:
        if args.replace:
            conn.execute("drop schema if exists dms cascade")
        create_schema(conn)
        try:
            counts = load_demo_data(
                conn,
                seed=args.seed,
                customers=args.customers,
                reference_date=args.reference_date,
                months=args.months,
                movements_per_month=args.movements_per_month,
            )
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    width = max(map(len, counts))
    for table, count in counts.items():
        print(f"{table:<{width}}  {count:>9,}")
    print(f"{'total':<{width}}  {sum(counts.values()):>9,}  ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
