"""`alert_crm_contacts_overdue` end to end: real PostgreSQL, real SMTP server, real DAG runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.runs import last_summary, ledger_rows, run_dag

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAG_ID = "alert_crm_contacts_overdue"
FAMILY = "crm_contacts_overdue"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"
OCT_29_0800_BUENOS_AIRES = "2026-10-29T11:00:00+00:00"

SOFIA = "sofia.castro@example.com"
VALERIA = "valeria.ortiz@example.com"
CAMILA = "camila.toledo@example.com"
LUCAS = "lucas.ferreyra@example.com"
GABRIELA = "gabriela.ruiz@example.com"
FEDERICO = "federico.ibanez@example.com"


@pytest.fixture
def crm_dms(dms):
    dms.execute((FIXTURES / "organisation.sql").read_text())
    dms.execute((FIXTURES / "crm_contacts_overdue.sql").read_text())
    return dms


def received_by_address(mail_sink):
    received = {}
    for message in mail_sink.store.messages:
        assert len(message.rcpt_tos) == 1, message.rcpt_tos
        received[message.rcpt_tos[0]] = message
    assert len(received) == len(mail_sink.store.messages), "one mail per recipient"
    return received


def plain(message) -> str:
    return message.message.get_body(("plain",)).get_content()


def test_owner_digests_and_manager_escalations_once_per_day(crm_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    received = received_by_address(mail_sink)
    assert {address: m.subject for address, m in received.items()} == {
        SOFIA: "Contactos de posventa vencidos: 2 pendientes al 01/11/2026",
        VALERIA: "Contactos de posventa vencidos: 2 pendientes al 01/11/2026",
        CAMILA: "Contactos de posventa vencidos: 1 pendiente al 01/11/2026",
        LUCAS: "Contactos de posventa vencidos: 1 pendiente al 01/11/2026",
        GABRIELA: "Escalamiento: 2 contactos de posventa vencidos de su equipo",
        FEDERICO: "Escalamiento: 1 contacto de posventa vencido de su equipo",
    }

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

    # Valeria: 3 days is the escalation threshold.
    valeria = plain(received[VALERIA])
    assert "Roberto Sánchez: Llamada posventa, previsto para el 29/10/2026, 3 días de atraso" in valeria
    assert "Agropecuaria La Esperanza S.A.: Otro, previsto para el 30/10/2026, 2 días de atraso" in valeria

    # Camila: the customer's name is escaped in HTML; her manager is inactive, so no escalation.
    html = received[CAMILA].message.get_body(("html",)).get_content()
    assert "Bianchi &amp; Asociados &lt;S.R.L.&gt;" in html and "<S.R.L.>" not in html

    # Gabriela's escalation: Sofía's 5-day contact and Matías's (no e-mail) contact, with why.
    gabriela = plain(received[GABRIELA])
    assert "Estos contactos de posventa de su equipo siguen pendientes al 01/11/2026" in gabriela
    assert "Transportes del Sur S.R.L.: Seguimiento de servicio" in gabriela
    assert "responsable Sofía Castro (3 días o más de atraso)" in gabriela
    assert "Juan Pérez: Encuesta de satisfacción, previsto para el 30/10/2026, 2 días de atraso" in gabriela
    assert "responsable Matías Núñez (responsable sin e-mail)" in gabriela
    assert "María José Rodríguez" not in gabriela  # 1 day overdue and Sofía has e-mail: not escalated
    assert "Roberto Sánchez" in plain(received[FEDERICO])

    rows = {
        (row["recipient_ref"], row["business_key"]): (row["status"], row["reason"])
        for row in ledger_rows(ledger, FAMILY)
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
    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["sent"]) == (11, 6)
    assert summary["skipped"] == {"inactive": 2, "no_email": 1, "no_manager": 1, "no_recipient": 1}

    # The same date again sends nothing more.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 6

    # A backfill of 29/10 sends what that day should have: judged by its run date, not today.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, OCT_29_0800_BUENOS_AIRES).state == "success"
    received = received_by_address(mail_sink)
    assert set(received) == {SOFIA, CAMILA, LUCAS}
    assert (
        "Transportes del Sur S.R.L.: Seguimiento de servicio, previsto para el 27/10/2026, 2 días"
        in plain(received[SOFIA])
    )
    assert "al 29/10/2026" in received[SOFIA].subject
    assert "9 días de atraso" in plain(received[LUCAS])
    assert last_summary(ledger, DAG_ID)["skipped"] == {"inactive": 1, "no_manager": 1}
