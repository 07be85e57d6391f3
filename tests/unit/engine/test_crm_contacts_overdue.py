"""`crm_contacts_overdue` as a configured family with two stages (owner digests, manager
escalations), on small frames shaped like its queries: the engine's transform of its YAML, case
for case what the old Python transform was tested for. Contact type labels and the escalation's
reason now come from the templates, so those cases read the rendered mail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from alertas_rapidas.config import load_family_config
from alertas_rapidas.engine.family import family_for
from alertas_rapidas.families import load_transform
from alertas_rapidas.paths import FAMILIES_DIR, SQL_DIR
from alertas_rapidas.rendering import MessageRenderer
from alertas_rapidas.schedule.run_time import resolve_run_time
from tests.support.family_files import refusal

BA = "America/Argentina/Buenos_Aires"
FILE = FAMILIES_DIR / "crm_contacts_overdue.yaml"
RUN = resolve_run_time(
    timezone=BA, logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC), run_after=None, interval=None
)
DIGEST, ESCALATION = "crm_digest:2026-11-01", "crm_escalation:2026-11-01"

CONFIG, SETTINGS = load_family_config(FILE)
FAMILY = family_for(CONFIG)

EMPLOYEE_COLUMNS = ["employee_id", "full_name", "email", "role", "branch_id", "manager_id", "active"]
DEALERSHIP_COLUMNS = ["id", "code", "name", "tax_id", "local_currency"]  # sql/_engine/dealership.sql

OWNER = {
    "owner_id": 13,
    "owner_name": "Sofía Castro",
    "owner_email": "sofia@example.com",
    "owner_active": True,
}
MANAGER = {
    "manager_id": 8,
    "manager_name": "Gabriela Ruiz",
    "manager_email": "gabriela@example.com",
    "manager_active": True,
}


def contact(contact_id: int, days: int, contact_type: str = "post_sale_call", **overrides) -> dict:
    row = {
        "contact_id": contact_id,
        "contact_type": contact_type,
        "scheduled_for": date(2026, 11, 1) - timedelta(days=days),
        "days_overdue": days,
        "customer_code": f"C{contact_id:03d}",
        "customer_name": f"Cliente {contact_id}",
        "branch_name": "Casa Central",
        "dealership_name": "Autosur S.A.",
        **OWNER,
        **MANAGER,
    }
    return {**row, **overrides}


def employees(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The engine's `_employees` (sql/_engine/employees.sql) the contacts' owner and manager
    columns describe: each owner with their manager, each manager."""
    staff: dict[int, tuple] = {}
    for row in rows:
        if row["manager_id"] is not None:
            staff[row["manager_id"]] = (
                row["manager_id"],
                row["manager_name"],
                row["manager_email"],
                "service_manager",
                1,
                None,
                row["manager_active"],
            )
        staff[row["owner_id"]] = (
            row["owner_id"],
            row["owner_name"],
            row["owner_email"],
            "crm_agent",
            1,
            row["manager_id"],
            row["owner_active"],
        )
    return pd.DataFrame(list(staff.values()), columns=EMPLOYEE_COLUMNS)


def frames(rows: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    # contacts.sql returns the oldest first (order by scheduled_for, contact id): so do these.
    ordered = sorted(rows, key=lambda row: (row["scheduled_for"], row["contact_id"]))
    return {
        "rows": pd.DataFrame(ordered, columns=list(contact(1, 1))),
        "_employees": employees(ordered),
        "_dealership": pd.DataFrame(
            [(1, "AUTOSUR", "Autosur S.A.", "30-71234567-8", "ARS")], columns=DEALERSHIP_COLUMNS
        ),
    }


def settings_of(**values):
    return type(SETTINGS).model_validate({**SETTINGS.model_dump(), **values})


def plan_of(*rows, **settings):
    return load_transform(FAMILY)(frames(list(rows)), settings_of(**settings), RUN)


def sent(plan):
    return {
        (m.recipient_ref, m.business_key): [c["contact_id"] for c in m.context["rows"]] for m in plan.messages
    }


def text_of(message) -> str:
    renderer = MessageRenderer(FAMILY.key, FAMILY.templates, sender=None)
    mail = renderer.render(message, message_id="<test@alertas.example>")
    return mail.get_body(("plain",)).get_content()


def contact_lines(message) -> list[str]:
    return [line for line in text_of(message).splitlines() if line.startswith("- ")]


def test_digest_lists_the_owner_contacts_oldest_first_with_spanish_labels():
    plan = plan_of(contact(1, 1), contact(2, 2, "satisfaction_survey"), contact(3, 1, "service_followup"))
    assert sent(plan) == {("employee:13", DIGEST): [2, 1, 3]}
    [digest] = plan.messages
    assert digest.to == ["sofia@example.com"] and digest.display_name == "Sofía Castro"
    lines = contact_lines(digest)
    assert [line.split(": ", 1)[1].split(",")[0] for line in lines] == [
        "Encuesta de satisfacción",
        "Llamada posventa",
        "Seguimiento de servicio",
    ]
    assert digest.context["rows"][0]["scheduled_for"] == "2026-10-30"
    assert digest.context["stage"] == "digest"
    assert plan.candidates == 1 and plan.skipped == []


def test_contacts_overdue_escalate_after_days_also_go_to_the_manager():
    plan = plan_of(contact(1, 2), contact(2, 3), contact(3, 10, "other"))
    assert sent(plan) == {
        ("employee:13", DIGEST): [3, 2, 1],
        ("employee:8", ESCALATION): [3, 2],  # 3 days is the threshold
    }
    digest, escalation = plan.messages
    # Escalated: the digest (stage 1) knows what the escalation (stage 2) did.
    assert ["escalation" in c["reached"] for c in digest.context["rows"]] == [True, True, False]
    assert [c["missed"] for c in escalation.context["rows"]] == [{}, {}]  # why: overdue
    lines = contact_lines(escalation)
    assert all(line.endswith("(3 días o más de atraso)") for line in lines) and len(lines) == 2
    assert "; responsable Sofía Castro (" in lines[0]
    assert lines[0].startswith("- Cliente 3: Otro, ")
    assert contact_lines(digest)[0].endswith("(también informado a su gerente)")


@pytest.mark.parametrize(
    ("owner", "reason", "why"),
    [
        ({"owner_email": None}, "no_email", "responsable sin e-mail"),
        ({"owner_email": "sofia@"}, "malformed_email", "e-mail del responsable inválido"),
        ({"owner_active": False}, "inactive", "responsable inactivo"),
    ],
)
def test_unreachable_owner_is_skipped_and_the_manager_gets_every_contact(owner, reason, why):
    plan = plan_of(contact(1, 1, **owner))
    assert sent(plan) == {("employee:8", ESCALATION): [1]}
    assert plan.messages[0].context["rows"][0]["missed"] == {"digest": reason}  # why: owner_<reason>
    assert contact_lines(plan.messages[0])[0].endswith(f"; responsable Sofía Castro ({why})")
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("employee:13", DIGEST, reason)
    ]
    assert plan.candidates == 2


