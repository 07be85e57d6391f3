"""The pure transform of `customer_statements` on small frames shaped like its three extracts.

Frames mirror `sql/customer_statements/*.sql`: money as `decimal.Decimal`, dates as
`datetime.date`, `cc_emails` as lists (and, in one test, exactly as the extract's Parquet files
read back).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from alertas_rapidas.families.customer_statements import StatementSettings, sql_params, statement_period
from alertas_rapidas.families.customer_statements.transform import build_plan
from alertas_rapidas.schedule.run_time import RunTime, resolve_run_time

BA = "America/Argentina/Buenos_Aires"

CUSTOMER_COLUMNS = [
    "customer_id",
    "customer_code",
    "legal_name",
    "tax_id",
    "email",
    "cc_emails",
    "language",
    "alerts_opt_out",
    "active",
    "branch_name",
    "dealership_name",
    "dealership_tax_id",
    "local_currency",
]
BALANCE_COLUMNS = [
    "customer_id",
    "currency",
    "opening_balance",
    "period_debit",
    "period_credit",
    "period_movements",
]
MOVEMENT_COLUMNS = [
    "customer_id",
    "currency",
    "movement_id",
    "movement_date",
    "description",
    "debit",
    "credit",
]


def run_at(utc: datetime) -> RunTime:
    return resolve_run_time(timezone=BA, logical_date=utc, run_after=None, interval=None)


NOV_RUN = run_at(datetime(2026, 11, 1, 11, 0, tzinfo=UTC))  # 08:00 in Buenos Aires: October statements


def customer(customer_id: int, code: str, **fields: Any) -> dict[str, Any]:
    row = {
        "customer_id": customer_id,
        "customer_code": code,
        "legal_name": f"Cliente {code}",
        "tax_id": f"20-3000000{customer_id}-1",
        "email": f"{code.lower()}@example.com",
        "cc_emails": None,
        "language": "es",
        "alerts_opt_out": False,
        "active": True,
        "branch_name": "Casa Central",
        "dealership_name": "Autosur S.A.",
        "dealership_tax_id": "30-71234567-8",
        "local_currency": "ARS",
    }
    row.update(fields)
    return row


def balance(customer_id: int, currency: str, opening: str, debit: str, credit: str, movements: int):
    return (customer_id, currency, Decimal(opening), Decimal(debit), Decimal(credit), movements)


def movement(
    customer_id: int, currency: str, movement_id: int, day: date, text: str, debit: str, credit: str
):
    return (customer_id, currency, movement_id, day, text, Decimal(debit), Decimal(credit))


def frames(customers: list[dict], balances: list[tuple], movements: list[tuple]) -> dict[str, pd.DataFrame]:
    return {
        "customers": pd.DataFrame(customers, columns=CUSTOMER_COLUMNS),
        "balances": pd.DataFrame(balances, columns=BALANCE_COLUMNS),
        "movements": pd.DataFrame(movements, columns=MOVEMENT_COLUMNS),
    }


def statement_rows() -> tuple[list[dict], list[tuple], list[tuple]]:
    """C001 (ARS + USD), C002 (English), C003..C006 (skipped), C007 (settled), C008 (balance only)."""
    return (
        [
            customer(
                1,
                "C001",
                legal_name="Transportes del Sur S.R.L.",
                email="Pagos@Transportes.example.com",
                cc_emails=["contaduria@transportes.example.com", "roto@"],
            ),
            customer(2, "C002", legal_name="John Smith", language="en"),
            customer(3, "C003", email=None),
            customer(4, "C004", email="carlos@@example.com"),
            customer(5, "C005", alerts_opt_out=True),
            customer(6, "C006", active=False),
            customer(7, "C007"),
            customer(8, "C008", legal_name="Pedro Ruiz & Hijos"),
        ],
        [
            # USD listed before ARS on purpose: the statement puts the local currency first.
            balance(1, "USD", "0.00", "15000.00", "0.00", 1),
            balance(1, "ARS", "749999.50", "1234.56", "500000.00", 2),
            balance(2, "ARS", "0.00", "2500.00", "0.00", 1),
            balance(3, "ARS", "0.00", "100.00", "0.00", 1),
            balance(4, "ARS", "0.00", "100.00", "0.00", 1),
            balance(5, "ARS", "0.00", "100.00", "0.00", 1),
            balance(6, "ARS", "0.00", "100.00", "0.00", 1),
            balance(7, "ARS", "0.00", "0.00", "0.00", 0),
            balance(8, "ARS", "300.00", "0.00", "0.00", 0),
        ],
        [
            # Deliberately out of order: the running balance follows date, then movement id.
            movement(1, "ARS", 104, date(2026, 10, 20), "Recibo 0001-00000456", "0.00", "500000.00"),
            movement(1, "USD", 105, date(2026, 10, 10), "Factura E 0003-00000077", "15000.00", "0.00"),
            movement(1, "ARS", 103, date(2026, 10, 5), "Factura A 0001-00001234", "1234.56", "0.00"),
            movement(2, "ARS", 201, date(2026, 10, 15), "Factura B 0001-00002001", "2500.00", "0.00"),
            *(
                movement(c, "ARS", c * 100 + 1, date(2026, 10, 10 + c), "Factura B", "100.00", "0.00")
                for c in (3, 4, 5, 6)
            ),
        ],
    )


def statement_frames() -> dict[str, pd.DataFrame]:
    return frames(*statement_rows())


def by_ref(plan) -> dict[str, Any]:
    return {message.recipient_ref: message for message in plan.messages}


def sections(message) -> dict[str, dict[str, Any]]:
    return {section["currency"]: section for section in message.context["sections"]}


# --- balances -----------------------------------------------------------------------------------


def test_opening_closing_and_running_balances_in_cents():
    plan = build_plan(statement_frames(), StatementSettings(), NOV_RUN)
    ars = sections(by_ref(plan)["customer:1"])["ARS"]

    assert ars["opening"] == 74_999_950
    assert ars["debit_total"] == 123_456
    assert ars["credit_total"] == 50_000_000
    assert ars["closing"] == 25_123_406  # 749.999,50 + 1.234,56 - 500.000,00
    assert ars["movements"] == [
        {
            "date": "2026-10-05",
            "description": "Factura A 0001-00001234",
            "debit": 123_456,
            "credit": 0,
            "balance": 75_123_406,
        },
        {
            "date": "2026-10-20",
            "description": "Recibo 0001-00000456",
            "debit": 0,
            "credit": 50_000_000,
            "balance": 25_123_406,
        },
    ]
    assert ars["movements"][-1]["balance"] == ars["closing"]
    assert all(isinstance(ars[k], int) for k in ("opening", "debit_total", "credit_total", "closing"))


def test_same_day_movements_run_in_movement_id_order():
    data = frames(
        [customer(1, "C001")],
        [balance(1, "ARS", "10.00", "5.00", "7.50", 3)],
        [
            movement(1, "ARS", 12, date(2026, 10, 3), "second", "0.00", "7.50"),
            movement(1, "ARS", 11, date(2026, 10, 3), "first", "5.00", "0.00"),
            movement(1, "ARS", 13, date(2026, 10, 9), "third", "0.00", "0.00"),
        ],
    )
    [message] = build_plan(data, StatementSettings(), NOV_RUN).messages
    rows = sections(message)["ARS"]["movements"]
    assert [(m["description"], m["balance"]) for m in rows] == [
        ("first", 1500),
        ("second", 750),
        ("third", 750),
    ]
    assert sections(message)["ARS"]["closing"] == 750


def test_decimal_cents_are_exact_for_large_amounts():
    data = frames(
        [customer(1, "C001")],
        [balance(1, "ARS", "987654321.99", "0.01", "0.29", 2)],
        [
            movement(1, "ARS", 1, date(2026, 10, 1), "a", "0.01", "0.00"),
            movement(1, "ARS", 2, date(2026, 10, 2), "b", "0.00", "0.29"),
        ],
    )
    [message] = build_plan(data, StatementSettings(), NOV_RUN).messages
    ars = sections(message)["ARS"]
    assert (ars["opening"], ars["closing"]) == (98_765_432_199, 98_765_432_171)
    assert [m["balance"] for m in ars["movements"]] == [98_765_432_200, 98_765_432_171]


# --- currencies ---------------------------------------------------------------------------------


def test_local_currency_first_then_foreign():
    message = by_ref(build_plan(statement_frames(), StatementSettings(), NOV_RUN))["customer:1"]
    assert [(s["currency"], s["kind"]) for s in message.context["sections"]] == [
        ("ARS", "local"),
        ("USD", "foreign"),
    ]
    usd = sections(message)["USD"]
    assert (usd["opening"], usd["closing"]) == (0, 1_500_000)
    assert [m["balance"] for m in usd["movements"]] == [1_500_000]


def test_local_currency_is_the_dealerships_not_always_ars():
    data = frames(
        [customer(1, "C001", local_currency="USD")],
        [balance(1, "ARS", "1.00", "0.00", "0.00", 0), balance(1, "USD", "2.00", "0.00", "0.00", 0)],
        [],
    )
    [message] = build_plan(data, StatementSettings(), NOV_RUN).messages
    assert [(s["currency"], s["kind"]) for s in message.context["sections"]] == [
        ("USD", "local"),
        ("ARS", "foreign"),
    ]


@pytest.mark.parametrize(
    ("currencies", "expected"), [("local", ["ARS"]), ("foreign", ["USD"]), ("both", ["ARS", "USD"])]
)
def test_currencies_setting_filters_sections(currencies, expected):
    plan = build_plan(statement_frames(), StatementSettings(currencies=currencies), NOV_RUN)
    message = by_ref(plan)["customer:1"]
    assert [s["currency"] for s in message.context["sections"]] == expected
    # Only the kept currencies' movements are listed.
    for section in message.context["sections"]:
        assert section["movements"], section["currency"]


def test_foreign_only_run_skips_customers_without_foreign_account():
    plan = build_plan(statement_frames(), StatementSettings(currencies="foreign"), NOV_RUN)
    assert list(by_ref(plan)) == ["customer:1"]
    assert {s.recipient_ref: s.reason for s in plan.skipped}["customer:2"] == "no_activity"


# --- skip rules ---------------------------------------------------------------------------------


def test_skip_rules_give_one_reason_per_customer():
    plan = build_plan(statement_frames(), StatementSettings(), NOV_RUN)

    assert plan.candidates == 8
    assert sorted(by_ref(plan)) == ["customer:1", "customer:2", "customer:8"]
    assert {s.recipient_ref: s.reason for s in plan.skipped} == {
        "customer:3": "no_email",
        "customer:4": "malformed_email",
        "customer:5": "opted_out",
        "customer:6": "inactive",
        "customer:7": "no_activity",
    }
    assert {s.business_key for s in plan.skipped} == {"statement:2026-10"}


def test_balance_without_movements_still_gets_a_statement():
    message = by_ref(build_plan(statement_frames(), StatementSettings(), NOV_RUN))["customer:8"]
    ars = sections(message)["ARS"]
    assert (ars["opening"], ars["closing"], ars["movements"]) == (30_000, 30_000, [])


def test_without_skip_empty_a_settled_customer_still_gets_a_statement():
    plan = build_plan(statement_frames(), StatementSettings(skip_empty=False), NOV_RUN)
    assert "customer:7" in by_ref(plan)
    ars = sections(by_ref(plan)["customer:7"])["ARS"]
    assert (ars["opening"], ars["closing"], ars["movements"]) == (0, 0, [])
    assert "no_activity" not in {s.reason for s in plan.skipped}


def test_skip_empty_drops_only_the_empty_currency_section():
    data = frames(
        [customer(1, "C001")],
        [
            balance(1, "ARS", "0.00", "10.00", "0.00", 1),  # activity
            balance(1, "EUR", "50.00", "0.00", "50.00", 1),  # paid off in the period: activity
            balance(1, "USD", "0.00", "0.00", "0.00", 0),  # nothing at all
        ],
        [
            movement(1, "ARS", 1, date(2026, 10, 1), "a", "10.00", "0.00"),
            movement(1, "EUR", 2, date(2026, 10, 2), "b", "0.00", "50.00"),
        ],
    )
    [message] = build_plan(data, StatementSettings(), NOV_RUN).messages
    assert [s["currency"] for s in message.context["sections"]] == ["ARS", "EUR"]
    assert sections(message)["EUR"]["closing"] == 0
    [message] = build_plan(data, StatementSettings(skip_empty=False), NOV_RUN).messages
    assert [s["currency"] for s in message.context["sections"]] == ["ARS", "EUR", "USD"]


# --- addressing, language, attachment -----------------------------------------------------------


def test_message_addressing_and_header_data():
    message = by_ref(build_plan(statement_frames(), StatementSettings(), NOV_RUN))["customer:1"]
    assert message.to == ["Pagos@transportes.example.com"]
    assert message.cc == ["contaduria@transportes.example.com"]  # the malformed cc entry is dropped
    assert message.display_name == "Transportes del Sur S.R.L."
    assert message.language == "es"
    assert message.context["customer"] == {
        "code": "C001",
        "legal_name": "Transportes del Sur S.R.L.",
        "tax_id": "20-30000001-1",
    }
    assert message.context["dealership"] == {
        "name": "Autosur S.A.",
        "tax_id": "30-71234567-8",
        "branch": "Casa Central",
    }


def test_language_decides_the_attachment_filename():
    messages = by_ref(build_plan(statement_frames(), StatementSettings(), NOV_RUN))
    [spanish] = messages["customer:1"].attachments
    [english] = messages["customer:2"].attachments
    assert messages["customer:2"].language == "en"
    assert english.filename == "statement-C002-2026-10.pdf"
    assert spanish.filename == "estado-de-cuenta-C001-2026-10.pdf"
    assert english.template == spanish.template == "statement"
    assert english.kind == "pdf"


def test_attachment_filename_is_file_system_safe():
    data = frames(
        [customer(1, "../C 0/01", email="c001@example.com")],
        [balance(1, "ARS", "1.00", "0.00", "0.00", 0)],
        [],
    )
    [message] = build_plan(data, StatementSettings(), NOV_RUN).messages
    assert message.attachments[0].filename == "estado-de-cuenta-C-0-01-2026-10.pdf"


# --- period -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_utc", "period", "key", "start", "last_day", "end"),
    [
        (
            datetime(2026, 11, 1, 11, tzinfo=UTC),
            "previous_month",
            "statement:2026-10",
            "2026-10-01",
            "2026-10-31",
            date(2026, 11, 1),
        ),
        (
            datetime(2026, 11, 1, 11, tzinfo=UTC),
            "current_month",
            "statement:2026-11",
            "2026-11-01",
            "2026-11-30",
            date(2026, 12, 1),
        ),
        (
            datetime(2027, 1, 1, 11, tzinfo=UTC),
            "previous_month",
            "statement:2026-12",
            "2026-12-01",
            "2026-12-31",
            date(2027, 1, 1),
        ),
        (
            datetime(2026, 12, 15, 11, tzinfo=UTC),
            "current_month",
            "statement:2026-12",
            "2026-12-01",
            "2026-12-31",
            date(2027, 1, 1),
        ),
        (
            datetime(2028, 3, 1, 11, tzinfo=UTC),
            "previous_month",
            "statement:2028-02",
            "2028-02-01",
            "2028-02-29",
            date(2028, 3, 1),
        ),
        # 01:00 UTC on Jan 1 is still Dec 31 in Buenos Aires: the run belongs to December.
        (
            datetime(2027, 1, 1, 1, tzinfo=UTC),
            "previous_month",
            "statement:2026-11",
            "2026-11-01",
            "2026-11-30",
            date(2026, 12, 1),
        ),
    ],
)
def test_period_window_business_key_and_sql_params(run_utc, period, key, start, last_day, end):
    run = run_at(run_utc)
    settings = StatementSettings(period=period)
    data = frames([customer(1, "C001")], [balance(1, "ARS", "1.00", "0.00", "0.00", 0)], [])

    [message] = build_plan(data, settings, run).messages

    assert message.business_key == key
    assert message.context["period"] == {"start": start, "last_day": last_day}
    assert message.attachments[0].filename == f"estado-de-cuenta-C001-{start[:7]}.pdf"
    assert statement_period(settings, run) == (date.fromisoformat(start), end)
    params = sql_params(settings, run)
    assert (params["period_start"], params["period_end"]) == (date.fromisoformat(start), end)
    assert params["account_types"] == ["vehicles", "parts", "service", "other"]


def test_account_types_setting_reaches_the_sql_params():
    params = sql_params(StatementSettings(account_types=["parts", "service"]), NOV_RUN)
    assert params["account_types"] == ["parts", "service"]


# --- the real extract shape ---------------------------------------------------------------------


def extract_schema(name: str):
    """The Parquet schema the extract writes for query `name`: numeric(14,2) as decimal128,
    date32, text[] as list<string>, the rest as text."""
    import pyarrow as pa

    money = pa.decimal128(14, 2)
    types = {
        "customer_id": pa.int64(),
        "movement_id": pa.int64(),
        "period_movements": pa.int64(),
        "opening_balance": money,
        "period_debit": money,
        "period_credit": money,
        "debit": money,
        "credit": money,
        "movement_date": pa.date32(),
        "cc_emails": pa.list_(pa.string()),
        "alerts_opt_out": pa.bool_(),
        "active": pa.bool_(),
    }
    columns = {"customers": CUSTOMER_COLUMNS, "balances": BALANCE_COLUMNS, "movements": MOVEMENT_COLUMNS}
    return pa.schema([pa.field(c, types.get(c, pa.string())) for c in columns[name]])


def test_frames_read_back_from_parquet_give_the_same_plan(tmp_path):
    """As the extract writes them: numeric(14,2) as decimal128, date32, text[] as list<string>."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from alertas_rapidas.contracts.tasks import ExtractResult
    from alertas_rapidas.extract import load_frames

    customers, balances, movements = statement_rows()
    records = {
        "customers": customers,
        "balances": [dict(zip(BALANCE_COLUMNS, row, strict=True)) for row in balances],
        "movements": [dict(zip(MOVEMENT_COLUMNS, row, strict=True)) for row in movements],
    }
    results = []
    for name, rows in records.items():
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.Table.from_pylist(rows, schema=extract_schema(name)), path)
        results.append(ExtractResult(name, str(path), len(rows)))

    from_parquet = build_plan(load_frames(results), StatementSettings(), NOV_RUN)
    in_memory = build_plan(statement_frames(), StatementSettings(), NOV_RUN)

    assert from_parquet == in_memory
    assert by_ref(from_parquet)["customer:1"].cc == ["contaduria@transportes.example.com"]
