"""`alert_crm_contacts_overdue` end to end: real PostgreSQL, real SMTP server, real DAG runs.

One scenario, run once for the module (`daily_runs`): 1 November, 1 November again, then a backfill
of 29 October; each test checks one rule on what those runs left.
"""

from __future__ import annotations

import pytest

from tests.support.received import plain

pytestmark = pytest.mark.e2e

DAG_ID = "alert_crm_contacts_overdue"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"
OCT_29_0800_BUENOS_AIRES = "2026-10-29T11:00:00+00:00"

SOFIA = "sofia.castro@example.com"
VALERIA = "valeria.ortiz@example.com"
CAMILA = "camila.toledo@example.com"
LUCAS = "lucas.ferreyra@example.com"
GABRIELA = "gabriela.ruiz@example.com"
FEDERICO = "federico.ibanez@example.com"


@pytest.fixture(scope="module")
def daily_runs(dated_runs):
    """1 November, 1 November again, then 29 October (a backfill)."""
    return dated_runs(
        DAG_ID,
        ("organisation.sql", "crm_contacts_overdue.sql"),
        nov_1=NOV_1_0800_BUENOS_AIRES,
        again=NOV_1_0800_BUENOS_AIRES,
        oct_29=OCT_29_0800_BUENOS_AIRES,
    )


def received_by_address(messages):
    received = {}
    for message in messages:
        assert len(message.rcpt_tos) == 1, message.rcpt_tos
        received[message.rcpt_tos[0]] = message
    assert len(received) == len(messages), "one mail per recipient"
    return received


@pytest.fixture(scope="module")
def received(daily_runs):
    return received_by_address(daily_runs["nov_1"].messages)


def test_owners_get_a_digest_and_managers_an_escalation(daily_runs, received):
    assert daily_runs["nov_1"].state == "success"
    assert {address: m.subject for address, m in received.items()} == {
        SOFIA: "Contactos de posventa vencidos: 2 pendientes al 01/11/2026",
        VALERIA: "Contactos de posventa vencidos: 2 pendientes al 01/11/2026",
        CAMILA: "Contactos de posventa vencidos: 1 pendiente al 01/11/2026",
        LUCAS: "Contactos de posventa vencidos: 1 pendiente al 01/11/2026",
        GABRIELA: "Escalamiento: 2 contactos de posventa vencidos de su equipo",
        FEDERICO: "Escalamiento: 1 contacto de posventa vencido de su equipo",
    }


def test_a_digest_lists_overdue_contacts_oldest_first_marking_the_escalated_one(received):
    # Sofía's digest: oldest first, Spanish labels, the escalated contact marked.
    sofia = received[SOFIA]
    assert sofia.message["To"] == f"Sofía Castro <{SOFIA}>"
    text = plain(sofia)
    first = (
        "- Transportes del Sur S.R.L.: Seguimiento de servicio, previsto para el 27/10/2026, "
        "5 días de atraso, Casa Central - Av. Rivadavia 1234, CABA (también informado a su gerente)"
    )
    second = (
        "- María José Rodríguez: Llamada posventa, previsto para el 31/10/2026, 1 día de atraso, "
        "Casa Central - Av. Rivadavia 1234, CABA"
    )
    assert first in text and second in text and text.index(first) < text.index(second)
    assert "Encuesta de satisfacción" not in text  # contact 308 is due today: not overdue yet


def test_three_days_is_the_escalation_threshold(received):
    # Valeria: 3 days is the escalation threshold.
    valeria = plain(received[VALERIA])
    assert "Roberto Sánchez: Llamada posventa, previsto para el 29/10/2026, 3 días de atraso" in valeria
    assert "Agropecuaria La Esperanza S.A.: Otro, previsto para el 30/10/2026, 2 días de atraso" in valeria


def test_the_customer_name_is_escaped_in_html(received):
    # Camila: the customer's name is escaped in HTML; her manager is inactive, so no escalation.
    html = received[CAMILA].message.get_body(("html",)).get_content()
    assert "Bianchi &amp; Asociados &lt;S.R.L.&gt;" in html and "<S.R.L.>" not in html


def test_an_escalation_lists_the_teams_late_or_unreachable_contacts_with_why(received):
    # Gabriela's escalation: Sofía's 5-day contact and Matías's (no e-mail) contact, with why.
    gabriela = plain(received[GABRIELA])
    assert "Estos contactos de posventa de su equipo siguen pendientes al 01/11/2026" in gabriela
    assert "Transportes del Sur S.R.L.: Seguimiento de servicio" in gabriela
    assert "responsable Sofía Castro (3 días o más de atraso)" in gabriela
    assert "Juan Pérez: Encuesta de satisfacción, previsto para el 30/10/2026, 2 días de atraso" in gabriela
    assert "responsable Matías Núñez (responsable sin e-mail)" in gabriela
    assert "María José Rodríguez" not in gabriela  # 1 day overdue and Sofía has e-mail: not escalated
    assert "Roberto Sánchez" in plain(received[FEDERICO])


def test_the_ledger_and_summary_record_digests_escalations_and_skips_with_why(daily_runs):
    rows = {
        (row["recipient_ref"], row["business_key"]): (row["status"], row["reason"])
        for row in daily_runs["nov_1"].rows
    }
    digest, escalation = "crm_digest:2026-11-01", "crm_escalation:2026-11-01"
    assert rows == {
        ("employee:301", digest): ("sent", None),
        ("employee:304", digest): ("sent", None),
        ("employee:305", digest): ("sent", None),
        ("employee:308", digest): ("sent", None),
        ("employee:300", escalation): ("sent", None),
        ("employee:303", escalation): ("sent", None),
        ("employee:302", digest): ("skipped", "no_email"),
        ("employee:307", digest): ("skipped", "inactive"),
        ("employee:306", escalation): ("skipped", "inactive"),
        ("crm_contact:306", escalation): ("skipped", "no_recipient"),
        ("crm_contact:307", escalation): ("skipped", "no_manager"),
    }
    summary = daily_runs["nov_1"].summary
    assert (summary["candidates"], summary["sent"]) == (11, 6)
    assert summary["skipped"] == {"inactive": 2, "no_email": 1, "no_manager": 1, "no_recipient": 1}


def test_the_same_date_again_sends_nothing_more(daily_runs):
    again = daily_runs["again"]
    assert again.state == "success"
    assert again.messages == []
    assert again.summary["already_sent"] == 6


def test_a_backfill_is_judged_by_its_run_date_not_today(daily_runs):
    # A backfill of 29/10 sends what that day should have: judged by its run date, not today.
    oct_29 = daily_runs["oct_29"]
    assert oct_29.state == "success"
    received = received_by_address(oct_29.messages)
    assert set(received) == {SOFIA, CAMILA, LUCAS}
    assert (
        "Transportes del Sur S.R.L.: Seguimiento de servicio, previsto para el 27/10/2026, 2 días"
        in plain(received[SOFIA])
    )
    assert "al 29/10/2026" in received[SOFIA].subject
    assert "9 días de atraso" in plain(received[LUCAS])
    assert oct_29.summary["skipped"] == {"inactive": 1, "no_manager": 1}
