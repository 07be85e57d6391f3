"""`parts_out_of_stock` on the engine: one report per scope unit, the parts-manager chains (general
manager at dealership scope), body list, table and attachments, on small frames shaped like its
query; case for case what the old Python transform was tested for."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from alertas_rapidas.config import load_family_config
from alertas_rapidas.engine.family import family_for
from alertas_rapidas.families import load_transform
from alertas_rapidas.paths import FAMILIES_DIR
from alertas_rapidas.schedule.run_time import resolve_run_time
from tests.support.family_files import refusal

FILE = FAMILIES_DIR / "parts_out_of_stock.yaml"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RUN = resolve_run_time(
    timezone="America/Argentina/Buenos_Aires",
    logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    run_after=None,
    interval=None,
)
CONFIG, SETTINGS = load_family_config(FILE)
FAMILY = family_for(CONFIG)

ROW_COLUMNS = [  # sql/parts_out_of_stock/out_of_stock.sql
    "scope",
    "scope_id",
    "scope_code",
    "scope_name",
    "scope_label_es",
    "scope_label_en",
    "branch_id",
    "branch_name",
    "dealership_id",
    "dealership_name",
    "part_id",
    "part_code",
    "description",
    "brand",
    "warehouse",
    "min_stock",
    "on_hand",
    "reserved",
    "incoming",
    "outgoing",
    "available",
]
EMPLOYEE_COLUMNS = ["employee_id", "full_name", "email", "role", "branch_id", "manager_id", "active"]
DEALERSHIP_COLUMNS = ["id", "code", "name", "tax_id", "local_currency"]  # sql/_engine/dealership.sql


def settings(**values: Any):
    return type(SETTINGS)(**values)


def part_row(scope_id: int, part_code: str, available: float = 0.0, **overrides: Any) -> dict[str, Any]:
    """A row as the query returns it at branch scope (labels as the query builds them)."""
    row = {
        "scope": "branch",
        "scope_id": scope_id,
        "scope_code": f"B{scope_id}",
        "scope_name": f"Branch {scope_id}",
        "scope_label_es": f"Branch {scope_id}",
        "scope_label_en": f"Branch {scope_id}",
        "branch_id": scope_id,
        "branch_name": f"Branch {scope_id}",
        "dealership_id": 1,
        "dealership_name": "Autosur S.A.",
        "part_id": hash(part_code) % 1000,
        "part_code": part_code,
        "description": f"Part {part_code}",
        "brand": "Bosch",
        "warehouse": None,
        "min_stock": 2.0,
        "on_hand": max(available, 0.0),
        "reserved": 0.0,
        "incoming": 0.0,
        "outgoing": 0.0,
        "available": available,
    }
    row.update(overrides)
    return row


def staff(*rows: tuple) -> pd.DataFrame:
    """Employees as sql/_engine/employees.sql returns them (no managers needed here)."""
    frame = pd.DataFrame(
        [(eid, name, email, role, branch, None, active) for eid, name, email, role, branch, active in rows],
        columns=EMPLOYEE_COLUMNS,
    )
    frame["branch_id"] = frame["branch_id"].astype("Float64")
    return frame


def frames(parts: list[dict[str, Any]], employees: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {
        "rows": pd.DataFrame(parts, columns=ROW_COLUMNS),
        "_employees": employees,
        "_dealership": pd.DataFrame(
            [(1, "AUTOSUR", "Autosur S.A.", "30-71234567-8", "ARS")], columns=DEALERSHIP_COLUMNS
        ),
    }


def build_plan(frames: dict[str, pd.DataFrame], settings=SETTINGS):
    return load_transform(FAMILY)(frames, settings, RUN)


STAFF = staff(
    (1, "Gerente", "gerente@example.com", "general_manager", None, True),
    (4, "Martín", "martin@example.com", "parts_manager", 1, True),
    (5, "Ernesto", "ernesto@example.com", "parts_manager", 1, False),
    (15, "Paula", "paula@example.com", "parts_manager", 2, True),
)


def test_one_message_per_branch_with_a_short_body_list_and_the_full_table():
    parts = [part_row(1, f"P-{n:03d}", -n) for n in range(12)] + [part_row(2, "Q-001")]
    plan = build_plan(frames(parts, STAFF))

    assert plan.candidates == 2
    assert plan.skipped == []
    first, second = plan.messages
    assert (first.recipient_ref, first.business_key, first.to) == (
        "branch:1",
        "out_of_stock:branch:1:2026-11-01",
        ["martin@example.com"],  # Ernesto is inactive
    )
    assert second.to == ["paula@example.com"]
    context = first.context
    assert context["count"] == 12
    assert len(context["top"]) == 10 and context["more"] == 2
    assert len(context["table"]["rows"]) == 12
    assert [c["key"] for c in context["table"]["columns"]] == [
        "part_code",
        "description",
        "brand",
        "on_hand",
        "reserved",
        "incoming",
        "outgoing",
        "available",
        "min_stock",
    ]
    assert context["first"]["scope_label"] == "Branch 1"
    assert [(a.filename, a.kind, a.template) for a in first.attachments] == [
        ("repuestos-sin-stock-B1-2026-11-01.xlsx", "xlsx", None),
        ("repuestos-sin-stock-B1-2026-11-01.pdf", "pdf", "_reports/table"),
    ]


def test_warehouse_scope_goes_to_the_warehouse_branch_and_lists_the_warehouse():
    row = part_row(
        7,
        "P-001",
        scope="warehouse",
        scope_code="DEP-CBA-1",
        scope_name="Mostrador",
        scope_label_es="Depósito DEP-CBA-1 - Mostrador (Branch 2)",
        scope_label_en="Warehouse DEP-CBA-1 - Mostrador (Branch 2)",
        branch_id=2,
        branch_name="Branch 2",
        warehouse="DEP-CBA-1",
    )
    plan = build_plan(frames([row], STAFF), settings(scope="warehouse"))
    [message] = plan.messages
    assert message.recipient_ref == "warehouse:7"
    assert message.business_key == "out_of_stock:warehouse:7:2026-11-01"
    assert message.to == ["paula@example.com"]
    assert "warehouse" in [c["key"] for c in message.context["table"]["columns"]]
    assert message.context["table"]["rows"][0]["warehouse"] == "DEP-CBA-1"
    assert message.context["first"]["scope_label"].startswith("Depósito DEP-CBA-1 - Mostrador")


def dealership_row() -> dict[str, Any]:
    return part_row(
        1,
        "P-001",
        scope="dealership",
        scope_code="AUTOSUR",
        scope_name="Autosur S.A.",
        scope_label_es="Autosur S.A. (todas las sucursales)",
        scope_label_en="Autosur S.A. (all branches)",
        branch_id=None,
        branch_name=None,
    )


def test_dealership_scope_prefers_parts_managers_with_no_branch():
    employees = pd.concat(
        [STAFF, staff((30, "Jefe de repuestos", "repuestos@example.com", "parts_manager", None, True))]
    )
    plan = build_plan(frames([dealership_row()], employees), settings(scope="dealership"))
    assert plan.messages[0].to == ["repuestos@example.com"]
    assert plan.messages[0].recipient_ref == "dealership:1"


def test_dealership_scope_falls_back_to_the_general_manager():
    # The dealership-level parts manager has no e-mail: the general manager gets the report
    # (not the branches' parts managers).
    employees = pd.concat([STAFF, staff((30, "Sin mail", None, "parts_manager", None, True))])
    plan = build_plan(frames([dealership_row()], employees), settings(scope="dealership"))
    assert plan.messages[0].to == ["gerente@example.com"]


def test_dealership_scope_skips_with_the_first_reason_when_nobody_is_usable():
    employees = staff(
        (30, "Sin mail", None, "parts_manager", None, True),
        (1, "Gerente", "gerente@", "general_manager", None, True),
    )
    plan = build_plan(frames([dealership_row()], employees), settings(scope="dealership"))
    assert plan.messages == []
    assert [(s.recipient_ref, s.reason) for s in plan.skipped] == [("dealership:1", "no_email")]
    only_gm = staff((1, "Gerente", "gerente@", "general_manager", None, True))
    plan = build_plan(frames([dealership_row()], only_gm), settings(scope="dealership"))
    assert plan.skipped[0].reason == "malformed_email"


def test_a_branch_with_no_parts_manager_is_skipped_with_no_recipient():
    plan = build_plan(frames([part_row(9, "P-001")], STAFF))
    assert plan.messages == []
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("branch:9", "out_of_stock:branch:9:2026-11-01", "no_recipient")
    ]


def test_a_branch_does_not_fall_back_to_dealership_level_parts_managers_or_the_general_manager():
    employees = pd.concat(
        [STAFF, staff((30, "Jefe de repuestos", "repuestos@example.com", "parts_manager", None, True))]
    )
    plan = build_plan(frames([part_row(9, "P-001")], employees))
    assert plan.messages == []
    assert [(s.recipient_ref, s.reason) for s in plan.skipped] == [("branch:9", "no_recipient")]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], ([], "no_recipient")),
        ([(1, "A", "a@example.com", "parts_manager", 1, False)], ([], "inactive")),
        ([(1, "A", None, "parts_manager", 1, True)], ([], "no_email")),
        ([(1, "A", "  ", "parts_manager", 1, True)], ([], "no_email")),
        ([(1, "A", "a@@example.com", "parts_manager", 1, True)], ([], "malformed_email")),
        (
            [
                (2, "B", "b@example.com", "parts_manager", 1, True),
                (1, "A", "A@Example.com", "parts_manager", 1, True),
                (3, "C", "a@example.com", "parts_manager", 1, True),
            ],
            (["A@example.com", "b@example.com"], None),
        ),
    ],
)
def test_the_branch_parts_managers_addresses_or_why_there_are_none(rows, expected):
    """Every usable address of the group in To (by employee id, each address once), else the
    reason: nobody, nobody active, else the first active one's address problem."""
    plan = build_plan(frames([part_row(1, "P-001")], staff(*rows)))
    to = plan.messages[0].to if plan.messages else []
    reason = plan.skipped[0].reason if plan.skipped else None
    assert (to, reason) == expected


