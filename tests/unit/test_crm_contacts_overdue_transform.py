"""The pure transform of `crm_contacts_overdue`: digests, escalations and who cannot be reached."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError

from alertas_rapidas.families.crm_contacts_overdue import CrmOverdueSettings, sql_params
from alertas_rapidas.timing import resolve_run_time
from alertas_rapidas.transforms.crm_contacts_overdue import build_plan

BA = "America/Argentina/Buenos_Aires"
RUN = resolve_run_time(
    timezone=BA, logical_date=datetime(2026, 11, 1, 11, 0, tzinfo=UTC), run_after=None, interval=None
)
DIGEST, ESCALATION = "crm_digest:2026-11-01", "crm_escalation:2026-11-01"

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


def plan_of(*rows, **settings):
    return build_plan({"contacts": pd.DataFrame(list(rows))}, CrmOverdueSettings(**settings), RUN)


def sent(plan):
    return {
        (m.recipient_ref, m.business_key): [c["id"] for c in m.context["contacts"]] for m in plan.messages
    }


def test_digest_lists_the_owner_contacts_oldest_first_with_spanish_labels():
    plan = plan_of(contact(1, 1), contact(2, 2, "satisfaction_survey"), contact(3, 1, "service_followup"))
    assert sent(plan) == {("employee:13", DIGEST): [2, 1, 3]}
    [digest] = plan.messages
    assert digest.to == ["sofia@example.com"] and digest.display_name == "Sofía Castro"
    assert [c["type_label"] for c in digest.context["contacts"]] == [
        "Encuesta de satisfacción",
        "Llamada posventa",
        "Seguimiento de servicio",
    ]
    assert digest.context["contacts"][0]["scheduled_for"] == "2026-10-30"
    assert digest.context["kind"] == "digest"
    assert plan.candidates == 1 and plan.skipped == []


def test_contacts_overdue_escalate_after_days_also_go_to_the_manager():
    plan = plan_of(contact(1, 2), contact(2, 3), contact(3, 10, "other"))
    assert sent(plan) == {
        ("employee:13", DIGEST): [3, 2, 1],
        ("employee:8", ESCALATION): [3, 2],  # 3 days is the threshold
    }
    digest, escalation = plan.messages
    assert [c["escalated"] for c in digest.context["contacts"]] == [True, True, False]
    assert [c["why"] for c in escalation.context["contacts"]] == ["overdue", "overdue"]
    assert escalation.context["contacts"][0]["owner"] == "Sofía Castro"
    assert escalation.context["contacts"][0]["type_label"] == "Otro"


@pytest.mark.parametrize(
    ("owner", "reason"),
    [
        ({"owner_email": None}, "no_email"),
        ({"owner_email": "sofia@"}, "malformed_email"),
        ({"owner_active": False}, "inactive"),
    ],
)
def test_unreachable_owner_is_skipped_and_the_manager_gets_every_contact(owner, reason):
    plan = plan_of(contact(1, 1, **owner))
    assert sent(plan) == {("employee:8", ESCALATION): [1]}
    assert plan.messages[0].context["contacts"][0]["why"] == f"owner_{reason}"
    assert [(s.recipient_ref, s.business_key, s.reason) for s in plan.skipped] == [
        ("employee:13", DIGEST, reason)
    ]
    assert plan.candidates == 2


def test_unreachable_manager_is_skipped_once_and_the_owner_still_gets_the_digest():
    plan = plan_of(contact(1, 5, manager_active=False), contact(2, 4, manager_active=False))
    assert sent(plan) == {("employee:13", DIGEST): [1, 2]}
    assert [c["escalated"] for c in plan.messages[0].context["contacts"]] == [False, False]
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
    assert plan.messages[0].context["contacts"][0]["type_label"] == "Service follow-up"
    empty = build_plan({"contacts": pd.DataFrame(columns=list(contact(1, 1)))}, CrmOverdueSettings(), RUN)
    assert (empty.candidates, empty.messages, empty.skipped) == (0, [], [])


def test_sql_params_count_back_from_the_run_date():
    assert sql_params(CrmOverdueSettings(days_overdue=2), RUN) == {
        "run_date": date(2026, 11, 1),
        "scheduled_until": date(2026, 10, 30),
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"days_overdue": -1},
        {"escalate_after_days": 400},
        {"days_overdue": 5, "escalate_after_days": 3},
        {"escalate_after": 3},
        {"language": "pt"},
    ],
)
def test_settings_are_validated(bad):
    with pytest.raises(ValidationError):
        CrmOverdueSettings.model_validate(bad)
