"""Several tables in one report (`tables:` with a row `when`) and one XLSX with a sheet per table
(`attachments[].sheets`): the plan's context, the attachment it asks for, the workbook written,
and the messages of a file that names what does not exist."""

from __future__ import annotations

import io
from email.message import EmailMessage

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from alertas_rapidas.mime import attach
from alertas_rapidas.rendering import MessageRenderer
from alertas_rapidas.xlsx import table_to_xlsx, tables_to_xlsx
from tests.unit.engine.test_plan import alert, plan

COLUMNS = {
    "name": {"label": {"es": "Nombre", "en": "Name"}},
    "kind": {},
    "amount": {"kind": "money", "total": True, "label": {"es": "Importe", "en": "Amount"}},
    "role": {"label": {"es": "Rol", "en": "Role"}},
}
TABLES = {
    "customers": {
        "title": {"es": "Clientes", "en": "Customers"},
        "columns": ["name", "amount"],
        "when": "kind == 'customer'",
    },
    "employees": {
        "title": {"es": "Empleados", "en": "Employees"},
        "columns": ["name", "role"],
        "when": "kind == 'employee'",
    },
}
ROWS = [
    {"name": "Transportes del Sur", "kind": "customer", "amount": 100.5, "role": None},
    {"name": "Julián Acosta", "kind": "employee", "amount": None, "role": "treasury"},
    {"name": "Juan Pérez", "kind": "customer", "amount": 20, "role": None},
]


def report(**changes):
    fields = {
        "columns": COLUMNS,
        "tables": TABLES,
        "recipients": {"to": [{"role": "general_manager"}]},
        "grouping": "report",
        "once_per": "quality:{iso_week}",
        "attachments": [
            {"kind": "xlsx", "filename": "calidad-{iso_week}", "sheets": ["customers", "employees"]}
        ],
    }
    return alert(**{**fields, **changes})


def test_each_table_lists_the_rows_its_when_selects_with_its_own_totals():
    [message] = plan(report(), ROWS).messages
    tables = message.context["tables"]
    assert [r["name"] for r in tables["customers"]["rows"]] == ["Transportes del Sur", "Juan Pérez"]
    assert [c["key"] for c in tables["customers"]["columns"]] == ["name", "amount"]
    assert tables["customers"]["totals"] == {"amount": 12050}  # cents
    assert tables["employees"]["rows"] == [{"name": "Julián Acosta", "role": "treasury"}]
    assert tables["employees"]["totals"] == {}
    assert message.context["count"] == 3  # the report itself holds every row
    [attachment] = message.attachments
    assert (attachment.filename, attachment.kind, attachment.sheets) == (
        "calidad-2026-W45.xlsx",
        "xlsx",
        ["customers", "employees"],
    )


def test_a_plain_xlsx_keeps_the_one_table_and_no_sheets():
    spec = alert(
        columns=COLUMNS,
        table={"title": {"es": "Todo", "en": "All"}, "columns": ["name"]},
        recipients={"to": [{"role": "general_manager"}]},
        grouping="report",
        once_per="quality:{iso_week}",
        attachments=[{"kind": "xlsx", "filename": "todo"}],
    )
    [message] = plan(spec, ROWS).messages
    assert message.attachments[0].sheets is None and "tables" not in message.context


def test_the_workbook_has_a_sheet_per_table_in_order():
    [message] = plan(report(), ROWS).messages
    renderer = MessageRenderer("demo", "demo", sender="alertas@autosur.example")
    mail = EmailMessage()
    mail.set_content("x")
    attach(mail, renderer._attachment(message.attachments[0], {**message.context, "t": {}}, "en"))
    [part] = list(mail.iter_attachments())
    book = load_workbook(io.BytesIO(part.get_content()))
    assert book.sheetnames == ["Customers", "Employees"]
    customers = [tuple(c.value for c in row) for row in book["Customers"].iter_rows()]
    assert customers[0] == ("Name", "Amount")
    assert customers[1][0] == "Transportes del Sur" and float(customers[1][1]) == 100.5
    assert customers[-1][0] == "Total" and float(customers[-1][1]) == 120.5
    employees = [tuple(c.value for c in row) for row in book["Employees"].iter_rows()]
    assert employees == [("Name", "Role"), ("Julián Acosta", "treasury")]


def test_one_table_is_one_sheet_as_before():
    table = {"title_es": "Uno", "title_en": "One", "columns": [], "rows": []}
    table["columns"] = [{"key": "a", "label_es": "A", "label_en": "A", "kind": "text"}]
    assert load_workbook(io.BytesIO(table_to_xlsx(table))).sheetnames == ["Uno"]
    empty = {**table, "title_es": "Dos"}
    assert load_workbook(io.BytesIO(tables_to_xlsx([table, empty]))).sheetnames == ["Uno", "Dos"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"attachments": [{"kind": "xlsx", "filename": "x", "sheets": ["nope"]}]}, "not `tables`: nope"),
        ({"attachments": [{"kind": "pdf_table", "filename": "x", "sheets": ["customers"]}]}, "for `xlsx`"),
        ({"attachments": [{"kind": "xlsx", "filename": "x"}]}, "need a `table:`"),
        ({"tables": {"Bad": TABLES["customers"]}, "attachments": []}, "lower snake case"),
        (
            {
                "tables": {"customers": {"title": {"es": "a", "en": "b"}, "columns": ["zip"]}},
                "attachments": [],
            },
            "tables.customers.columns names undeclared columns: zip",
        ),
        ({"tables": {"c": {"title": {"es": "a", "en": "b"}, "columns": ["name"], "when": "kind =="}}}, "bad"),
    ],
)
def test_what_does_not_exist_is_refused(change, message):
    with pytest.raises(ValidationError, match=message):
        report(**change)