def test_only_the_configured_formats_are_attached_and_english_names_the_files():
    chosen = settings(attachments=["pdf", "pdf"], language="en", body_rows=0)
    plan = build_plan(frames([part_row(1, "P-001")], STAFF), chosen)
    [message] = plan.messages
    assert message.language == "en"
    assert [a.filename for a in message.attachments] == ["parts-out-of-stock-B1-2026-11-01.pdf"]
    assert message.context["top"] == [] and message.context["more"] == 1
    assert message.context["first"]["scope_label"] == "Branch 1"


def test_nothing_out_of_stock_means_no_message():
    plan = build_plan(frames([], STAFF))
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("scope", "region", "settings.scope: Input should be 'warehouse', 'branch' or 'dealership'"),
        ("attachments", [], "settings.attachments: List should have at least 1 item"),
        ("onlyminstock", True, "settings.onlyminstock: unknown field"),
        ("body_rows", 101, "settings.body_rows: Input should be less than or equal to 100"),
    ],
)
def test_settings_reject_unknown_fields_and_bad_values(tmp_path: Path, name, value, error):
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    data["settings"][name] = value
    assert f"  - {error}" in refusal(tmp_path / FILE.name, data)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_message_renders_in_both_languages(language):
    from alertas_rapidas.rendering import MessageRenderer

    parts = [part_row(1, "P-001", -1.5, description="Junta <tapa> & retén"), part_row(1, "P-002")]
    [message] = build_plan(frames(parts, STAFF), settings(language=language, body_rows=1)).messages
    mail = MessageRenderer("parts_out_of_stock", "parts_out_of_stock", sender="a@example.com").render(
        message, message_id="<x@example.com>"
    )
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "Junta &lt;tapa&gt; &amp; retén" in html
    if language == "en":
        assert mail["Subject"] == "Parts out of stock at B1: 2 - 1 Nov 2026"
        assert "-1.5" in text and "... and 1 more part." in text and "(XLSX and PDF)" in text
    else:
        assert mail["Subject"] == "Repuestos sin stock en B1: 2 - 01/11/2026"
        assert "-1,5" in text and "... y 1 repuesto más." in text and "(XLSX y PDF)" in text
    assert [part.get_filename() for part in mail.iter_attachments()] == [
        a.filename for a in message.attachments
    ]