def test_unreachable_manager_is_skipped_once_and_the_owner_still_gets_the_digest():
    plan = plan_of(contact(1, 5, manager_active=False), contact(2, 4, manager_active=False))
    assert sent(plan) == {("employee:13", DIGEST): [1, 2]}
    assert ["escalation" in c["reached"] for c in plan.messages[0].context["rows"]] == [False, False]
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("employee:8", ESCALATION, "inactive")
    ]


def test_owner_without_manager_escalation_is_skipped_per_contact():
    no_manager = {"manager_id": None, "manager_name": None, "manager_email": None, "manager_active": None}
    plan = plan_of(contact(1, 5, **no_manager), contact(2, 1, **no_manager))
    assert sent(plan) == {("employee:13", DIGEST): [1, 2]}
    assert [(s.recipient_ref, s.reason) for s in plan.skipped] == [("crm_contact:1", "no_manager")]


def test_contact_reaching_nobody_is_skipped_as_no_recipient():
    plan = plan_of(contact(1, 1, owner_active=False, manager_email="gabriela@@example.com"))
    assert plan.messages == []
    assert sorted((s.recipient_ref, s.business_key, s.reason) for s in plan.skipped) == [
        ("crm_contact:1", ESCALATION, "no_recipient"),
        ("employee:13", DIGEST, "inactive"),
        ("employee:8", ESCALATION, "malformed_email"),
    ]
    assert plan.candidates == 3


def test_owners_and_managers_get_one_mail_each():
    other_owner = {"owner_id": 14, "owner_name": "Valeria Ortiz", "owner_email": "valeria@example.com"}
    plan = plan_of(contact(1, 5), contact(2, 6, **other_owner), contact(3, 1, **other_owner))
    assert sent(plan) == {
        ("employee:13", DIGEST): [1],
        ("employee:14", DIGEST): [2, 3],
        ("employee:8", ESCALATION): [2, 1],
    }


def test_english_labels_and_empty_input():
    plan = plan_of(contact(1, 1, "service_followup"), language="en")
    assert plan.messages[0].language == "en"
    assert contact_lines(plan.messages[0])[0].startswith("- Cliente 1: Service follow-up, ")
    empty = load_transform(FAMILY)(frames([]), SETTINGS, RUN)
    assert (empty.candidates, empty.messages, empty.skipped) == (0, [], [])


def test_sql_params_count_back_from_the_run_date():
    params = FAMILY.sql_params(settings_of(days_overdue=2), RUN)
    # contacts.sql: scheduled_for <= %(run_date)s::date - %(days_overdue)s::int
    assert (params["run_date"], params["days_overdue"]) == (date(2026, 11, 1), 2)
    sql = (SQL_DIR / FAMILY.queries["rows"]).read_text(encoding="utf-8")
    assert "%(run_date)s::date - %(days_overdue)s::int" in sql


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"days_overdue": -1}, "settings.days_overdue"),
        ({"escalate_after_days": 400}, "settings.escalate_after_days"),
        (
            {"days_overdue": 5, "escalate_after_days": 3},
            "settings: escalate_after_days (3) must be at least days_overdue (5)",
        ),
        ({"escalate_after": 3}, "settings.escalate_after: unknown field"),
        ({"language": "pt"}, "settings.language"),
    ],
)
def test_settings_are_validated(tmp_path: Path, bad, field):
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    data["settings"].update(bad)
    assert f"  - {field}" in refusal(tmp_path / FILE.name, data)
