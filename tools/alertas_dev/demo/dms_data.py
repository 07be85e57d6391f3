"""Deterministic demo data for the DMS reference schema ``dms`` (``DMS_SCHEMA.md``): the load and
the CLI; the rows are built by domain in ``alertas_dev.demo.data``.

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
import random
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import psycopg

from alertas_dev.demo.catalogue_data import load_catalogue_data
from alertas_dev.demo.data.common import Row
from alertas_dev.demo.data.customers import FIXED_CUSTOMERS
from alertas_dev.demo.data.generator import DemoData
from alertas_dev.demo.data.loading import (
    BULK_TABLES,
    COLUMNS,
    CopyWriter,
    _foreign_keys_checked_at_end,
    create_schema,
)

__all__ = ["COLUMNS", "create_schema", "load_demo_data", "main"]


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
        load_catalogue_data(conn, out, seed=seed, reference_date=reference_date)
        out.counts["demo cases"] = load_demo_cases(conn)
    conn.commit()
    return out.counts


# Rows for families added as files: `cases/<family>.sql`, run after the generated data (README of
# the docs, "Add an alert": a case on the demo's default date, with ids of its own).
CASES_DIR = Path(__file__).resolve().parent / "cases"


def load_demo_cases(conn: psycopg.Connection, folder: Path = CASES_DIR) -> int:
    """Run every `*.sql` of `folder` in name order; how many files ran. A failing file is named."""
    files = sorted(folder.glob("*.sql"))
    for path in files:
        try:
            conn.execute(path.read_text(encoding="utf-8"))  # no parameters: several statements
        except psycopg.Error as exc:
            first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise ValueError(f"demo case {path}: {first}") from exc
    return len(files)


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