@pytest.mark.e2e
def test_the_query_names_each_unit_in_both_languages_and_the_warehouse_only_at_warehouse_scope(dms):
    """The scope labels the old transform built in Python now come from the query: run it on the
    e2e fixture at each scope and feed the warehouse scope's rows to the transform."""
    from psycopg.rows import dict_row

    from alertas_rapidas.extract import read_sql

    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "parts_out_of_stock.sql").read_text())

    def rows(scope: str) -> list[dict[str, Any]]:
        with dms.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(
                read_sql("parts_out_of_stock/out_of_stock.sql"), {"scope": scope, "only_min_stock": False}
            ).fetchall()

    def labels(scope: str) -> dict[str, tuple[str, str, str | None]]:
        return {
            r["scope_code"]: (r["scope_label_es"], r["scope_label_en"], r["warehouse"]) for r in rows(scope)
        }

    assert labels("warehouse")["DEP-CBA-1"] == (
        "Depósito DEP-CBA-1 - Mostrador Córdoba (Sucursal Córdoba)",
        "Warehouse DEP-CBA-1 - Mostrador Córdoba (Sucursal Córdoba)",
        "DEP-CBA-1",
    )
    assert labels("branch")["CORDOBA"] == ("Sucursal Córdoba", "Sucursal Córdoba", None)
    assert labels("dealership") == {
        "AUTOSUR": ("Autosur S.A. (todas las sucursales)", "Autosur S.A. (all branches)", None)
    }

    employees = pd.read_sql_query(  # as sql/_engine/employees.sql reads them
        "select id as employee_id, full_name, email, role, branch_id, manager_id, active "
        "from dms.employees order by id",
        dms,
    )
    warehouse_rows = pd.DataFrame(rows("warehouse"))
    plan = build_plan(frames(warehouse_rows.to_dict("records"), employees), settings(scope="warehouse"))
    cordoba = {m.recipient_ref: m for m in plan.messages}["warehouse:102"]
    assert cordoba.to == ["paula.herrera@example.com"]
    label = "Depósito DEP-CBA-1 - Mostrador Córdoba (Sucursal Córdoba)"
    assert cordoba.context["first"]["scope_label"] == label
    assert [r["warehouse"] for r in cordoba.context["table"]["rows"]] == ["DEP-CBA-1", "DEP-CBA-1"]
