"""Demo data for the catalogue tables and columns (families 11-41 of CATALOGUE.md).

``load_catalogue_data`` runs inside ``dms_data.load_demo_data``'s transaction, after every other
table is loaded: it reads what it needs back (customers, vehicles, work orders, order lines, the
highest ids), COPYs the catalogue tables and new rows of existing tables, and fills the catalogue
columns of existing rows with a few set-based UPDATEs. It draws from its own random stream
(``random.Random(f"catalogue:{seed}")``), so the rows of the other tables are the same as without
it. New rows of existing tables (employees, vehicles, work orders, appointments, parts, stock,
customer orders, stock movements) get ids after the highest one loaded: they never collide.

Every date is relative to ref (``reference_date``); times are local (America/Argentina/Buenos_Aires).
The demo runs at T = ref 08:00: hourly families read [07:00, 08:00), daily ones (with a window)
[ref-1 08:00, ref 08:00), leads_unattended (every 30 min) compares against T.

Fixed cases (every seed; C0000n are dms_data's fixed customers, employees 1-31 its staff)
===========================================================================================

New staff: 32 Marcela Villegas sales_manager CENTRAL; 33 Gustavo Ferrari sales_manager CORDOBA;
34 Rolando Bustos sales_manager ROSARIO INACTIVE; 35 Lorena Paredes sales_manager ROSARIO NO
e-mail (so ROSARIO's rows go to the dealership level); 36 Adrián Cabral sales_manager
(dealership); 37 Verónica Sáez warranty_admin (dealership); 38 Inés Lombardi credit_manager
(dealership); 39 Marcos Figueroa credit_manager CORDOBA NO e-mail (contact_data_quality).

vehicle_arrived (arrived in [07:00, 08:00)): C00001 Lucía 07:12 -> Lucía; C00009 Javier
(inactive) 07:40 -> Marcela; C00011 Carolina (no e-mail) 07:05 -> Gustavo. Not: C00010 at
08:00:00, C00012 at ref-1 07:30.
vehicle_ready_for_delivery ([07:00, 08:00)): C00001 07:20 (cc Lucía); C00002 07:35 opted out;
C00007 07:55 (en); C00006 07:45 malformed e-mail; C00012 ready 07:10 then cancelled 07:50.
deals_stalled: documentation since ref-16 (C00004, Diego); ordered since ref-75 (C00005,
Nicolás); registration since ref-22 (C00010, Julieta: cc the dealership-level manager);
ready_for_delivery since ref-9 (C00003, Javier inactive -> Marcela). Not: financing since
ref-10 08:30 (C00012).
aged_vehicle_stock: units since ref-130, ref-95, ref-60 (on the threshold), ref-200 ROSARIO
without a cost; ref-59 is not aged. The 20 generated stock units get a branch and a cost.
quotes_expiring (valid until ref+3, open): Lucía x2 (one USD), Javier (inactive) -> Marcela,
Carolina (no e-mail) -> Gustavo, Julieta (USD). Not: ref+4; ref+3 accepted.
vehicle_loans_overdue: demo by Diego due ref-1 18:00 (cc Marcela); courtesy by Tomás to C00012 due
ref-2 18:00 (cc Gabriela); demo by Javier (inactive) due ref-4 -> Marcela. Not: due ref 08:00:00,
returned.
warranty_expiring (ref+30): C00001, C00007 (en), C00002 (opted out), C00008 (inactive); C00012's
ref-60 and ref+31 are not. service_due (ref+15): C00001, C00007 (en), C00004 (malformed); C00012
ref+16 is not.
birthday_greetings: a few generated people born on ref's day and month (one opted out or with
a bad e-mail when there is one), plus about 1 in 365 generated people.
appointment_reminders (booked ref+1): C00001 09:30, C00002 (opted out), C00004 (malformed);
C00012 ref+1 cancelled; recall_open_on_appointment: C00001's Corolla (recall TY-2026-014 open)
ref+1 and C00011's Amarok (VW-2026-007 open) ref+2; C00012's Ranger (FD-2025-022 open) ref+5
is too far; C00007's Hilux campaign is done.
appointment_no_shows (ref-1): C00009 08:30 and C00004 10:00 CENTRAL, C00011 09:00 CORDOBA;
C00010 no-show ref-2 is not.
vehicle_ready_for_pickup (finished [07:00, 08:00)): C00001 07:25 finished, C00007 07:50 invoiced
(en), C00002 07:10 (opted out); C00012 at 06:59 is not.
work_orders_open_too_long (>= 10 days): C00005 opened ref-25 CORDOBA, C00012 ref-10 (on the
threshold) CENTRAL; C00004 ref-9 is not.
repeat_repairs (opened [ref-1 08:00, ref 08:00)): C00012's Hilux 2.4 finished ref-12, opened
again ref-1 09:30; C00010's Cruze finished ref-31 10:00 and opened ref-1 11:00 is not (31 days).
warranty_claims_pending: rejected ref-2 (C00012's order), submitted ref-45 and ref-31 10:00;
not: rejected ref-8, submitted ref-29, paid, draft.
satisfaction_surveys (ref-3): sales delivered to C00012, C00007 (en) and C00002 (opted out), a
work order of C00012 invoiced; not: a sale delivered ref-4.
vehicle_documents_expiring (ref+15): C00001 VTV, C00012 insurance, C00007 insurance (en),
C00004 VTV (malformed), C00008 VTV (inactive); C00001's insurance ref+16 is not.
parts_below_minimum: new parts FIL-0005 (7 of 12) and ACC-0003 (3 of 4); FRE-0005 holds exactly
its minimum (6 of 6): not below.
special_orders_not_picked_up (reserved_at, local date): C00001 ref-8 (customer), C00012 ref-25
(customer + Lucía), C00007 ref-22 (en + Julieta), C00009 ref-21 (customer + Javier inactive ->
Marcela), C00002 ref-10 (opted out); C00004 ref-6 is not. Every generated reserved line gets a
reserved_at after its order was created.
stock_adjustments_audit ([ref-1 08:00, ref 08:00)): NEU-0002 x1 at DEP-CBA-1 ref-1 18:20 (and
dms_data's SUS-0002 at 07:30); FIL-0001 x2 (under 50.000) and one at ref-1 07:59 are not.
credit_limit_exceeded: C00012 limit 2.500.000 (exceeded); C00001 1.000.000 and C00007
2.500.000 are not; about a fifth of the generated customers with an open balance get a limit,
some below the balance.
cheques_to_deposit (in portfolio, due <= ref+2): CENTRAL ARS ref+1, ref+2, ref-2 (past due) and
USD ref; CORDOBA ref+1; ROSARIO USD ref+2. Not: ref+3, deposited.
rejected_cheques ([07:00, 08:00)): C00001 07:15, C00003 (no e-mail) 07:30, C00007 07:45 (en);
not: C00005 06:50, no customer 07:20.
supplier_invoices_due (due <= ref+5): CENTRAL ref-10 (partly paid), ref, ref+5 (USD); CORDOBA
ref+3; ROSARIO ref-3. Not: ref+6, voided ref+1, paid ref+2.
exchange_rate_missing: dms_data loads no USD rate for ref (the day's rate comes later), while
USD documents were issued in the last 30 days.
leads_unattended (T - 4 h / T - 24 h): Lucía ref-1 21:40; Diego ref 03:30; Nicolás ref-2 15:00
(escalated); unassigned ref-1 06:00 (escalated); Carolina (no e-mail) ref 02:00; Javier
(inactive) ref-3 (escalated). Not: ref 04:10 (3 h 50 min), contacted.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

import psycopg

from alertas_dev.demo.data.common import USD_RATE_HINT, Row, _at, _money, _quantity, _slug
from alertas_dev.demo.data.customers import FEMALE_NAMES, MALE_NAMES, SURNAMES
from alertas_dev.demo.data.loading import CopyWriter
from alertas_dev.demo.data.organisation import (
    CENTRAL,
    CORDOBA,
    DEP_CBA_1,
    DEP_CEN_1,
    DEP_ROS_1,
    ROSARIO,
    Employee,
    _staff,
)
from alertas_dev.demo.data.parts import PART_BY_CODE
from alertas_dev.demo.data.purchasing import SUPPLIER_ID
from alertas_dev.demo.data.workshop import VEHICLE_MODELS

COLUMNS = {
    "employees": "id branch_id full_name email role manager_id active",
    "vehicles": (
        "id vin customer_id make model model_year plate warranty_until in_stock_since condition "
        "branch_id stock_cost next_service_due"
    ),
    "work_orders": "id branch_id customer_id vehicle_id advisor_id opened_at finished_at status",
    "service_appointments": "id branch_id customer_id vehicle_id scheduled_at status",
    "parts": "id code description brand unit_cost list_price min_stock active",
    "stock": "part_id warehouse_id on_hand reserved updated_at",
    "stock_movements": (
        "id part_id warehouse_id movement_type quantity moved_at employee_id work_order_id sales_document_id"
    ),
    "customer_orders": "id customer_id branch_id salesperson_id created_at status",
    "customer_order_lines": (
        "order_id line_no part_id warehouse_id quantity_ordered quantity_pending status reserved_at"
    ),
    "vehicle_sales": (
        "id branch_id customer_id salesperson_id vehicle_id model_description stage stage_since created_at "
        "delivered_at"
    ),
    "vehicle_sale_events": "id sale_id stage at",
    "quotes": "id branch_id customer_id salesperson_id number issue_date valid_until currency total status",
    "vehicle_loans": (
        "id vehicle_id branch_id employee_id customer_id loan_type out_at due_back_at returned_at"
    ),
    "warranty_claims": (
        "id work_order_id branch_id number currency amount status submitted_at status_changed_at "
        "rejection_reason"
    ),
    "recall_campaigns": "id code title make opened_on",
    "recall_vehicles": "campaign_id vehicle_id status",
    "cheques": (
        "id branch_id customer_id bank number currency amount due_date received_at status status_changed_at "
        "rejection_reason"
    ),
    "supplier_invoices": (
        "id branch_id supplier_id number issue_date due_date currency total open_amount status"
    ),
    "leads": (
        "id branch_id source full_name email phone interest assigned_to created_at first_contact_at status"
    ),
    "vehicle_documents": "vehicle_id doc_type expires_on reference",
}

NEW_EMPLOYEES = (
    Employee(32, CENTRAL, "Marcela Villegas", "sales_manager", 1),
    Employee(33, CORDOBA, "Gustavo Ferrari", "sales_manager", 1),
    Employee(34, ROSARIO, "Rolando Bustos", "sales_manager", 1, active=False),
    Employee(35, ROSARIO, "Lorena Paredes", "sales_manager", 1, has_email=False),
    Employee(36, None, "Adrián Cabral", "sales_manager", 1),
    Employee(37, None, "Verónica Sáez", "warranty_admin", 1),
    Employee(38, None, "Inés Lombardi", "credit_manager", 1),
    Employee(39, CORDOBA, "Marcos Figueroa", "credit_manager", 1, has_email=False),
)

COLOURS = ("Blanco", "Gris plata", "Negro", "Rojo", "Azul", "Gris oscuro", "Blanco perlado")
BANKS = (
    "Banco de la Nación Argentina",
    "Banco de Galicia",
    "Banco Santander Argentina",
    "Banco Macro",
    "BBVA Argentina",
    "Banco Credicoop",
    "Banco de la Provincia de Córdoba",
    "Banco Municipal de Rosario",
    "Banco Patagonia",
)
REJECTION_REASONS = (
    "Sin fondos suficientes",
    "Firma no coincide con la registrada",
    "Cuenta cerrada",
    "Defectos formales",
    "Orden de no pagar",
)
CLAIM_REJECTIONS = (
    "Daño por uso indebido: no cubierto por la garantía de fábrica",
    "Falta el informe técnico con fotos de la pieza",
    "Reclamo presentado fuera de plazo",
)
LEAD_SOURCES = ("web", "whatsapp", "telefono", "salon", "mercadolibre", "referido")
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
STAGES = (
    "ordered",
    "arrived",
    "documentation",
    "financing",
    "registration",
    "ready_for_delivery",
    "delivered",
)

# new parts: (code, description, brand, unit cost, list price, min stock, {warehouse: (on hand, reserved)})
NEW_PARTS = (
    ("FIL-0005", "Filtro de aceite motor diésel", "Mann-Filter", 12_600, 20_400, 12,
     {DEP_CEN_1: (5, 0), DEP_CBA_1: (2, 0)}),
    ("FRE-0005", "Pastillas de freno delanteras Hilux", "Bosch", 54_000, 88_000, 6,
     {DEP_CEN_1: (4, 0), DEP_ROS_1: (2, 0)}),
    ("ACC-0003", "Kit de seguridad reglamentario (matafuego y balizas)", "Autosur", 21_000, 34_500, 4,
     {DEP_CEN_1: (3, 0)}),
)  # fmt: skip


def _usable(email: str | None) -> bool:
    return email is not None and EMAIL_SHAPE.fullmatch(email) is not None


class CatalogueData:
    """Builds the catalogue rows from what the DMS already holds, with its own random stream."""

    def __init__(self, conn: psycopg.Connection, seed: int, reference_date: date) -> None:
        self.conn = conn
        self.rng = random.Random(f"catalogue:{seed}")
        self.ref = reference_date
        self.T = _at(reference_date, 8, 0)
        rows = conn.execute(
            "select id, code, legal_name, tax_id, email, branch_id, salesperson_id, alerts_opt_out,"
            " birth_date, active from dms.customers order by id"
        ).fetchall()
        self.customers = rows
        self.by_code = {r[1]: r for r in rows}
        self.generated = [r for r in rows if r[0] > 12]
        self.next_id = {
            table: conn.execute(f"select coalesce(max(id), 0) + 1 from dms.{table}").fetchone()[0]
            for table in ("vehicles", "work_orders", "service_appointments", "parts", "customer_orders",
                          "stock_movements")
        }  # fmt: skip
        self.vehicles: list[Row] = []
        self.vehicle_id: dict[str, int] = {}

    # -- helpers -------------------------------------------------------------------------------

    def day(self, offset: int) -> date:
        return self.ref + timedelta(days=offset)

    def at(self, offset: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
        return _at(self.day(offset), hour, minute, second)

    def cid(self, code: str) -> int:
        return self.by_code[code][0]

    def take(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def vin(self, wmi: str, vehicle_id: int) -> str:
        body = "".join(self.rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(8))
        return f"{wmi}{body}{vehicle_id:06d}"

    def sales_rep(self, branch: int) -> int:
        return self.rng.choice(_staff(branch, "sales_rep"))

    # -- employees and vehicles ------------------------------------------------------------------

    def employees(self) -> list[Row]:
        return [
            (e.id, e.branch_id, e.full_name, e.email, e.role, e.manager_id, e.active) for e in NEW_EMPLOYEES
        ]

    # (key, customer code, branch, make, model, year, plate, condition, warranty, service, in stock, cost)
    FIXED_VEHICLES = (
        ("V1", "C00001", CENTRAL, "Toyota", "Yaris 1.5 S CVT", 2023, "AF 234 KL", "new", 30, 15, None, None),
        ("V2", "C00002", CENTRAL, "Peugeot", "208 1.6 Allure", 2023, "AF 871 MN", "new", 30, None, None,
         None),
        ("V3", "C00007", ROSARIO, "Toyota", "Corolla 2.0 XEI CVT", 2023, "AF 559 QR", "new", 30, 15, None,
         None),
        ("V4", "C00004", CENTRAL, "Fiat", "Cronos 1.3 Drive", 2024, "AE 402 ST", "new", None, 15, None, None),
        ("V5", "C00005", CORDOBA, "Volkswagen", "Gol Trend 1.6", 2019, "AC 617 UV", "used", None, None, None,
         None),
        ("V6", "C00012", CENTRAL, "Toyota", "Hilux 2.8 SRX 4x4 AT", 2026, "AG 220 WX", "new", 1092, 362, None,
         None),
        ("V7", "C00008", CORDOBA, "Ford", "Ranger XLT 3.2 4x4", 2023, "AE 990 YZ", "new", 30, None, None,
         None),
        ("V8", "C00012", CENTRAL, "Toyota", "Hilux 2.4 DX 4x2", 2022, "AE 778 PQ", "new", 31, 16, None, None),
        ("V9", "C00001", CENTRAL, "Toyota", "Corolla 2.0 XEI CVT", 2026, "AG 112 RT", "new", 1095, None, None,
         None),
        ("V10", "C00009", CENTRAL, "Renault", "Kangoo II Express", 2020, "AD 245 FG", "used", None, None,
         None, None),
        ("V11", "C00010", ROSARIO, "Chevrolet", "Cruze 1.4 LTZ", 2021, "AD 733 NP", "new", -60, None, None,
         None),
        ("V12", "C00007", ROSARIO, "Toyota", "Hilux 2.8 DX 4x4", 2026, "AG 301 KB", "new", 1092, None, None,
         None),
        ("V13", "C00002", CENTRAL, "Chevrolet", "Cruze 1.4 LTZ", 2026, "AG 418 HC", "new", 1092, None, None,
         None),
        ("V14", "C00012", CENTRAL, "Toyota", "Hilux 2.8 SRX 4x4 AT", 2026, "AG 219 WV", "new", 1091, None,
         None, None),
        ("V15", "C00002", CENTRAL, "Fiat", "Cronos 1.3 Drive", 2026, "AG 501 JK", "new", 1095, None, None,
         None),
        ("V16", "C00006", CENTRAL, "Peugeot", "208 1.6 Allure", 2026, "AG 377 LP", "new", 1095, None, None,
         None),
        ("V17", "C00003", CENTRAL, "Renault", "Kangoo II Express", 2026, "AG 640 DN", "new", 1095, None, None,
         None),
        ("V18", "C00012", CENTRAL, "Renault", "Kangoo II Express", 2022, "AE 515 KT", "new", -90, None, None,
         None),
        # dealer stock (aged_vehicle_stock)
        ("S1", None, CENTRAL, "Toyota", "Hilux 2.8 SRX 4x4 AT", 2026, None, "new", None, None, -130,
         61_900_000_00),
        ("S2", None, CENTRAL, "Volkswagen", "Amarok V6 Highline", 2021, "AD 318 RT", "used", None, None, -95,
         38_500_000_00),
        ("S3", None, CORDOBA, "Fiat", "Cronos 1.3 Drive", 2026, None, "new", None, None, -60, 21_900_000_00),
        ("S4", None, CORDOBA, "Peugeot", "208 1.6 Allure", 2026, None, "new", None, None, -59, 24_300_000_00),
        ("S5", None, ROSARIO, "Ford", "Ranger XLT 3.2 4x4", 2020, "AC 904 LM", "used", None, None, -200,
         None),
        # demo units (in stock) and courtesy cars (not for sale)
        ("D1", None, CENTRAL, "Toyota", "Corolla 2.0 XEI CVT", 2026, "AG 050 DM", "new", None, None, -40,
         33_000_000_00),
        ("D2", None, ROSARIO, "Toyota", "Hilux 2.8 SRX 4x4 AT", 2026, "AG 051 DM", "new", None, None, -35,
         62_400_000_00),
        ("D3", None, CENTRAL, "Peugeot", "208 1.6 Allure", 2026, "AG 052 DM", "new", None, None, -20,
         24_100_000_00),
        ("K1", None, CENTRAL, "Toyota", "Etios 1.5 XLS", 2024, "AF 020 CT", "new", None, None, None, None),
        ("K2", None, CORDOBA, "Volkswagen", "Gol Trend 1.6", 2023, "AF 118 CB", "new", None, None, None,
         None),
        # units of sales on their way to delivery (in stock since they arrived)
        ("U1", None, CENTRAL, "Toyota", "Yaris 1.5 S CVT", 2026, None, "new", None, None, 0, 25_800_000_00),
        ("U2", None, CENTRAL, "Volkswagen", "Amarok V6 Highline", 2026, None, "new", None, None, 0,
         71_500_000_00),
        ("U3", None, CORDOBA, "Toyota", "Hilux 2.8 SRX 4x4 AT", 2026, None, "new", None, None, 0,
         62_400_000_00),
        ("U5", None, CENTRAL, "Ford", "Ranger XLT 3.2 4x4", 2026, None, "new", None, None, -1, 58_900_000_00),
        ("U11", None, CENTRAL, "Toyota", "Corolla 2.0 XEI CVT", 2026, None, "new", None, None, -30,
         33_000_000_00),
        ("U12", None, CENTRAL, "Toyota", "Hilux 2.8 SRX 4x4 AT", 2026, None, "new", None, None, -25,
         62_400_000_00),
        ("U14", None, ROSARIO, "Fiat", "Cronos 1.3 Drive", 2026, None, "new", None, None, -40, 21_900_000_00),
    )  # fmt: skip
    WMI = {"Toyota": "8AJ", "Volkswagen": "8AW", "Ford": "8AF", "Fiat": "8AP", "Chevrolet": "8AG",
           "Renault": "93Y", "Peugeot": "8AD"}  # fmt: skip

    def new_vehicles(self) -> list[Row]:
        for (
            key,
            code,
            branch,
            make,
            model,
            year,
            plate,
            condition,
            warranty,
            service,
            since,
            cost,
        ) in self.FIXED_VEHICLES:
            vehicle_id = self.take("vehicles")
            self.vehicle_id[key] = vehicle_id
            self.vehicles.append(
                (
                    vehicle_id,
                    self.vin(self.WMI[make], vehicle_id),
                    self.cid(code) if code else None,
                    make,
                    model,
                    year,
                    plate,
                    None if warranty is None else self.day(warranty),
                    None if since is None else self.day(since),
                    condition,
                    branch,
                    None if cost is None else _money(cost),
                    None if service is None else self.day(service),
                )
            )
        return self.vehicles

    def update_existing_vehicles(self) -> None:
        """Dealer stock gets a branch and a cost; about 60 % of customers' vehicles a next service."""
        rng = self.rng
        price = {(make, model): (low, high) for make, model, _, low, high in VEHICLE_MODELS}
        stock_ids, branches, costs, owned_ids, services = [], [], [], [], []
        for vehicle_id, customer_id, make, model, condition, since in self.conn.execute(
            "select id, customer_id, make, model, condition, in_stock_since from dms.vehicles"
            " where id < %s order by id",
            [self.vehicle_id["V1"]],
        ):
            if customer_id is None and since is not None:
                low, high = price.get((make, model), (20_000, 40_000))
                usd = rng.randint(low, high) * (85 if condition == "new" else 55) // 100
                stock_ids.append(vehicle_id)
                branches.append(rng.choices((CENTRAL, CORDOBA, ROSARIO), weights=(50, 30, 20))[0])
                costs.append(usd * USD_RATE_HINT // 1000 * 1000)
            elif customer_id is not None and vehicle_id > 4 and rng.random() < 0.6:
                owned_ids.append(vehicle_id)
                services.append(self.day(rng.randint(-20, 200)))
        self.conn.execute(
            "update dms.vehicles as v set branch_id = u.branch_id, stock_cost = u.cost"
            " from unnest(%s::bigint[], %s::bigint[], %s::numeric[]) as u (id, branch_id, cost)"
            " where v.id = u.id",
            [stock_ids, branches, costs],
        )
        self.conn.execute(
            "update dms.vehicles as v set next_service_due = u.due"
            " from unnest(%s::bigint[], %s::date[]) as u (id, due) where v.id = u.id",
            [owned_ids, services],
        )
        self.owned_vehicles = self.conn.execute(
            "select id, customer_id, plate from dms.vehicles where customer_id is not null and id > 4"
            " and id < %s order by id",
            [self.vehicle_id["V1"]],
        ).fetchall()

    def vehicle_documents(self) -> list[Row]:
        v = self.vehicle_id
        rows: list[Row] = [
            (1, "vtv", self.day(15), "118734/25"),
            (1, "insurance", self.day(16), "4471-883920"),
            (2, "insurance", self.day(15), "8812-004512"),
            (v["V3"], "insurance", self.day(15), "3390-221877"),
            (v["V4"], "vtv", self.day(15), "093311/24"),
            (v["V7"], "vtv", self.day(15), "550812/24"),
            (v["V5"], "vtv", self.day(40), "120077/25"),
        ]
        rng = self.rng
        for vehicle_id, _customer, plate in self.owned_vehicles:
            if plate is None:
                continue
            if rng.random() < 0.7:
                number = f"{rng.randint(10**5, 10**6 - 1)}/{rng.randint(24, 26)}"
                rows.append((vehicle_id, "vtv", self.day(rng.randint(-30, 365)), number))
            if rng.random() < 0.85:
                number = f"{rng.randint(1000, 9999)}-{rng.randint(10**5, 10**6 - 1):06d}"
                rows.append((vehicle_id, "insurance", self.day(rng.randint(1, 365)), number))
            if rng.random() < 0.1:
                number = f"{rng.randint(10**7, 10**8 - 1)}"
                rows.append((vehicle_id, "registration", self.day(rng.randint(1, 365)), number))
        return rows

    # -- sales -----------------------------------------------------------------------------------

    def vehicle_sales(self) -> tuple[list[Row], list[Row]]:
        v = self.vehicle_id
        at = self.at
        # (customer, salesperson, branch, vehicle key, model description, [(stage, instant)...])
        fixed = [
            ("C00001", 5, CENTRAL, "U1", "Toyota Yaris 1.5 S CVT - Gris plata",
             [("ordered", at(-40, 10)), ("arrived", at(0, 7, 12))]),
            ("C00009", 7, CENTRAL, "U2", "Volkswagen Amarok V6 Highline - Negro",
             [("ordered", at(-50, 11)), ("arrived", at(0, 7, 40))]),
            ("C00011", 17, CORDOBA, "U3", "Toyota Hilux 2.8 SRX 4x4 AT - Blanco",
             [("ordered", at(-35, 12)), ("arrived", at(0, 7, 5))]),
            ("C00010", 25, ROSARIO, None, "Fiat Cronos 1.3 Drive - Rojo",
             [("ordered", at(-30, 16)), ("arrived", at(0, 8, 0))]),
            ("C00012", 5, CENTRAL, "U5", "Ford Ranger XLT 3.2 4x4 - Gris oscuro",
             [("ordered", at(-28, 10)), ("arrived", at(-1, 7, 30))]),
            ("C00001", 5, CENTRAL, "V9", "Toyota Corolla 2.0 XEI CVT - Blanco",
             [("ordered", at(-60, 10)), ("arrived", at(-20, 11)), ("documentation", at(-18, 9)),
              ("registration", at(-10, 12)), ("ready_for_delivery", at(0, 7, 20))]),
            ("C00002", 6, CENTRAL, "V15", "Fiat Cronos 1.3 Drive - Azul",
             [("ordered", at(-45, 15)), ("arrived", at(-15, 10)), ("documentation", at(-14, 10)),
              ("registration", at(-7, 11)), ("ready_for_delivery", at(0, 7, 35))]),
            ("C00007", 25, ROSARIO, "3", "Toyota Hilux 2.8 SRX 4x4 AT - Blanco perlado",
             [("ordered", at(-70, 10)), ("arrived", at(-25, 9)), ("documentation", at(-24, 9)),
              ("financing", at(-20, 10)), ("registration", at(-12, 10)),
              ("ready_for_delivery", at(0, 7, 55))]),
            ("C00006", 6, CENTRAL, "V16", "Peugeot 208 1.6 Allure - Gris plata",
             [("ordered", at(-40, 12)), ("arrived", at(-12, 10)), ("documentation", at(-11, 10)),
              ("registration", at(-5, 10)), ("ready_for_delivery", at(0, 7, 45))]),
            ("C00012", 5, CENTRAL, None, "Toyota Corolla 2.0 XEI CVT - Negro",
             [("ordered", at(-50, 10)), ("arrived", at(-20, 10)), ("documentation", at(-19, 10)),
              ("registration", at(-9, 10)), ("ready_for_delivery", at(0, 7, 10)),
              ("cancelled", at(0, 7, 50))]),
            ("C00004", 6, CENTRAL, "U11", "Toyota Corolla 2.0 XEI CVT - Gris oscuro",
             [("ordered", at(-55, 10)), ("arrived", at(-30, 10)), ("documentation", at(-16, 9))]),
            ("C00012", 5, CENTRAL, "U12", "Toyota Hilux 2.8 SRX 4x4 AT - Plata",
             [("ordered", at(-45, 10)), ("arrived", at(-25, 10)), ("documentation", at(-20, 10)),
              ("financing", at(-10, 8, 30))]),
            ("C00005", 16, CORDOBA, None, "Volkswagen Amarok V6 Highline - Gris plata",
             [("ordered", at(-75, 10))]),
            ("C00010", 25, ROSARIO, "U14", "Fiat Cronos 1.3 Drive - Blanco",
             [("ordered", at(-70, 10)), ("arrived", at(-40, 10)), ("documentation", at(-35, 10)),
              ("registration", at(-22, 10))]),
            ("C00003", 7, CENTRAL, "V17", "Renault Kangoo II Express - Blanco",
             [("ordered", at(-60, 10)), ("arrived", at(-30, 10)), ("documentation", at(-28, 10)),
              ("registration", at(-16, 10)), ("ready_for_delivery", at(-9, 10))]),
            ("C00012", 5, CENTRAL, "V6", "Toyota Hilux 2.8 SRX 4x4 AT - Blanco",
             [("ordered", at(-80, 10)), ("arrived", at(-30, 10)), ("documentation", at(-28, 10)),
              ("registration", at(-15, 10)), ("ready_for_delivery", at(-6, 10)),
              ("delivered", at(-3, 11, 30))]),
            ("C00007", 25, ROSARIO, "V12", "Toyota Hilux 2.8 DX 4x4 - Blanco",
             [("ordered", at(-90, 10)), ("arrived", at(-35, 10)), ("documentation", at(-33, 10)),
              ("registration", at(-20, 10)), ("ready_for_delivery", at(-8, 10)),
              ("delivered", at(-3, 16))]),
            ("C00002", 6, CENTRAL, "V13", "Chevrolet Cruze 1.4 LTZ - Gris plata",
             [("ordered", at(-60, 10)), ("arrived", at(-25, 10)), ("documentation", at(-24, 10)),
              ("registration", at(-12, 10)), ("ready_for_delivery", at(-5, 10)),
              ("delivered", at(-3, 12))]),
            ("C00012", 5, CENTRAL, "V14", "Toyota Hilux 2.8 SRX 4x4 AT - Blanco",
             [("ordered", at(-80, 10)), ("arrived", at(-30, 10)), ("documentation", at(-28, 10)),
              ("registration", at(-15, 10)), ("ready_for_delivery", at(-6, 10)),
              ("delivered", at(-4, 10))]),
        ]  # fmt: skip
        specs = []
        for code, salesperson, branch, key, description, events in fixed:
            vehicle = None if key is None else (int(key) if key.isdigit() else v[key])
            specs.append((branch, self.cid(code), salesperson, vehicle, description, events))
        specs += self._random_sales()
        sales: list[Row] = []
        events: list[Row] = []
        for sale_id, (branch, customer_id, salesperson, vehicle, description, steps) in enumerate(specs, 1):
            stage, since = steps[-1]
            delivered = since if stage == "delivered" else None
            sales.append((sale_id, branch, customer_id, salesperson, vehicle, description, stage, since,
                          steps[0][1], delivered))  # fmt: skip
            for stage_name, instant in steps:
                events.append((len(events) + 1, sale_id, stage_name, instant))
        return sales, events

    def _random_sales(self) -> list[tuple]:
        """About 4 % of the generated customers bought a vehicle in the last months; every event
        before ref's midnight (never in a demo window)."""
        rng = self.rng
        owned: dict[int, int] = {}
        for vehicle_id, customer_id, _plate in self.owned_vehicles:
            owned.setdefault(customer_id, vehicle_id)
        limit = _at(self.ref, 0, 0)
        specs = []
        for customer_id, _code, _name, _tax, _email, branch, salesperson, *_rest in self.generated:
            if rng.random() >= 0.04:
                continue
            make, model, _, _, _ = rng.choice(VEHICLE_MODELS)
            description = f"{make} {model} - {rng.choice(COLOURS)}"
            instant = _at(self.day(-rng.randint(5, 150)), rng.randint(9, 18), rng.choice((0, 15, 30, 45)))
            steps = [("ordered", instant)]
            for stage in STAGES[1:]:
                if stage == "financing" and rng.random() < 0.6:
                    continue
                gap = rng.randint(10, 60) if stage == "arrived" else rng.randint(1, 12)
                instant = instant + timedelta(days=gap, hours=rng.randint(-2, 2))
                if instant >= limit:
                    break
                if rng.random() < 0.03:
                    steps.append(("cancelled", instant))
                    break
                steps.append((stage, instant))
            vehicle = owned.get(customer_id) if steps[-1][0] == "delivered" else None
            specs.append(
                (branch, customer_id, salesperson or self.sales_rep(branch), vehicle, description, steps)
            )
        return specs

    def quotes(self) -> list[Row]:
        day = self.day
        fixed = [
            ("C00001", 5, CENTRAL, -12, 3, "ARS", 27_450_000_00, "open"),
            ("C00012", 5, CENTRAL, -27, 3, "USD", 52_300_00, "open"),
            ("C00009", 7, CENTRAL, -12, 3, "ARS", 1_380_000_00, "open"),
            ("C00005", 17, CORDOBA, -27, 3, "ARS", 845_500_00, "open"),
            ("C00007", 25, ROSARIO, -12, 3, "USD", 96_800_00, "open"),
            ("C00004", 6, CENTRAL, -11, 4, "ARS", 412_300_00, "open"),
            ("C00006", 6, CENTRAL, -12, 3, "ARS", 24_900_000_00, "accepted"),
        ]
        specs = [
            (self.cid(c), s, b, day(i), day(v), cur, total, st) for c, s, b, i, v, cur, total, st in fixed
        ]
        rng = self.rng
        for customer_id, _code, _name, _tax, _email, branch, salesperson, *_rest in self.generated:
            if rng.random() >= 0.08:
                continue
            issued = day(-rng.randint(0, 45))
            valid = issued + timedelta(days=rng.choice((7, 15, 30)))
            if valid < self.ref:
                status = rng.choices(("expired", "accepted", "rejected"), weights=(55, 30, 15))[0]
            else:
                status = rng.choices(("open", "accepted", "rejected"), weights=(70, 20, 10))[0]
            if rng.random() < 0.4:
                _, _, _, low, high = rng.choice(VEHICLE_MODELS)
                currency, total = "USD", rng.randint(low, high) * 100
            else:
                currency, total = "ARS", rng.randint(80, 2_500) * 1_000_00
            specs.append((customer_id, salesperson or self.sales_rep(branch), branch, issued, valid, currency,
                          total, status))  # fmt: skip
        specs.sort(key=lambda spec: (spec[3], spec[0]))
        rows: list[Row] = []
        counters: dict[int, int] = {}
        for quote_id, (customer_id, salesperson, branch, issued, valid, currency, total, status) in enumerate(
            specs, 1
        ):
            counters[branch] = counters.get(branch, 3100) + 1
            number = f"{branch:04d}-{counters[branch]:08d}"
            rows.append((quote_id, branch, customer_id, salesperson, number, issued, valid, currency,
                         _money(total), status))  # fmt: skip
        return rows

    def vehicle_loans(self) -> list[Row]:
        v = self.vehicle_id
        at = self.at
        rows: list[Row] = [
            (1, v["D1"], CENTRAL, 6, self.cid("C00006"), "demo", at(-3, 10), at(-1, 18), None),
            (2, v["K1"], CENTRAL, 9, self.cid("C00012"), "courtesy", at(-5, 9), at(-2, 18), None),
            (3, v["K2"], CORDOBA, 19, self.cid("C00005"), "courtesy", at(-2, 9), at(0, 8, 0), None),
            (4, v["D2"], ROSARIO, 26, self.cid("C00010"), "demo", at(-10, 10), at(-8, 18), at(-8, 17, 20)),
            (5, v["D3"], CENTRAL, 7, None, "demo", at(-6, 10), at(-4, 19), None),
        ]
        rng = self.rng
        fleet = [(v["D1"], CENTRAL, "demo"), (v["D2"], ROSARIO, "demo"), (v["D3"], CENTRAL, "demo"),
                 (v["K1"], CENTRAL, "courtesy"), (v["K2"], CORDOBA, "courtesy")]  # fmt: skip
        for _ in range(max(3, len(self.customers) // 100)):  # history: returned loans
            vehicle, branch, loan_type = rng.choice(fleet)
            role = "sales_rep" if loan_type == "demo" else "service_advisor"
            out = _at(self.day(-rng.randint(15, 120)), rng.randint(9, 17))
            due = out + timedelta(days=rng.randint(1, 4))
            returned = due + timedelta(hours=rng.randint(-20, 30))
            customer = rng.choice(self.generated)[0] if self.generated else None
            employee = rng.choice(_staff(branch, role))
            rows.append((len(rows) + 1, vehicle, branch, employee, customer, loan_type,
                         out, due, returned))  # fmt: skip
        return rows

    # -- workshop --------------------------------------------------------------------------------

    def work_orders(self) -> list[Row]:
        v = self.vehicle_id
        at = self.at
        # (key, customer, branch, vehicle, advisor, opened, finished, status)
        fixed = [
            ("WP1", "C00001", CENTRAL, v["V1"], 9, at(-2, 16), at(0, 7, 25), "finished"),
            ("WP2", "C00007", ROSARIO, v["V3"], 28, at(-2, 10), at(0, 7, 50), "invoiced"),
            ("WP3", "C00002", CENTRAL, v["V2"], 10, at(-2, 15), at(0, 7, 10), "finished"),
            ("WP4", "C00012", CENTRAL, v["V14"], 9, at(-1, 9), at(0, 6, 59), "finished"),
            ("WL1", "C00005", CORDOBA, v["V5"], 19, at(-25, 9), None, "open"),
            ("WL2", "C00012", CENTRAL, v["V18"], 10, at(-10, 9), None, "open"),
            ("WL3", "C00004", CENTRAL, v["V4"], 9, at(-9, 9), None, "open"),
            ("WR1P", "C00012", CENTRAL, v["V8"], 10, at(-15, 9), at(-12, 17), "invoiced"),
            ("WR1", "C00012", CENTRAL, v["V8"], 9, at(-1, 9, 30), None, "open"),
            ("WR2P", "C00010", ROSARIO, v["V11"], 28, at(-32, 9), at(-31, 10), "invoiced"),
            ("WR2", "C00010", ROSARIO, v["V11"], 28, at(-1, 11), None, "open"),
            ("WS1", "C00012", CENTRAL, 2, 10, at(-4, 9), at(-3, 16, 30), "invoiced"),
            ("WC1", "C00011", CORDOBA, 4, 19, at(-40, 9), at(-38, 17), "invoiced"),
            ("WC2", "C00007", ROSARIO, v["V12"], 28, at(-60, 9), at(-58, 12), "invoiced"),
        ]
        rows: list[Row] = []
        self.work_order_id: dict[str, int] = {}
        for key, code, branch, vehicle, advisor, opened, finished, status in fixed:
            wo_id = self.take("work_orders")
            self.work_order_id[key] = wo_id
            rows.append((wo_id, branch, self.cid(code), vehicle, advisor, opened, finished, status))
        return rows

    def service_appointments(self) -> list[Row]:
        v = self.vehicle_id
        at = self.at
        fixed = [
            (CENTRAL, "C00001", 1, at(1, 9, 30), "booked"),
            (ROSARIO, "C00007", v["V3"], at(1, 11), "booked"),
            (CENTRAL, "C00002", v["V2"], at(1, 8, 30), "booked"),
            (CENTRAL, "C00004", v["V4"], at(1, 10), "booked"),
            (CORDOBA, "C00011", 4, at(2, 14), "booked"),
            (CENTRAL, "C00012", 2, at(5, 9), "booked"),
            (CENTRAL, "C00012", v["V8"], at(1, 15), "cancelled"),
            (CENTRAL, "C00009", v["V10"], at(-1, 8, 30), "no_show"),
            (CENTRAL, "C00004", v["V4"], at(-1, 10), "no_show"),
            (CORDOBA, "C00011", 4, at(-1, 9), "no_show"),
            (CENTRAL, "C00001", 1, at(-1, 11), "attended"),
            (ROSARIO, "C00010", v["V11"], at(-2, 9), "no_show"),
        ]
        return [
            (self.take("service_appointments"), branch, self.cid(code), vehicle, when, status)
            for branch, code, vehicle, when, status in fixed
        ]

    def recalls(self) -> tuple[list[Row], list[Row]]:
        campaigns: list[Row] = [
            (1, "TY-2026-014", "Reemplazo del inflador del airbag del acompañante", "Toyota", self.day(-60)),
            (
                2,
                "VW-2026-007",
                "Actualización del software de la caja automática",
                "Volkswagen",
                self.day(-30),
            ),
            (3, "FD-2025-022", "Inspección del soporte de la columna de dirección", "Ford", self.day(-200)),
        ]
        pairs = {(1, 1): "open", (1, 3): "done", (2, 4): "open", (3, 2): "open"}
        rng = self.rng
        for vehicle_id, _customer, _plate in self.owned_vehicles:
            if rng.random() < 0.05:
                pairs.setdefault((rng.randint(1, 3), vehicle_id), rng.choice(("open", "done", "done")))
        return campaigns, [(c, vid, status) for (c, vid), status in sorted(pairs.items())]

    def warranty_claims(self) -> list[Row]:
        w = self.work_order_id
        at = self.at
        fixed = [
            (w["WR1P"], CENTRAL, "ARS", 684_500_00, "rejected", at(-20, 11), at(-2, 15), CLAIM_REJECTIONS[0]),
            (w["WC2"], ROSARIO, "USD", 1_240_00, "submitted", at(-45, 10), at(-45, 10), None),
            (w["WC1"], CORDOBA, "ARS", 392_000_00, "submitted", at(-31, 10), at(-31, 10), None),
            (w["WS1"], CENTRAL, "ARS", 215_800_00, "submitted", at(-29, 10), at(-29, 10), None),
            (1, CENTRAL, "ARS", 128_000_00, "rejected", at(-30, 10), at(-8, 10), CLAIM_REJECTIONS[1]),
            (w["WC1"], CORDOBA, "ARS", 96_400_00, "paid", at(-37, 10), at(-10, 10), None),
            (w["WL2"], CENTRAL, "ARS", 310_000_00, "draft", None, at(-1, 17), None),
        ]
        rng = self.rng
        for wo_id, branch, finished in self.conn.execute(
            "select id, branch_id, finished_at from dms.work_orders where status = 'invoiced'"
            " and id < %s order by id",
            [w["WP1"]],
        ):
            if rng.random() >= 0.15:
                continue
            submitted = finished + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6))
            if submitted >= self.T:
                continue
            status = rng.choices(("paid", "approved", "submitted", "rejected"), weights=(50, 20, 20, 10))[0]
            changed = submitted + timedelta(days=rng.randint(5, 40))
            if status == "submitted" or changed >= _at(self.ref, 0, 0):
                status, changed = "submitted", submitted
            reason = rng.choice(CLAIM_REJECTIONS) if status == "rejected" else None
            fixed.append(
                (wo_id, branch, "ARS", rng.randint(50, 900) * 1_000_00, status, submitted, changed, reason)
            )
        rows: list[Row] = []
        for claim_id, (wo_id, branch, currency, amount, status, submitted, changed, reason) in enumerate(
            fixed, 1
        ):
            number = f"GAR-{self.ref.year}-{4100 + claim_id:05d}"
            rows.append((claim_id, wo_id, branch, number, currency, _money(amount), status, submitted,
                         changed, reason))  # fmt: skip
        return rows

    # -- parts -----------------------------------------------------------------------------------

    def parts_and_stock(self) -> tuple[list[Row], list[Row]]:
        parts: list[Row] = []
        stock: list[Row] = []
        updated = _at(self.ref, 6, 10)
        for code, description, brand, cost, price, min_stock, levels in NEW_PARTS:
            part_id = self.take("parts")
            self.part_id = getattr(self, "part_id", {})
            self.part_id[code] = part_id
            parts.append((part_id, code, description, brand, _money(cost * 100), _money(price * 100),
                          min_stock, True))  # fmt: skip
            for warehouse, (on_hand, reserved) in levels.items():
                stock.append(
                    (part_id, warehouse, _quantity(on_hand * 1000), _quantity(reserved * 1000), updated)
                )
        return parts, stock

    def stock_movements(self) -> list[Row]:
        p = PART_BY_CODE
        at = self.at
        specs = [
            (p["NEU-0002"].id, DEP_CBA_1, "adjustment", "1.000", at(-1, 18, 20), 15),
            (p["FIL-0001"].id, DEP_CEN_1, "adjustment", "2.000", at(-1, 10), 4),
            (p["TRA-0001"].id, DEP_ROS_1, "adjustment", "1.000", at(-1, 7, 59), 24),
        ]
        return [(self.take("stock_movements"), *spec, None, None) for spec in specs]

    def customer_orders(self) -> tuple[list[Row], list[Row]]:
        p = PART_BY_CODE
        at = self.at
        # (customer, branch, salesperson, created, part, warehouse, quantity, reserved)
        fixed = [
            ("C00001", CENTRAL, 5, at(-10, 10), "FIL-0002", DEP_CEN_1, 1, at(-8, 10)),
            ("C00012", CENTRAL, 5, at(-30, 11), "NEU-0001", DEP_CEN_1, 4, at(-25, 16)),
            ("C00007", ROSARIO, 25, at(-26, 9), "NEU-0002", DEP_ROS_1, 4, at(-22, 12)),
            ("C00009", CENTRAL, 7, at(-30, 15), "ELE-0001", DEP_CEN_1, 1, at(-21, 9)),
            ("C00002", CENTRAL, 6, at(-12, 10), "ACC-0002", DEP_CEN_1, 1, at(-10, 11)),
            ("C00004", CENTRAL, 6, at(-8, 10), "ELE-0005", DEP_CEN_1, 2, at(-6, 10)),
        ]
        orders: list[Row] = []
        lines: list[Row] = []
        for code, branch, salesperson, created, part, warehouse, quantity, reserved in fixed:
            order_id = self.take("customer_orders")
            orders.append((order_id, self.cid(code), branch, salesperson, created, "open"))
            q = _quantity(quantity * 1000)
            lines.append((order_id, 1, p[part].id, warehouse, q, "0.000", "reserved", reserved))
        return orders, lines

    def update_reserved_lines(self) -> None:
        """Generated lines already set aside for the customer: reserved some hours after the order."""
        keys, reserved = [], []
        latest = self.T - timedelta(hours=1)
        for order_id, line_no, created in self.conn.execute(
            "select l.order_id, l.line_no, o.created_at from dms.customer_order_lines as l"
            " join dms.customer_orders as o on o.id = l.order_id"
            " where l.status = 'reserved' and l.reserved_at is null order by 1, 2"
        ):
            keys.append(order_id * 1000 + line_no)
            reserved.append(min(created + timedelta(hours=self.rng.randint(1, 72)), latest))
        self.conn.execute(
            "update dms.customer_order_lines as l set reserved_at = u.reserved_at"
            " from unnest(%s::bigint[], %s::timestamptz[]) as u (k, reserved_at)"
            " where l.order_id * 1000 + l.line_no = u.k",
            [keys, reserved],
        )

    # -- money -----------------------------------------------------------------------------------

    def cheques(self) -> list[Row]:
        at = self.at
        day = self.day
        c = self.cid
        OK, REJ = "in_portfolio", "rejected"
        # (branch, customer, bank, currency, amount, due, received, status, changed, reason)
        specs = [
            (CENTRAL, c("C00012"), BANKS[0], "ARS", 1_250_000_00, day(1), at(-20, 11), OK, None, None),
            (CENTRAL, c("C00001"), BANKS[1], "ARS", 480_000_00, day(2), at(-15, 12), OK, None, None),
            (CENTRAL, c("C00012"), BANKS[2], "USD", 3_500_00, day(0), at(-25, 10), OK, None, None),
            (CENTRAL, c("C00003"), BANKS[3], "ARS", 900_000_00, day(-2), at(-30, 10), OK, None, None),
            (CENTRAL, c("C00001"), BANKS[4], "ARS", 300_000_00, day(3), at(-10, 10), OK, None, None),
            (CORDOBA, c("C00005"), BANKS[6], "ARS", 2_100_000_00, day(1), at(-18, 10), OK, None, None),
            (CORDOBA, c("C00011"), BANKS[5], "ARS", 750_000_00, day(0), at(-20, 10), "deposited", at(-1, 10),
             None),
            (ROSARIO, c("C00007"), BANKS[7], "USD", 12_000_00, day(2), at(-14, 10), OK, None, None),
            (CENTRAL, c("C00001"), BANKS[1], "ARS", 620_000_00, day(-2), at(-32, 10), REJ, at(0, 7, 15),
             REJECTION_REASONS[0]),
            (CENTRAL, c("C00003"), BANKS[3], "ARS", 1_100_000_00, day(-3), at(-33, 10), REJ, at(0, 7, 30),
             REJECTION_REASONS[1]),
            (ROSARIO, c("C00007"), BANKS[2], "USD", 8_400_00, day(-1), at(-31, 10), REJ, at(0, 7, 45),
             REJECTION_REASONS[2]),
            (CORDOBA, c("C00005"), BANKS[6], "ARS", 380_000_00, day(-2), at(-20, 10), REJ, at(0, 6, 50),
             REJECTION_REASONS[0]),
            (CENTRAL, None, BANKS[8], "ARS", 215_000_00, day(-1), at(-12, 10), REJ, at(0, 7, 20),
             REJECTION_REASONS[3]),
        ]  # fmt: skip
        rng = self.rng
        for customer_id, _code, _name, _tax, _email, branch, *_rest in self.generated:
            if rng.random() >= 0.05:
                continue
            for _ in range(rng.randint(1, 2)):
                received = _at(day(-rng.randint(1, 60)), rng.randint(9, 17), rng.choice((0, 15, 30, 45)))
                due = received.date() + timedelta(days=rng.randint(0, 60))
                currency = "USD" if rng.random() < 0.15 else "ARS"
                amount = (
                    rng.randint(5, 300) * 10_00 if currency == "USD" else rng.randint(50, 4_000) * 1_000_00
                )
                if due <= day(-2):
                    status = rng.choices(
                        ("cleared", "deposited", "endorsed", "rejected", "in_portfolio"),
                        weights=(55, 15, 15, 5, 10),
                    )[0]
                else:
                    status = rng.choices(("in_portfolio", "endorsed"), weights=(85, 15))[0]
                changed = None
                if status not in ("in_portfolio",):
                    changed = min(_at(due + timedelta(days=1), 10), self.at(-1, 10))
                    changed = max(changed, received)
                reason = rng.choice(REJECTION_REASONS) if status == "rejected" else None
                specs.append((branch, customer_id, rng.choice(BANKS), currency, amount, due, received, status,
                              changed, reason))  # fmt: skip
        rows: list[Row] = []
        for cheque_id, (
            branch,
            customer,
            bank,
            currency,
            amount,
            due,
            received,
            status,
            changed,
            reason,
        ) in enumerate(specs, 1):
            number = f"{rng.randint(10_000_000, 99_999_999)}"
            rows.append((cheque_id, branch, customer, bank, number, currency, _money(amount), due, received,
                         status, changed or received, reason))  # fmt: skip
        return rows

    def supplier_invoices(self) -> list[Row]:
        day = self.day
        s = SUPPLIER_ID
        # (branch, supplier, issue, due, currency, total, open, status)
        specs = [
            (CENTRAL, s["SUP01"], -40, -10, "ARS", 1_845_000_00, 845_000_00, "issued"),
            (CENTRAL, s["SUP02"], -30, 0, "ARS", 987_450_00, 987_450_00, "issued"),
            (CENTRAL, s["SUP09"], -25, 5, "USD", 14_250_00, 14_250_00, "issued"),
            (CENTRAL, s["SUP03"], -24, 6, "ARS", 356_800_00, 356_800_00, "issued"),
            (CENTRAL, s["SUP04"], -29, 1, "ARS", 1_120_000_00, 1_120_000_00, "voided"),
            (CENTRAL, s["SUP06"], -28, 2, "ARS", 298_000_00, 0, "issued"),
            (CORDOBA, s["SUP05"], -27, 3, "ARS", 780_000_00, 780_000_00, "issued"),
            (ROSARIO, s["SUP10"], -33, -3, "ARS", 455_000_00, 455_000_00, "issued"),
        ]
        rng = self.rng
        for _ in range(max(10, len(self.customers) // 20)):
            supplier = rng.randint(1, len(SUPPLIER_ID))
            branch = rng.choices((CENTRAL, CORDOBA, ROSARIO), weights=(50, 30, 20))[0]
            issued = -rng.randint(1, 90)
            due = issued + rng.choice((30, 45, 60))
            currency = "USD" if supplier == s["SUP09"] else "ARS"
            total = rng.randint(50, 3_000) * 10_00 if currency == "USD" else rng.randint(50, 4_000) * 1_000_00
            if due < -10:
                open_amount = 0 if rng.random() < 0.9 else total // 2 // 100 * 100
            else:
                open_amount = total if rng.random() < 0.85 else 0
            status = "voided" if rng.random() < 0.03 else "issued"
            specs.append((branch, supplier, issued, due, currency, total, open_amount, status))
        rows: list[Row] = []
        for invoice_id, (branch, supplier, issued, due, currency, total, open_amount, status) in enumerate(
            specs, 1
        ):
            number = f"A {rng.randint(1, 12):04d}-{rng.randint(1_000, 99_999):08d}"
            rows.append((invoice_id, branch, supplier, number, day(issued), day(due), currency, _money(total),
                         _money(open_amount), status))  # fmt: skip
        return rows

    def credit_limits(self) -> None:
        """C00012 over its limit, C00001 and C00007 under; a fifth of the generated customers with
        an open balance get a limit, about half of them below the balance."""
        balances = dict(
            self.conn.execute(
                """
                select d.customer_id,
                       sum(d.open_amount
                           * case when d.currency = 'ARS' then 1 else coalesce(r.rate_to_local, 0) end)
                from dms.sales_documents as d
                left join lateral (
                    select x.rate_to_local from dms.exchange_rates as x
                    where x.currency = d.currency and x.rate_date <= %s order by x.rate_date desc limit 1
                ) as r on true
                where d.status = 'issued' and d.open_amount > 0 and d.issue_date <= %s
                group by d.customer_id
                """,
                [self.ref, self.ref],
            ).fetchall()
        )
        step = 50_000
        limits = {self.cid("C00012"): 2_500_000, self.cid("C00001"): 1_000_000, self.cid("C00007"): 2_500_000}
        rng = self.rng
        for customer_id, *_rest in self.generated:
            balance = int(balances.get(customer_id, 0))
            if balance <= 0 or rng.random() >= 0.2:
                continue
            if rng.random() < 0.5:
                limits[customer_id] = max(step, int(balance * rng.uniform(0.6, 0.95)) // step * step)
            else:
                limits[customer_id] = (int(balance * rng.uniform(1.1, 2.0)) // step + 1) * step
        ids = sorted(limits)
        self.conn.execute(
            "update dms.customers as c set credit_limit = u.credit_limit"
            " from unnest(%s::bigint[], %s::numeric[]) as u (id, credit_limit) where c.id = u.id",
            [ids, [limits[i] for i in ids]],
        )

    # -- customers and CRM -----------------------------------------------------------------------

    def birthdays(self) -> None:
        """Generated people born on ref's day: a usable one, a bad address, an opted-out one, and
        about one in 365 of the rest."""
        people = [r for r in self.generated if r[8] is not None]
        chosen: list[int] = []
        for wanted in (
            lambda r: r[9] and not r[7] and _usable(r[4]),
            lambda r: r[9] and not r[7] and _usable(r[4]) and r[0] not in chosen,
            lambda r: r[9] and not _usable(r[4]),
            lambda r: r[7],
        ):
            match = next((r for r in people if wanted(r) and r[0] not in chosen), None)
            if match is not None:
                chosen.append(match[0])
        chosen += [r[0] for r in people if r[0] not in chosen and self.rng.random() < 1 / 365]
        month, day_of_month = self.ref.month, min(self.ref.day, 28) if self.ref.month == 2 else self.ref.day
        births = [
            next(r[8] for r in people if r[0] == i).replace(month=month, day=day_of_month) for i in chosen
        ]
        self.conn.execute(
            "update dms.customers as c set birth_date = u.birth_date"
            " from unnest(%s::bigint[], %s::date[]) as u (id, birth_date) where c.id = u.id",
            [chosen, births],
        )

    def leads(self) -> list[Row]:
        at = self.at
        # (branch, source, name, email, phone, interest, assigned, created, first contact, status)
        specs = [
            (CENTRAL, "web", "Sebastián Ferreyra", "sebastian.ferreyra@example.org", "+54 9 11 5523-8841",
             "Toyota Corolla Cross 0 km", 5, at(-1, 21, 40), None, "new"),
            (CENTRAL, "whatsapp", "Milagros Quintana", None, "+54 9 11 6230-1177", "Usado hasta 15 millones",
             6, at(0, 3, 30), None, "new"),
            (CENTRAL, "web", "Bruno Salvatierra", "bruno.salvatierra@example.org", None, "Toyota Hilux SRX",
             5, at(0, 4, 10), None, "new"),
            (CORDOBA, "mercadolibre", "Gisela Arce", "gisela.arce@example.org", "+54 9 351 447-2290",
             "Fiat Cronos 1.3 Drive", 16, at(-2, 15), None, "new"),
            (CENTRAL, "telefono", "Horacio Llanos", None, "+54 9 11 4781-3302", "Plan de ahorro Yaris", None,
             at(-1, 6), None, "new"),
            (ROSARIO, "salon", "Celeste Miranda", "celeste.miranda@example.org", "+54 9 341 512-7788",
             "Volkswagen Amarok", 26, at(-1, 19), at(-1, 19, 30), "contacted"),
            (CORDOBA, "web", "Ezequiel Bazán", "ezequiel.bazan@", "+54 9 351 600-1020", "Peugeot 208 Allure",
             17, at(0, 2), None, "new"),
            (CENTRAL, "referido", "Alicia Montenegro", "alicia.montenegro@example.org", "+54 9 11 3344-5566",
             "Renault Kangoo para reparto", 7, at(-3, 12), None, "new"),
        ]  # fmt: skip
        rng = self.rng
        models = [f"{make} {model}" for make, model, *_ in VEHICLE_MODELS]
        for n in range(max(6, len(self.customers) // 15)):
            female = rng.random() < 0.5
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            surname = rng.choice(SURNAMES)
            roll = rng.random()
            email = None if roll < 0.2 else f"{_slug(first)}.{_slug(surname)}.l{n}@example.org"
            if 0.2 <= roll < 0.23:
                email = f"{_slug(first)}{_slug(surname)}.example.org"
            phone = (
                None
                if rng.random() < 0.1
                else f"+54 9 11 {rng.randint(2000, 6999)}-{rng.randint(1000, 9999)}"
            )
            branch = rng.choices((CENTRAL, CORDOBA, ROSARIO), weights=(50, 30, 20))[0]
            assigned = (
                rng.choice(_staff(branch, "sales_rep", active_only=False)) if rng.random() < 0.9 else None
            )
            created = _at(self.day(-rng.randint(1, 90)), rng.randint(8, 21), rng.randint(0, 59))
            status = rng.choices(
                ("contacted", "qualified", "won", "lost", "new"), weights=(35, 20, 15, 25, 5)
            )[0]
            contact = None if status == "new" else created + timedelta(hours=rng.randint(1, 30))
            if contact is not None and contact >= self.T:
                contact = created + timedelta(hours=1)
            specs.append((branch, rng.choice(LEAD_SOURCES), f"{first} {surname}", email, phone,
                          rng.choice(models), assigned, created, contact, status))  # fmt: skip
        return [(lead_id, *spec) for lead_id, spec in enumerate(specs, 1)]


def load_catalogue_data(
    conn: psycopg.Connection, out: CopyWriter, *, seed: int, reference_date: date
) -> None:
    """Fill the catalogue tables and columns (inside the caller's transaction)."""
    data = CatalogueData(conn, seed, reference_date)

    def copy(table: str, rows: Iterable[Row] | Sequence[Row]) -> None:
        out.copy(table, COLUMNS[table].split(), rows)

    copy("employees", data.employees())
    copy("vehicles", data.new_vehicles())
    data.update_existing_vehicles()
    copy("vehicle_documents", data.vehicle_documents())
    sales, events = data.vehicle_sales()
    copy("vehicle_sales", sales)
    copy("vehicle_sale_events", events)
    copy("quotes", data.quotes())
    copy("vehicle_loans", data.vehicle_loans())
    copy("work_orders", data.work_orders())
    copy("service_appointments", data.service_appointments())
    campaigns, recall_vehicles = data.recalls()
    copy("recall_campaigns", campaigns)
    copy("recall_vehicles", recall_vehicles)
    copy("warranty_claims", data.warranty_claims())
    parts, stock = data.parts_and_stock()
    copy("parts", parts)
    copy("stock", stock)
    copy("stock_movements", data.stock_movements())
    data.update_reserved_lines()
    orders, lines = data.customer_orders()
    copy("customer_orders", orders)
    copy("customer_order_lines", lines)
    copy("cheques", data.cheques())
    copy("supplier_invoices", data.supplier_invoices())
    data.credit_limits()
    data.birthdays()
    copy("leads", data.leads())
