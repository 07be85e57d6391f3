"""`alert_parts_out_of_stock` end to end: real PostgreSQL, real SMTP server, real DAG run.

The DAG runs once for the module at the default branch scope (plus a re-run), each test checking
one rule on what the runs left; the other scopes and `only_min_stock` are checked by running the
family's SQL directly on the same fixture.
"""

from __future__ import annotations

import pytest

from alertas_rapidas.extract import read_sql
from tests.support.runs import pdf_text, xlsx_rows
from tests.support.scenario import load_fixtures

pytestmark = pytest.mark.e2e

DAG_ID = "alert_parts_out_of_stock"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"


@pytest.fixture
def stock_dms(dms):
    return load_fixtures(dms, "organisation.sql", "parts_out_of_stock.sql")


@pytest.fixture(scope="module")
def daily_runs(dated_runs):
    """1 November, then the same date again."""
    return dated_runs(
        DAG_ID,
        ("organisation.sql", "parts_out_of_stock.sql"),
        first=NOV_1_0800_BUENOS_AIRES,
        again=NOV_1_0800_BUENOS_AIRES,
    )


@pytest.fixture(scope="module")
def received(daily_runs):
    return {tuple(sorted(m.rcpt_tos)): m for m in daily_runs["first"].messages}


def test_the_run_waits_for_fresh_stock_data_then_reports_to_each_parts_manager(daily_runs, received):
    assert daily_runs["first"].state == "success"
    sensor_state = daily_runs["first"].task_states["wait_for_fresh_data"]
    assert sensor_state == "success"  # STOCK_SYNC succeeded at 06:10, within 24 h
    assert set(received) == {("Martin.Gomez@example.com",), ("paula.herrera@example.com",)}


def test_a_branch_report_lists_its_parts_without_stock_to_the_active_parts_manager(received):
    # CENTRAL: four parts, to the active parts manager only.
    central = received[("Martin.Gomez@example.com",)]
    assert central.subject == "Repuestos sin stock en CENTRAL: 4 - 01/11/2026"
    assert "ernesto" not in central.message["To"].lower()
    html = central.message.get_body(("html",)).get_content()
    assert "<strong>4 repuestos</strong>" in html
    assert "en <strong>Casa Central - Av. Rivadavia 1234, CABA</strong>" in html
    assert "La lista completa va adjunta (XLSX y PDF)" in html
    assert "Junta de tapa &lt;válvulas&gt; &amp; retén" in html  # autoescaped
    assert "<válvulas>" not in html
    text = central.message.get_body(("plain",)).get_content()
    assert "ELE-0002 Lámpara H7 12 V 55 W: disponible -1,5, stock mínimo 10" in text
    for absent in ("SUS-0001", "FIL-0001", "CAR-0001", "ELE-0003", "LUB-0001", "TRA-0001"):
        assert absent not in html, absent


