"""`parts_issued_not_invoiced` on the engine: scopes, audit-manager fallbacks, report rows and
attachments, on small frames shaped like its query; case for case what the old Python transform
was tested for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
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

BA = "America/Argentina/Buenos_Aires"
FILE = FAMILIES_DIR / "parts_issued_not_invoiced.yaml"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
RUN = resolve_run_time(
    timezone=BA,
    logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    run_after=None,
    interval=None,
)
CONFIG, SETTINGS = load_family_config(FILE)
FAMILY = family_for(CONFIG)

EMPLOYEE_COLUMNS = ["employee_id", "full_name", "email", "role", "branch_id", "manager_id", "active"]
DEALERSHIP_COLUMNS = ["id", "code", "name", "tax_id", "local_currency"]  # sql/_engine/dealership.sql


def settings(**values: Any):
    return type(SETTINGS)(**values)


def issue(
    movement_id: int,
    branch_id: int,
    *,
    days: int = 10,
    cost: str = "100.00",
    scope: str = "dealership",
    **overrides: Any,
) -> dict[str, Any]:
    """A row as sql/parts_issued_not_invoiced/issues.sql returns it at `scope` (7 days setting)."""
    by_branch = scope == "branch"
    row = {
        "movement_id": movement_id,
        "moved_at": pd.Timestamp("2026-10-22 13:15", tz="UTC"),
        "issue_date": date(2026, 11, 1) - timedelta(days=days),
        "cutoff": date(2026, 10, 25),
        "days_since": days,
        "part_code": f"P-{movement_id:03d}",
        "description": f"Repuesto {movement_id}",
        "quantity": Decimal("1.000"),
        "unit_cost": Decimal(cost),
        "cost_value": Decimal(cost),
        "employee_id": 9,
        "employee": "Tomás Benítez",
        "work_order": "1",
        "warehouse_id": branch_id * 10,
        "warehouse": f"DEP-{branch_id}",
        "warehouse_name": f"Depósito {branch_id}",
        "branch_id": branch_id,
        "branch_code": f"B{branch_id}",
        "branch_name": f"Sucursal {branch_id}",
        "dealership_id": 1,
        "dealership_code": "AUTOSUR",
        "dealership_name": "Autosur S.A.",
        "scope_id": branch_id if by_branch else 1,
        "scope_code": f"B{branch_id}" if by_branch else "AUTOSUR",
        "scope_label_es": f"Sucursal {branch_id}" if by_branch else "Autosur S.A. (todas las sucursales)",
        "scope_label_en": f"Sucursal {branch_id}" if by_branch else "Autosur S.A. (all branches)",
    }
    row.update(overrides)
    return row


def auditors(*rows: tuple) -> pd.DataFrame:
    """Audit managers as sql/_engine/employees.sql returns them."""
    frame = pd.DataFrame(
        [
            (eid, name, email, "audit_manager", branch, None, active)
            for eid, name, email, branch, active in rows
        ],
        columns=EMPLOYEE_COLUMNS,
    )
    frame["branch_id"] = frame["branch_id"].astype("Float64")
    return frame


AUDITORS = auditors(
    (2, "Silvia", "silvia@example.com", None, True),
    (40, "Auditor B2", "auditor.b2@example.com", 2, True),
    (41, "Auditor B3", "auditor.b3@example.com", 3, False),
)


def frames(issues: list[dict[str, Any]], employees: pd.DataFrame = AUDITORS) -> dict[str, pd.DataFrame]:
    return {
        "rows": pd.DataFrame(issues, columns=list(issue(1, 1))),
        "_employees": employees,
        "_dealership": pd.DataFrame(
            [(1, "AUTOSUR", "Autosur S.A.", "30-71234567-8", "ARS")], columns=DEALERSHIP_COLUMNS
        ),
    }


def build_plan(frames: dict[str, pd.DataFrame], settings=SETTINGS):
    return load_transform(FAMILY)(frames, settings, RUN)


def render(message):
    from alertas_rapidas.rendering import MessageRenderer

    key = "parts_issued_not_invoiced"
    return MessageRenderer(key, key, sender="a@example.com").render(message, message_id="<x@example.com>")


def test_dealership_scope_is_one_report_to_the_dealership_audit_manager():
    issues = [
        issue(1, 1, days=30, cost="90000.00"),
        issue(2, 2, days=10, cost="12345.67", work_order=""),
    ]
    plan = build_plan(frames(issues))
    assert plan.candidates == 1
    [message] = plan.messages
    assert (message.recipient_ref, message.business_key, message.to) == (
        "dealership:1",
        "not_invoiced:dealership:1:2026-11-01",
        ["silvia@example.com"],
    )
    context = message.context
    assert context["count"] == 2
    assert sum(row["cost_value"] for row in context["rows"]) == 10234567  # the body's total at cost
    assert max(row["days_since"] for row in context["rows"]) == 30  # the body's oldest
    assert context["first"]["cutoff"] == "2026-10-25"
    assert context["dealership"]["local_currency"] == "ARS"
    assert context["table"]["rows"][1] == {
        "issue_date": "2026-10-22",
        "part_code": "P-002",
        "description": "Repuesto 2",
        "quantity": 1.0,
        "cost_value": 1234567,
        "days_since": 10,
        "employee": "Tomás Benítez",
        "work_order": "",
        "warehouse": "DEP-2",
    }
    assert context["table"]["rows"][0]["work_order"] == "1"
    assert [a.filename for a in message.attachments] == [
        "repuestos-sin-facturar-AUTOSUR-2026-11-01.xlsx",
        "repuestos-sin-facturar-AUTOSUR-2026-11-01.pdf",
    ]
    html = render(message).get_body(("html",)).get_content()
    assert "$\u00a0102.345,67" in html and "La más antigua tiene 30 días" in html
    assert "con fecha 25/10/2026 o anterior (7 o más días al 01/11/2026)" in html


def test_dealership_scope_falls_back_to_any_active_audit_manager():
    branch_level_only = auditors((40, "Auditor B2", "auditor.b2@example.com", 2, True))
    plan = build_plan(frames([issue(1, 1)], branch_level_only))
    assert plan.messages[0].to == ["auditor.b2@example.com"]


def test_branch_scope_is_one_report_per_branch_with_dealership_fallback():
    issues = [issue(1, 1, scope="branch"), issue(2, 2, scope="branch"), issue(3, 2, scope="branch")]
    issues.append(issue(4, 3, scope="branch"))
    plan = build_plan(frames(issues), settings(scope="branch"))
    assert plan.candidates == 3
    assert [(m.recipient_ref, m.business_key, m.to, m.context["count"]) for m in plan.messages] == [
        ("branch:1", "not_invoiced:branch:1:2026-11-01", ["silvia@example.com"], 1),  # no own auditor
        ("branch:2", "not_invoiced:branch:2:2026-11-01", ["auditor.b2@example.com"], 2),
        ("branch:3", "not_invoiced:branch:3:2026-11-01", ["silvia@example.com"], 1),  # own one inactive
    ]
    assert plan.messages[1].context["first"]["scope_label"] == "Sucursal 2"
    assert plan.messages[1].attachments[0].filename == "repuestos-sin-facturar-B2-2026-11-01.xlsx"


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([], "no_recipient"),
        ([(2, "Silvia", "silvia@", None, True)], "malformed_email"),
        ([(2, "Silvia", None, None, True)], "no_email"),
        ([(2, "Silvia", "silvia@example.com", None, False)], "inactive"),
    ],
)
def test_no_usable_audit_manager_skips_the_report(rows, reason):
    plan = build_plan(frames([issue(1, 1)], auditors(*rows)))
    assert plan.messages == []
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("dealership:1", "not_invoiced:dealership:1:2026-11-01", reason)
    ]


def test_body_rows_and_formats_and_language():
    chosen = settings(body_rows=2, attachments=["xlsx"], language="en")
    [message] = build_plan(frames([issue(n, 1) for n in range(1, 6)]), chosen).messages
    assert message.language == "en"
    assert len(message.context["top"]) == 2 and message.context["more"] == 3
    assert len(message.context["table"]["rows"]) == 5
    assert [a.filename for a in message.attachments] == ["parts-not-invoiced-AUTOSUR-2026-11-01.xlsx"]
    assert message.context["first"]["scope_label"] == "Autosur S.A. (all branches)"


def test_no_unbilled_issue_means_no_message():
    plan = build_plan(frames([]))
    assert (plan.candidates, plan.messages, plan.skipped) == (0, [], [])


def test_the_query_gets_the_run_date_days_and_dealership_time_zone(tmp_path: Path):
    """The cutoff (run date - days) is the query's: it gets the run date, the days and the zone."""
    params = FAMILY.sql_params(settings(days=30), RUN)
    assert params["days"] == 30
    assert params["timezone"] == BA
    assert params["run_date"] == date(2026, 11, 1)
    assert params["scope"] == "dealership"
    for name, value, error in [
        ("days", 0, "settings.days: Input should be greater than or equal to 1"),
        ("scope", "warehouse", "settings.scope: Input should be 'dealership' or 'branch'"),
        ("attachments", [], "settings.attachments: List should have at least 1 item"),
    ]:
        data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
        data["settings"][name] = value
        assert f"  - {error}" in refusal(tmp_path / FILE.name, data)


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_message_renders_in_both_languages(language):
    issues = [issue(1, 1, cost="1234.50", description="Kit <junta> & tapa"), issue(2, 1, work_order="")]
    [message] = build_plan(frames(issues), settings(language=language)).messages
    mail = render(message)
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert "Kit &lt;junta&gt; &amp; tapa" in html
    if language == "en":
        assert mail["Subject"] == "Parts not invoiced: 2 issued 7+ days ago - 1 Nov 2026"
        assert "$\u00a01,334.50" in text and "work order 1" in text
    else:
        assert mail["Subject"] == "Repuestos sin facturar: 2 con 7 o más días - 01/11/2026"
        assert "$\u00a01.334,50" in text and "OR 1" in text
    assert len(list(mail.iter_attachments())) == 2


