"""Pure transform of `crm_contacts_overdue`: overdue contacts in, owner digests and escalations out.

Input (from the family's SQL): `contacts`, one row per overdue contact with its customer, branch,
owner and the owner's manager.

- Each owner who is active with a usable e-mail gets one digest of their overdue contacts
  (business key `crm_digest:<run date>`); an owner who cannot is skipped with the address reason.
- A contact overdue `escalate_after_days` or more, or whose owner cannot receive mail, also goes to
  the owner's manager, in one escalation digest per manager (`crm_escalation:<run date>`).
  A manager who cannot receive mail is skipped with the address reason; an escalated contact
  whose owner has no manager is skipped as `no_manager`; a contact that reaches nobody at all
  (owner and manager both unreachable) as `no_recipient`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from alertas_rapidas.families.crm_contacts_overdue import CrmOverdueSettings
from alertas_rapidas.messages import OutgoingMessage, Plan, SkippedCandidate
from alertas_rapidas.recipients import address_party
from alertas_rapidas.timing import RunTime
from alertas_rapidas.transforms.frames import clean_text, optional_int, to_iso_date, truthy

CONTACT_TYPE_LABELS: dict[str, dict[str, str]] = {
    "es": {
        "post_sale_call": "Llamada posventa",
        "service_followup": "Seguimiento de servicio",
        "satisfaction_survey": "Encuesta de satisfacción",
        "other": "Otro",
    },
    "en": {
        "post_sale_call": "After-sales call",
        "service_followup": "Service follow-up",
        "satisfaction_survey": "Satisfaction survey",
        "other": "Other",
    },
}


@dataclass
class _Digest:
    employee_id: int
    name: str
    address: str
    contacts: list[dict[str, Any]] = field(default_factory=list)


def build_plan(frames: dict[str, pd.DataFrame], settings: CrmOverdueSettings, run: RunTime) -> Plan:
    day = run.run_date.isoformat()
    digest_key, escalation_key = f"crm_digest:{day}", f"crm_escalation:{day}"
    labels = CONTACT_TYPE_LABELS[settings.language]
    contacts = frames["contacts"]
    if not contacts.empty:
        contacts = contacts.assign(scheduled_iso=to_iso_date(contacts["scheduled_for"])).sort_values(
            ["scheduled_for", "contact_id"], kind="stable"
        )

    digests: dict[int, _Digest] = {}
    escalations: dict[int, _Digest] = {}
    skipped: dict[tuple[str, str], SkippedCandidate] = {}
    dealership = ""
    for row in contacts.itertuples(index=False):
        dealership = dealership or clean_text(row.dealership_name)
        item = {
            "id": int(row.contact_id),
            "customer": clean_text(row.customer_name),
            "customer_code": clean_text(row.customer_code),
            "type": clean_text(row.contact_type),
            "type_label": labels.get(clean_text(row.contact_type), clean_text(row.contact_type)),
            "scheduled_for": row.scheduled_iso,
            "days_overdue": int(row.days_overdue),
            "branch": clean_text(row.branch_name),
            "owner": clean_text(row.owner_name),
        }
        owner_id = int(row.owner_id)
        owner = address_party(row.owner_email, active=truthy(row.owner_active))
        if owner.skip_reason:
            key = (f"employee:{owner_id}", digest_key)
            skipped.setdefault(key, SkippedCandidate(*key, owner.skip_reason))
            why = f"owner_{owner.skip_reason}"
        else:
            why = "overdue" if item["days_overdue"] >= settings.escalate_after_days else None

        escalated = False
        if why is not None:
            manager_id = optional_int(row.manager_id)
            manager = address_party(row.manager_email, active=truthy(row.manager_active))
            if manager_id is not None and not manager.skip_reason:
                escalations.setdefault(
                    manager_id, _Digest(manager_id, clean_text(row.manager_name), manager.to[0])
                ).contacts.append({**item, "why": why})
                escalated = True
            else:
                if manager_id is not None:  # a manager who cannot receive mail
                    key = (f"employee:{manager_id}", escalation_key)
                    skipped.setdefault(key, SkippedCandidate(*key, manager.skip_reason or "no_email"))
                if owner.skip_reason or manager_id is None:
                    key = (f"crm_contact:{item['id']}", escalation_key)
                    reason = "no_recipient" if owner.skip_reason else "no_manager"
                    skipped[key] = SkippedCandidate(*key, reason)
        if not owner.skip_reason:
            digests.setdefault(owner_id, _Digest(owner_id, item["owner"], owner.to[0])).contacts.append(
                {**item, "escalated": escalated}
            )

    plan = Plan(candidates=0, skipped=list(skipped.values()))
    common = {
        "dealership": {"name": dealership},
        "run_date": day,
        "escalate_after_days": settings.escalate_after_days,
    }
    for kind, business_key, groups in (
        ("digest", digest_key, digests),
        ("escalation", escalation_key, escalations),
    ):
        for employee_id in sorted(groups):
            group = groups[employee_id]
            plan.messages.append(
                OutgoingMessage(
                    recipient_ref=f"employee:{employee_id}",
                    business_key=business_key,
                    to=[group.address],
                    language=settings.language,
                    display_name=group.name or None,
                    context={
                        **common,
                        "kind": kind,
                        "recipient_name": group.name,
                        "contacts": group.contacts,
                    },
                )
            )
    plan.candidates = len(plan.messages) + len(plan.skipped)
    return plan