def test_the_attachments_list_each_part_with_its_quantities(received):
    attachments = dict(received[("Martin.Gomez@example.com",)].attachments())
    assert set(attachments) == {
        "repuestos-sin-stock-CENTRAL-2026-11-01.xlsx",
        "repuestos-sin-stock-CENTRAL-2026-11-01.pdf",
    }
    rows = xlsx_rows(attachments["repuestos-sin-stock-CENTRAL-2026-11-01.xlsx"])
    assert rows[0] == (
        "Código",
        "Descripción",
        "Marca",
        "Existencia",
        "Reservado",
        "Ingresos pend.",
        "Egresos pend.",
        "Disponible",
        "Stock mínimo",
    )
    assert [row[0] for row in rows[1:]] == ["ELE-0002", "FRE-0001", "JUN-0001", "MOT-0001"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["ELE-0002"][3:] == (4, 5.5, 0, 0, -1.5, 10)
    assert by_code["FRE-0001"][3:] == (3, 1, 0, 2, 0, 4)  # saved from nothing: its outgoing transfer
    pdf = " ".join(pdf_text(attachments["repuestos-sin-stock-CENTRAL-2026-11-01.pdf"]).split())
    for expected in ["Autosur S.A.", "Repuestos sin stock", "Casa Central - Av. Rivadavia", "01/11/2026"]:
        assert expected in pdf, expected
    for expected in ["ELE-0002", "-1,5", "5,5", "FRE-0001", "Junta de tapa <válvulas> & retén", "4 filas"]:
        assert expected in pdf, expected


def test_pending_transfers_in_rescue_a_part_and_cancelled_ones_do_not(received):
    # CORDOBA: FIL-0001 is rescued by its pending transfer in; FRE-0003's transfer was cancelled.
    cordoba = received[("paula.herrera@example.com",)]
    assert cordoba.subject == "Repuestos sin stock en CORDOBA: 2 - 01/11/2026"
    cordoba_rows = xlsx_rows(dict(cordoba.attachments())["repuestos-sin-stock-CORDOBA-2026-11-01.xlsx"])
    assert [row[0] for row in cordoba_rows[1:]] == ["FRE-0003", "MOT-0001"]


def test_the_ledger_and_summary_record_each_branch_sent_or_skipped_with_why(daily_runs):
    rows = {row["recipient_ref"]: row for row in daily_runs["first"].rows}
    assert {ref: (row["status"], row["reason"]) for ref, row in rows.items()} == {
        "branch:1": ("sent", None),
        "branch:100": ("sent", None),
        "branch:101": ("skipped", "no_email"),
        "branch:102": ("skipped", "inactive"),
    }
    assert rows["branch:1"]["business_key"] == "out_of_stock:branch:1:2026-11-01"

    summary = daily_runs["first"].summary
    assert summary["candidates"] == 4
    assert summary["sent"] == 2
    assert summary["skipped"] == {"inactive": 1, "no_email": 1}
    assert "held_back" not in summary


def test_the_same_date_again_sends_nothing_more(daily_runs):
    # Running the same date again sends nothing more.
    rerun = daily_runs["again"]
    assert rerun.state == "success"
    assert rerun.messages == []
    assert rerun.summary["already_sent"] == 2


def _out_of_stock(conn, scope: str, only_min_stock: bool = False) -> dict[str, list[str]]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            read_sql("parts_out_of_stock/out_of_stock.sql"),
            {"scope": scope, "only_min_stock": only_min_stock},
        ).fetchall()
    result: dict[str, list[str]] = {}
    for row in rows:
        result.setdefault(row["scope_code"], []).append(row["part_code"])
    return result


def test_the_scopes_and_only_min_stock_choose_the_right_parts(stock_dms):
    assert _out_of_stock(stock_dms, "branch") == {
        "CENTRAL": ["ELE-0002", "FRE-0001", "JUN-0001", "MOT-0001"],
        "CORDOBA": ["FRE-0003", "MOT-0001"],
        "ROSARIO": ["ELE-0001", "MOT-0001"],
        "MENDOZA": ["MOT-0001"],
    }
    # A warehouse sees what the branch hides: SUS-0001 and CAR-0001 are out in one warehouse.
    assert _out_of_stock(stock_dms, "warehouse") == {
        "DEP-CEN-1": ["ELE-0002", "FRE-0001", "JUN-0001", "MOT-0001", "SUS-0001"],
        "DEP-CEN-2": ["CAR-0001", "FRE-0001", "MOT-0001"],
        "DEP-CBA-1": ["FRE-0003", "MOT-0001"],
        "DEP-ROS-1": ["ELE-0001", "MOT-0001"],
        "DEP-MZA-1": ["MOT-0001"],
    }
    assert _out_of_stock(stock_dms, "dealership") == {
        "AUTOSUR": ["ELE-0002", "FRE-0003", "JUN-0001", "MOT-0001"],
    }
    assert _out_of_stock(stock_dms, "branch", only_min_stock=True) == {
        "CENTRAL": ["ELE-0002", "FRE-0001", "MOT-0001"],
        "CORDOBA": ["FRE-0003", "MOT-0001"],
        "ROSARIO": ["MOT-0001"],
        "MENDOZA": ["MOT-0001"],
    }