@pytest.mark.e2e
def test_the_query_reports_by_scope_unit_up_to_the_cutoff(dms):
    """What the old transform computed from the rows (cutoff, unit, labels) now comes from the
    query: run it with the engine's parameters on the e2e fixture, at both scopes."""
    from psycopg.rows import dict_row

    from alertas_rapidas.extract import read_sql

    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "parts_issued_not_invoiced.sql").read_text())

    def rows(**values: Any) -> list[dict[str, Any]]:
        with dms.cursor(row_factory=dict_row) as cursor:
            return cursor.execute(
                read_sql("parts_issued_not_invoiced/issues.sql"), FAMILY.sql_params(settings(**values), RUN)
            ).fetchall()

    dealership = rows()
    assert {(r["scope_id"], r["scope_code"], r["cutoff"]) for r in dealership} == {
        (1, "AUTOSUR", date(2026, 10, 25))
    }
    assert max(r["issue_date"] for r in dealership) <= date(2026, 10, 25)
    assert dealership[0]["scope_label_es"] == "Autosur S.A. (todas las sucursales)"
    assert dealership[0]["scope_label_en"] == "Autosur S.A. (all branches)"

    by_branch = rows(scope="branch")
    assert sorted(r["movement_id"] for r in by_branch) == sorted(r["movement_id"] for r in dealership)
    assert [r["scope_id"] for r in by_branch] == sorted(r["scope_id"] for r in by_branch)  # unit by unit
    for row in by_branch:
        assert (row["scope_id"], row["scope_code"]) == (row["branch_id"], row["branch_code"])
        assert row["scope_label_es"] == row["scope_label_en"] == row["branch_name"]
    assert len(rows(days=1)) > len(dealership)
