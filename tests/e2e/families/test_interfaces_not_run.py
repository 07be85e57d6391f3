"""`alert_interfaces_not_run` end to end: real PostgreSQL, real SMTP server, real DAG runs."""

from __future__ import annotations

import pytest

from tests.support.received import plain
from tests.support.runs import last_summary, ledger_rows, run_dag
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

DAG_ID = "alert_interfaces_not_run"
FAMILY = "interfaces_not_run"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"

HERNAN = "hernan.quiroga@example.com"
MARTIN = "martin.gomez@example.com"
SHARED = "sistemas@example.com"
ALL_THREE = "Interfaces no corridas al 01/11/2026: EXCHANGE_RATES, FACTORY_REPORTING, PRICE_UPDATE"


@pytest.fixture
def interfaces_dms(dms):
    return load_fixtures(dms, "organisation.sql", "interfaces_not_run.sql")


def test_stale_interfaces_reach_owners_and_admins_once_and_fresh_ones_stay_silent(
    interfaces_dms, dagbag, mail_sink, ledger
):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    received = {tuple(m.rcpt_tos): m for m in mail_sink.store.messages}
    assert {rcpt: m.subject for rcpt, m in received.items()} == {
        (HERNAN,): ALL_THREE,
        (MARTIN,): "Interfaces no corridas al 01/11/2026: PRICE_UPDATE",
        (SHARED,): ALL_THREE,  # two interface admins share this mailbox: one mail
    }

    hernan = received[(HERNAN,)]
    assert hernan.message["To"] == f"Hernán Quiroga <{HERNAN}>"
    text = plain(hernan)
    assert "Al 01/11/2026 a las 08:00, estas interfaces no registran una ejecución exitosa" in text
    assert (
        "- PRICE_UPDATE (Actualización de listas de precios de fábrica): última ejecución exitosa "
        "18/10/2026 06:40, hace 14,1 días; límite 10 días; responsable Martín Gómez"
    ) in text  # the success that finished after T does not count
    assert (
        "- EXCHANGE_RATES (Cotizaciones del Banco Nación): última ejecución exitosa 31/10/2026 07:31, "
        "hace 24,5 horas; límite 1 día; responsable Claudia Medina"
    ) in text
    assert (
        "- FACTORY_REPORTING (Reporte de ventas & garantías a fábrica): última ejecución exitosa nunca; "
        "límite 1 día; responsable Hernán Quiroga"
    ) in text
    assert "STOCK_SYNC" not in text and "WARRANTY_CLAIMS" not in text
    html = hernan.message.get_body(("html",)).get_content()
    assert "Reporte de ventas &amp; garantías a fábrica" in html
    assert '<td style="padding: 4px 8px;">nunca</td>' in html

    martin = plain(received[(MARTIN,)])
    assert "esta interfaz no registra" in martin
    assert "PRICE_UPDATE" in martin and "FACTORY_REPORTING" not in martin
    assert received[(SHARED,)].message["To"] == SHARED  # two names, one mailbox: no display name

    rows = {row["recipient_ref"]: (row["status"], row["reason"]) for row in ledger_rows(ledger, FAMILY)}
    assert rows == {
        "employee:200": ("sent", None),
        "employee:201": ("sent", None),
        "employee:203": ("sent", None),
        "employee:202": ("skipped", "inactive"),
        "employee:205": ("skipped", "no_email"),
    }
    assert {row["business_key"] for row in ledger_rows(ledger, FAMILY)} == {"interfaces:2026-11-01"}
    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["sent"]) == (5, 3)
    assert summary["skipped"] == {"inactive": 1, "no_email": 1}

    # The same date again sends nothing more.
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    assert mail_sink.store.messages == []
    assert last_summary(ledger, DAG_ID)["already_sent"] == 3

    # Every interface succeeded by 07:45: silence (no candidate, no mail).
    interfaces_dms.execute(
        "insert into dms.interface_runs (id, interface_id, started_at, finished_at, status) "
        "select 300 + id, id, '2026-11-01 07:40-03', '2026-11-01 07:45-03', 'succeeded' "
        "from dms.interfaces"
    )
    mail_sink.store.clear()
    assert run_dag(dagbag, DAG_ID, "2026-11-01T11:00:00+00:00", force_resend=True).state == "success"
    assert mail_sink.store.messages == []
    summary = last_summary(ledger, DAG_ID)
    assert (summary["candidates"], summary["messages"], summary["sent"], summary["skipped"]) == (0, 0, 0, {})
