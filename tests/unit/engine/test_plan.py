"""The engine's rules on small hand-made frames: who gets which message, under which key, and who
is skipped and why (CATALOGUE.md "Staff by role", the ledger's repeat marks, the row values)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd

from alertas_rapidas.engine.family import parse_history
from alertas_rapidas.engine.planner import build_plan
from alertas_rapidas.engine.settings import settings_model
from alertas_rapidas.engine.spec import AlertSpec
from alertas_rapidas.schedule.run_time import resolve_run_time

BA = "America/Argentina/Buenos_Aires"
MONDAY = date(2026, 11, 2)

EMPLOYEE_COLUMNS = ["employee_id", "full_name", "email", "role", "branch_id", "manager_id", "active"]
EMPLOYEES = [
    (10, "Ana Tesorera", "ana@autosur.example", "treasury", 1, 30, True),
    (11, "Beto Tesorero", "beto@autosur.example", "treasury", 1, 30, True),
    (20, "Carla Central", "carla@autosur.example", "treasury", None, 30, True),
    (30, "Gabi Gerente", "gabi@autosur.example", "general_manager", None, None, True),
    (40, "Iris Auditora", "iris@autosur.example", "audit_manager", None, 30, False),
    (50, "Eva Ventas", None, "sales_rep", 1, None, True),
    (51, "Fede Ventas", "fede@autosur.example", "sales_rep", 1, 30, True),
    (52, "Nico Ventas", "nico@autosur.example", "sales_rep", 2, 53, True),
    (53, "Olga Jefa", None, "sales_rep", 2, None, True),
    (60, "Hugo Taller", "hugo@autosur.example", "service_manager", 1, 30, True),
    (70, "Juan Repuestos", "repuestos@autosur.example", "parts_manager", 1, 30, True),
    (71, "Lola Repuestos", "Repuestos@Autosur.example", "parts_manager", 2, 30, True),
]
DEALERSHIP = pd.DataFrame(
    [(1, "AUTOSUR", "Autosur S.A.", "30-71234567-8", "ARS")],
    columns=["id", "code", "name", "tax_id", "local_currency"],
)


def run_on(day: date = MONDAY):
    """The daily 08:00 run of `day`, Buenos Aires time."""
    return resolve_run_time(
        timezone=BA,
        logical_date=datetime.combine(day, time(11, 0), tzinfo=UTC),
        run_after=None,
        interval=None,
    )


def alert(**fields: Any) -> AlertSpec:
    return AlertSpec.model_validate({"rows": {"sql": "demo/rows.sql"}, **fields})


def plan(spec: AlertSpec, rows: list[dict[str, Any]], *, day: date = MONDAY, history=None, **settings: Any):
    columns = list(rows[0]) if rows else ["order_id"]
    frames = {
        "rows": pd.DataFrame(rows, columns=columns),
        "_employees": pd.DataFrame(EMPLOYEES, columns=EMPLOYEE_COLUMNS),
        "_dealership": DEALERSHIP,
    }
    values = settings_model("demo", spec.settings)(**settings)
    return build_plan(frames, values, run_on(day), spec=spec, history=history)


def sent(result) -> list[tuple[str, str, list[str]]]:
    return [(m.recipient_ref, m.business_key, m.to) for m in result.messages]


def skipped(result) -> list[tuple[str, str, str]]:
    return [(s.recipient_ref, s.business_key, s.reason) for s in result.skipped]


def per_row(to: list[dict[str, Any]], **fields: Any) -> AlertSpec:
    return alert(recipients={"to": to}, once_per="demo:{order_id}", row_ref="order:{order_id}", **fields)


# --- staff: roles by branch, named employees, managers ---------------------------------------------


def test_a_role_goes_to_the_rows_branch_else_to_the_dealership_level_holder():
    spec = per_row([{"role": "treasury", "branch": "branch_id"}])
    result = plan(spec, [{"order_id": 1, "branch_id": 1}, {"order_id": 2, "branch_id": 2}])
    assert sent(result) == [
        ("employee:10", "demo:1", ["ana@autosur.example"]),
        ("employee:11", "demo:1", ["beto@autosur.example"]),
        ("employee:20", "demo:2", ["carla@autosur.example"]),
    ]
    assert result.skipped == []
    assert result.messages[0].display_name == "Ana Tesorera"


def test_a_role_nobody_holds_for_the_branch_or_dealership_is_skipped_as_no_recipient():
    spec = per_row([{"role": "service_manager", "branch": "branch_id"}])
    result = plan(spec, [{"order_id": 1, "branch_id": 1}, {"order_id": 2, "branch_id": 2}])
    assert sent(result) == [("employee:60", "demo:1", ["hugo@autosur.example"])]
    assert skipped(result) == [("order:2", "demo:2", "no_recipient")]
    assert result.candidates == 2


def test_holders_who_are_all_inactive_are_skipped_as_inactive():
    result = plan(per_row([{"role": "audit_manager"}]), [{"order_id": 1}])
    assert result.messages == []
    assert skipped(result) == [("order:1", "demo:1", "inactive")]


def test_a_named_employee_without_email_is_skipped_under_their_own_reference():
    spec = per_row([{"employee": "owner_id"}])
    result = plan(spec, [{"order_id": 1, "owner_id": 50}, {"order_id": 2, "owner_id": 51}])
    assert sent(result) == [("employee:51", "demo:2", ["fede@autosur.example"])]
    # one skip per row: the single stage's own (issue 21: the order was recorded a second time)
    assert skipped(result) == [("employee:50", "demo:1", "no_email")]


def test_the_manager_of_an_employee_without_one_is_no_manager():
    spec = per_row([{"manager_of": "owner_id"}])
    result = plan(spec, [{"order_id": 1, "owner_id": 50}, {"order_id": 2, "owner_id": 51}])
    assert sent(result) == [("employee:30", "demo:2", ["gabi@autosur.example"])]
    assert skipped(result) == [("order:1", "demo:1", "no_manager")]


def test_a_manager_without_email_is_skipped_under_the_managers_reference():
    result = plan(per_row([{"manager_of": "owner_id"}]), [{"order_id": 1, "owner_id": 52}])
    assert skipped(result) == [("employee:53", "demo:1", "no_email")]  # one skip per row (issue 21)
    assert result.messages == []


def test_the_chain_falls_back_to_the_next_rule():
    spec = per_row([{"employee": "owner_id"}, {"manager_of": "owner_id"}, {"role": "general_manager"}])
    result = plan(spec, [{"order_id": 1, "owner_id": 51}, {"order_id": 2, "owner_id": 50}])
    assert sent(result) == [
        ("employee:51", "demo:1", ["fede@autosur.example"]),
        ("employee:30", "demo:2", ["gabi@autosur.example"]),  # owner has no e-mail, no manager
    ]
    assert result.skipped == []


# --- parties: skips and copies -----------------------------------------------------------------------


CUSTOMER = {"ref": "customer:{customer_id}", "cc": "cc_emails", "name": "name", "active": "active"}


def customer(customer_id: int, email: str | None, **changes: Any) -> dict[str, Any]:
    return {
        "order_id": 100 + customer_id,
        "customer_id": customer_id,
        "name": f"Cliente {customer_id}",
        "email": email,
        "cc_emails": [],
        "active": True,
        "opted_out": False,
        "language": "es",
        **changes,
    }


def test_party_skips_and_the_cc_list_from_a_column():
    spec = per_row([{"party": {**CUSTOMER, "opted_out": "opted_out"}}])
    rows = [
        customer(
            1,
            "compras@cliente1.example",
            cc_emails=["pagos@cliente1.example", "no es mail", "Compras@cliente1.example"],
        ),
        customer(2, "c2@example.net", opted_out=True),
        customer(3, "c3@example.net", active=False),
        customer(4, "cliente4.example.net"),
        customer(5, None),
    ]
    result = plan(spec, rows)
    assert sent(result) == [("customer:1", "demo:101", ["compras@cliente1.example"])]
    assert result.messages[0].cc == ["pagos@cliente1.example"]  # bad and repeated addresses dropped
    assert result.messages[0].display_name == "Cliente 1"
    assert skipped(result) == [
        ("customer:2", "demo:102", "opted_out"),
        ("customer:3", "demo:103", "inactive"),
        ("customer:4", "demo:104", "malformed_email"),
        ("customer:5", "demo:105", "no_email"),
    ]  # one skip per row with a single stage (issue 21: each order was recorded twice, 9 candidates)
    assert result.candidates == 5


def test_cc_never_gets_a_message_alone_and_bcc_is_added():
    spec = alert(
        recipients={
            "to": [{"employee": "owner_id"}],
            "cc": [{"role": "general_manager"}],
            "bcc": [{"addresses": ["auditoria@autosur.example"]}],
        },
        once_per="demo:{order_id}",
    )
    result = plan(spec, [{"order_id": 1, "owner_id": 51}, {"order_id": 2, "owner_id": 50}])
    assert sent(result) == [("employee:51", "demo:1", ["fede@autosur.example"])]
    message = result.messages[0]
    assert (message.cc, message.bcc) == (["gabi@autosur.example"], ["auditoria@autosur.example"])
    assert skipped(result) == [("employee:50", "demo:2", "no_email")]  # and nothing to the CC alone


def test_each_person_found_gets_their_own_message_unless_together():
    rows = [{"order_id": 1, "branch_id": 1}]
    own = plan(per_row([{"role": "treasury", "branch": "branch_id"}]), rows)
    assert sent(own) == [
        ("employee:10", "demo:1", ["ana@autosur.example"]),
        ("employee:11", "demo:1", ["beto@autosur.example"]),
    ]
    together = alert(
        recipients={"to": [{"role": "treasury", "branch": "branch_id"}], "together_as": "branch:{branch_id}"},
        once_per="demo:{order_id}",
    )
    result = plan(together, rows)
    assert sent(result) == [("branch:1", "demo:1", ["ana@autosur.example", "beto@autosur.example"])]
    assert result.messages[0].display_name is None
    assert result.messages[0].context["recipient_name"] is None


# --- grouping ----------------------------------------------------------------------------------------


def test_a_digest_holds_the_rows_of_each_address():
    spec = alert(
        recipients={"to": [{"employee": "owner_id"}]},
        grouping="digest",
        once_per="parts_digest:{run_date}",
    )
    rows = [
        {"order_id": 1, "owner_id": 70},
        {"order_id": 2, "owner_id": 71},  # another owner, the same shared mailbox
        {"order_id": 3, "owner_id": 51},
    ]
    result = plan(spec, rows)
    assert sent(result) == [
        ("employee:70", "parts_digest:2026-11-02", ["repuestos@autosur.example"]),
        ("employee:51", "parts_digest:2026-11-02", ["fede@autosur.example"]),
    ]
    shared = result.messages[0].context
    assert ([row["order_id"] for row in shared["rows"]], shared["count"]) == ([1, 2], 2)
    assert [row["order_id"] for row in result.messages[1].context["rows"]] == [3]


def test_a_report_per_group_by_value():
    spec = alert(
        recipients={"to": [{"role": "treasury", "branch": "branch_id"}], "together_as": "branch:{branch_id}"},
        grouping="report",
        group_by=["branch_id"],
        once_per="treasury_report:{branch_id}:{run_date}",
        body_rows=1,
    )
    rows = [
        {"order_id": 1, "branch_id": 1},
        {"order_id": 2, "branch_id": 2},
        {"order_id": 3, "branch_id": 1},
    ]
    result = plan(spec, rows)
    assert sent(result) == [
        ("branch:1", "treasury_report:1:2026-11-02", ["ana@autosur.example", "beto@autosur.example"]),
        ("branch:2", "treasury_report:2:2026-11-02", ["carla@autosur.example"]),
    ]
    first = result.messages[0].context
    assert [row["order_id"] for row in first["rows"]] == [1, 3]
    assert ([row["order_id"] for row in first["top"]], first["more"]) == ([1], 1)


def test_an_empty_report_is_sent_when_asked_for():
    spec = alert(
        recipients={"to": [{"addresses": ["Gerencia@Autosur.example"]}]},
        grouping="report",
        once_per="daily_report:{run_date}",
        empty="message",
    )
    result = plan(spec, [])
    assert sent(result) == [
        ("address:gerencia@autosur.example", "daily_report:2026-11-02", ["Gerencia@autosur.example"])
    ]
    assert result.messages[0].context["count"] == 0
    silent = alert(
        recipients={"to": [{"addresses": ["gerencia@autosur.example"]}]},
        grouping="report",
        once_per="daily_report:{run_date}",
    )
    assert plan(silent, []).messages == []


# --- stages ------------------------------------------------------------------------------------------


def test_stages_select_rows_by_when_and_by_what_earlier_stages_reached():
    spec = alert(
        settings={"days": {"type": "int", "default": 3, "min": 1}},
        stages=[
            {
                "name": "customer",
                "when": "days_late >= days",
                "recipients": {"to": [{"party": {"ref": "customer:{customer_id}"}}]},
                "once_per": "late:{order_id}",
            },
            {
                "name": "staff",
                "when": "'customer' not in reached",
                "recipients": {"to": [{"employee": "owner_id"}]},
                "once_per": "late_staff:{order_id}",
                "row_ref": "order:{order_id}",
            },
        ],
    )
    rows = [
        {**customer(1, "c1@example.net"), "days_late": 5, "owner_id": 51},
        {**customer(2, None), "days_late": 5, "owner_id": 51},
        {**customer(3, "c3@example.net"), "days_late": 1, "owner_id": 51},
        {**customer(4, None), "days_late": 9, "owner_id": 50},
    ]
    result = plan(spec, rows)
    assert sent(result) == [
        ("customer:1", "late:101", ["c1@example.net"]),
        ("employee:51", "late_staff:102", ["fede@autosur.example"]),  # the customer had no e-mail
        ("employee:51", "late_staff:103", ["fede@autosur.example"]),  # not late enough for the customer
    ]
    assert skipped(result) == [
        ("customer:2", "late:102", "no_email"),
        ("customer:4", "late:104", "no_email"),
        ("employee:50", "late_staff:104", "no_email"),
        ("order:104", "late_staff:104", "no_recipient"),  # nobody at all for order 104
    ]
    # With a bigger threshold the customer stage takes nobody: all go to staff.
    assert [m.business_key for m in plan(spec, rows, days=10).messages] == [
        "late_staff:101",
        "late_staff:102",
        "late_staff:103",
    ]


# --- repeats -----------------------------------------------------------------------------------------


REMINDER = alert(
    recipients={"to": [{"party": {"ref": "customer:{customer_id}"}}]},
    once_per="reminder:{order_id}",
    repeat={"every_days": 7, "max_times": 3},
)
REF, KEY = "customer:1", "reminder:101"


def reminder(day: date, history=None) -> list[str]:
    return [
        m.business_key
        for m in plan(REMINDER, [customer(1, "c1@example.net")], day=day, history=history).messages
    ]


def test_repeat_every_k_days_at_most_m_times():
    assert reminder(MONDAY) == [KEY]  # the first send: the plain key
    sent_once = {(REF, KEY): (1, MONDAY)}
    assert reminder(MONDAY, sent_once) == [KEY]  # a re-run of that day: the same send again
    assert reminder(MONDAY + timedelta(days=6), sent_once) == []  # too soon
    assert reminder(MONDAY + timedelta(days=7), sent_once) == [f"{KEY}#2"]
    assert reminder(MONDAY + timedelta(days=20), sent_once) == [f"{KEY}#2"]  # late is fine
    sent_twice = {(REF, KEY): (2, MONDAY + timedelta(days=7))}
    assert reminder(MONDAY + timedelta(days=7), sent_twice) == [f"{KEY}#2"]  # re-run of the 2nd
    assert reminder(MONDAY + timedelta(days=14), sent_twice) == [f"{KEY}#3"]
    sent_thrice = {(REF, KEY): (3, MONDAY + timedelta(days=14))}
    assert reminder(MONDAY + timedelta(days=14), sent_thrice) == [f"{KEY}#3"]  # re-run of the last
    assert reminder(MONDAY + timedelta(days=21), sent_thrice) == []  # M reached
    assert reminder(MONDAY + timedelta(days=60), sent_thrice) == []


def test_repeats_over_daily_runs_read_from_the_ledger():
    ledger: list[tuple[str, str, date]] = []
    for offset in range(40):
        day = MONDAY + timedelta(days=offset)
        for key in reminder(day, parse_history(ledger)):
            ledger.append((REF, key, day))
    assert ledger == [
        (REF, KEY, MONDAY),
        (REF, f"{KEY}#2", MONDAY + timedelta(days=7)),
        (REF, f"{KEY}#3", MONDAY + timedelta(days=14)),
    ]


def test_the_template_knows_which_send_it_is_and_how_many_there_may_be():
    """A reminder can say "2nd reminder (of 3)": `send_number` and `max_times` in the context."""

    def context(day: date, history=None) -> dict[str, Any]:
        [message] = plan(REMINDER, [customer(1, "c1@example.net")], day=day, history=history).messages
        return message.context

    first = context(MONDAY)
    assert (first["send_number"], first["max_times"]) == (1, 3)
    second = context(MONDAY + timedelta(days=7), {(REF, KEY): (1, MONDAY)})
    assert (second["send_number"], second["max_times"]) == (2, 3)
    rerun = context(MONDAY + timedelta(days=7), {(REF, KEY): (2, MONDAY + timedelta(days=7))})
    assert rerun["send_number"] == 2  # a re-run of the second send is still the second
    without_repeat = plan(per_row([{"employee": "owner_id"}]), [{"order_id": 1, "owner_id": 51}])
    assert "send_number" not in without_repeat.messages[0].context


def test_a_digest_with_row_keys_gives_each_row_its_own_send_number():
    spec = alert(
        recipients={"to": [{"employee": "owner_id"}]},
        grouping="digest",
        once_per="late:{run_date}",
        row_key="order:{order_id}",
        repeat={"every_days": 7, "max_times": 3},
    )
    rows = [{"order_id": 1, "owner_id": 51}, {"order_id": 2, "owner_id": 51}]
    history = {("employee:51", "order:1"): (1, MONDAY - timedelta(days=7))}
    [message] = plan(spec, rows, history=history).messages
    assert [(row["order_id"], row["send_number"]) for row in message.context["rows"]] == [(1, 2), (2, 1)]
    assert message.context["max_times"] == 3 and "send_number" not in message.context


def test_parse_history_counts_sends_per_recipient_and_key_without_its_mark():
    rows = [
        ("customer:1", "reminder:101", date(2026, 11, 2)),
        ("customer:1", "reminder:101#2", datetime(2026, 11, 9, 8, 0)),
        ("customer:2", "reminder:101", date(2026, 11, 3)),
        ("customer:3", "reminder:103", None),  # never sent
    ]
    assert parse_history(rows) == {
        ("customer:1", "reminder:101"): (2, date(2026, 11, 9)),
        ("customer:2", "reminder:101"): (1, date(2026, 11, 3)),
    }


# --- attachments and values --------------------------------------------------------------------------


def report_with_attachments() -> AlertSpec:
    return alert(
        settings={
            "formats": {"type": "choices", "choices": ["xlsx", "pdf"], "default": ["xlsx", "pdf"]},
            "language": {"type": "choice", "choices": ["es", "en"], "default": "es"},
            "show_amount": {"type": "bool", "default": True},
        },
        columns={
            "number": {"label": {"es": "Número", "en": "Number"}},
            "amount": {
                "kind": "money",
                "label": {"es": "Importe", "en": "Amount"},
                "total": True,
                "when": "show_amount",
            },
        },
        table={"title": {"es": "Pedidos", "en": "Orders"}, "columns": ["number", "amount"]},
        recipients={"to": [{"addresses": ["gerencia@autosur.example"]}], "language": "{language}"},
        grouping="report",
        once_per="orders:{run_date}",
        attachments=[
            {
                "kind": "xlsx",
                "filename": {"es": "pedidos {branch_name} {run_date}", "en": "orders/{branch_name}"},
                "when": "'xlsx' in formats",
            },
            {"kind": "pdf_table", "filename": "pedidos-{run_date}", "when": "'pdf' in formats"},
        ],
    )


ORDERS = [
    {"number": "0001-00000007", "amount": Decimal("1500.25"), "branch_name": "Casa Central / Norte"},
    {"number": "0001-00000008", "amount": Decimal("0.29"), "branch_name": "Casa Central / Norte"},
]


def test_attachment_filenames_per_language_and_when_on_settings():
    spanish = plan(report_with_attachments(), ORDERS).messages[0]
    assert spanish.language == "es"
    assert [(a.filename, a.kind) for a in spanish.attachments] == [
        ("pedidos-Casa-Central-Norte-2026-11-02.xlsx", "xlsx"),
        ("pedidos-2026-11-02.pdf", "pdf"),
    ]
    english = plan(report_with_attachments(), ORDERS, language="en").messages[0]
    assert english.language == "en"
    assert [a.filename for a in english.attachments] == [
        "orders-Casa-Central-Norte.xlsx",
        "pedidos-2026-11-02.pdf",
    ]
    only_pdf = plan(report_with_attachments(), ORDERS, formats=["pdf"]).messages[0]
    assert [a.filename for a in only_pdf.attachments] == ["pedidos-2026-11-02.pdf"]


def test_the_table_shows_money_in_cents_with_totals_and_hides_columns_by_setting():
    context = plan(report_with_attachments(), ORDERS).messages[0].context
    assert [row["amount"] for row in context["rows"]] == [150_025, 29]
    assert context["totals"] == {"amount": 150_054}
    table = context["table"]
    assert [column["key"] for column in table["columns"]] == ["number", "amount"]
    assert table["totals"] == {"amount": 150_054}
    hidden = plan(report_with_attachments(), ORDERS, show_amount=False).messages[0].context["table"]
    assert [column["key"] for column in hidden["columns"]] == ["number"]
    assert hidden["totals"] == {}


def test_row_values_by_kind_money_exact_and_instants_in_the_dealerships_zone():
    spec = per_row(
        [{"addresses": ["gerencia@autosur.example"]}],
        columns={
            "amount": {"kind": "money"},
            "float_amount": {"kind": "money"},
            "missing_amount": {"kind": "money"},
            "ready_at": {"kind": "instant"},
            "due": {"kind": "date"},
            "quantity": {"kind": "quantity"},
        },
    )
    row = {
        "order_id": 1,
        "amount": Decimal("0.29"),
        "float_amount": 0.29,
        "missing_amount": None,
        "ready_at": datetime(2026, 11, 2, 10, 15, tzinfo=UTC),
        "due": datetime(2026, 11, 30, 0, 0),
        "quantity": Decimal("2.500"),
    }
    values = plan(spec, [row]).messages[0].context["row"]
    assert (values["amount"], values["float_amount"], values["missing_amount"]) == (29, 29, None)
    assert values["ready_at"] == "2026-11-02T07:15:00-03:00"
    assert values["due"] == "2026-11-30"
    assert values["quantity"] == 2.5


def test_the_dealership_and_run_in_every_context():
    result = plan(per_row([{"addresses": ["gerencia@autosur.example"]}]), [{"order_id": 1}])
    context = result.messages[0].context
    assert context["dealership"]["name"] == "Autosur S.A."
    assert context["run_date"] == "2026-11-02"
    assert context["run"]["at_time"] == "08:00"


def test_by_language_columns_in_the_recipients_language():
    spec = per_row(
        [{"party": {"ref": "customer:{customer_id}", "language": "language"}}],
        columns={"status": {"by_language": True}},
    )
    rows = [
        {**customer(1, "c1@example.net"), "status_es": "Vencido", "status_en": "Overdue"},
        {**customer(2, "c2@example.net", language="en"), "status_es": "Vencido", "status_en": "Overdue"},
    ]
    result = plan(spec, rows)
    assert [(m.language, m.context["row"]["status"]) for m in result.messages] == [
        ("es", "Vencido"),
        ("en", "Overdue"),
    ]
