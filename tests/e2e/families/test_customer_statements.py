"""`alert_customer_statements` end to end: real PostgreSQL, real SMTP server, real DAG run.

October's statements run once for the module (`october_runs`: the run, then the same date again);
each of the first tests checks one rule on what those runs left.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alertas_rapidas.storage import run_dir
from tests.support.received import by_recipients
from tests.support.runs import last_summary, ledger_rows, pdf_text, run_dag

pytestmark = pytest.mark.e2e

DAG_ID = "alert_customer_statements"
NOV_1_0800_BUENOS_AIRES = "2026-11-01T11:00:00+00:00"


@pytest.fixture(scope="module")
def october_runs(dated_runs):
    """The 1 November run (October's statements), then the same date again."""
    return dated_runs(
        DAG_ID,
        ("organisation.sql", "statements.sql"),
        first=NOV_1_0800_BUENOS_AIRES,
        again=NOV_1_0800_BUENOS_AIRES,
    )


@pytest.fixture(scope="module")
def received(october_runs):
    return by_recipients(october_runs["first"].messages)


def test_october_statements_reach_three_customers(october_runs, received):
    assert october_runs["first"].state == "success"
    assert set(received) == {
        ("Pagos@transportes.example.com", "contaduria@transportes.example.com"),
        ("john.smith@example.org",),
        ("pedro@example.net",),
    }


def test_a_spanish_statement_goes_to_the_customer_cc_the_valid_address_with_every_currency(received):
    # C001: Spanish mail, To the customer, CC the valid cc address only, one PDF statement.
    c001 = received[("Pagos@transportes.example.com", "contaduria@transportes.example.com")]
    mail = c001.message
    assert mail["Subject"] == "Estado de cuenta octubre de 2026 - Autosur S.A."
    assert "Pagos@transportes.example.com" in mail["To"]
    assert mail["Cc"] == "contaduria@transportes.example.com"
    [(filename, pdf)] = c001.attachments()
    assert filename == "estado-de-cuenta-C001-2026-10.pdf"
    text = pdf_text(pdf)
    for expected in [
        "Autosur S.A.",
        "30-71234567-8",
        "Transportes del Sur S.R.L.",
        "01/10/2026 al 31/10/2026",
        "Cuenta corriente en ARS",
        "Saldo anterior",
        "749.999,50",
        "05/10/2026",
        "Factura A 0001-00001234",
        "1.234,56",
        "751.234,06",
        "20/10/2026",
        "Recibo 0001-00000456",
        "500.000,00",
        "251.234,06",
        "Cuenta corriente en USD",
        "10/10/2026",
        "15.000,00",
    ]:
        assert expected in text, expected
    assert "noviembre" not in text and "999,99" not in text  # November is not in October's statement
    assert text.index("Cuenta corriente en ARS") < text.index("Cuenta corriente en USD")


def test_an_english_statement_uses_en_formats(received):
    # C002: English mail and statement, en formats.
    c002 = received[("john.smith@example.org",)]
    assert c002.subject == "Account statement October 2026 - Autosur S.A."
    [(filename, pdf)] = c002.attachments()
    assert filename == "statement-C002-2026-10.pdf"
    text = pdf_text(pdf)
    assert "Opening balance" in text and "15 Oct 2026" in text and "2,500.00" in text


def test_a_balance_without_movements_still_gets_a_statement_its_name_escaped(received):
    # C008: no movement in October but a balance: a statement with opening = closing.
    c008 = received[("pedro@example.net",)]
    assert "Pedro Ruiz & Hijos <S.A.>" in pdf_text(c008.attachments()[0][1])
    html = c008.message.get_body(("html",)).get_content()
    assert "Pedro Ruiz &amp; Hijos &lt;S.A.&gt;" in html  # autoescaped, not markup
    assert "<S.A.>" not in html


def test_the_ledger_records_three_sent_and_five_skipped_with_why(october_runs):
    # The ledger: three sent, five skipped with their reasons, no entry for C009.
    rows = {row["recipient_ref"]: row for row in october_runs["first"].rows}
    assert {ref: row["status"] for ref, row in rows.items()} == {
        "customer:1": "sent",
        "customer:2": "sent",
        "customer:8": "sent",
        "customer:3": "skipped",
        "customer:4": "skipped",
        "customer:5": "skipped",
        "customer:6": "skipped",
        "customer:7": "skipped",
    }
    skipped = ("customer:3", "customer:4", "customer:5", "customer:6", "customer:7")
    assert {ref: rows[ref]["reason"] for ref in skipped} == {
        "customer:3": "no_email",
        "customer:4": "malformed_email",
        "customer:5": "opted_out",
        "customer:6": "inactive",
        "customer:7": "no_activity",
    }
    assert {row["business_key"] for row in rows.values()} == {"statement:2026-10"}


def test_the_summary_counts_candidates_sent_and_skipped(october_runs):
    summary = october_runs["first"].summary
    assert summary["candidates"] == 8
    assert summary["sent"] == 3
    assert summary["skipped"] == {
        "inactive": 1,
        "malformed_email": 1,
        "no_activity": 1,
        "no_email": 1,
        "opted_out": 1,
    }


def test_the_same_date_again_sends_nothing_more(october_runs):
    # Running the same date again sends nothing more.
    rerun = october_runs["again"]
    assert rerun.state == "success"
    assert rerun.messages == []
    assert rerun.summary["already_sent"] == 3
    sent_rows = [row for row in rerun.rows if row["status"] == "sent"]
    assert [row["attempts"] for row in sent_rows] == [1, 1, 1]


def test_dry_run_writes_eml_files_and_sends_nothing(statements_dms, dagbag, mail_sink, ledger):
    run = run_dag(dagbag, DAG_ID, NOV_1_0800_BUENOS_AIRES, dry_run=True)
    assert run.state == "success"
    assert mail_sink.store.messages == []
    outbox = run_dir(DAG_ID, run.run_id) / "plan" / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 3
    assert ledger_rows(ledger, "customer_statements") == []
    assert last_summary(ledger, DAG_ID)["dry_run"] == 3


def test_many_batches_are_each_rendered_delivered_once_and_summarized(dms, mail_sink, ledger, airflow_db):
    """The mapped `batch` group over several batches: every statement sent once, one render and
    one deliver per batch, and the summary adds up the batches' results."""
    from datetime import date
    from types import SimpleNamespace

    from alertas_dev.demo import dms_data
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.dag_factory import assemble_dag
    from alertas_rapidas.families import get_family

    dms_data.load_demo_data(dms, customers=30, reference_date=date(2026, 11, 1), months=2)
    dags = Path(__file__).resolve().parents[3] / "dags"
    config, settings = load_family_config(dags / "families" / "customer_statements.yaml")
    dag = assemble_dag(config.model_copy(update={"batch_size": 5}), settings, get_family(config.key))
    dag.fileloc = str(dags / f"{DAG_ID}.py")

    run = run_dag(SimpleNamespace(get_dag=lambda _: dag), DAG_ID, NOV_1_0800_BUENOS_AIRES)
    assert run.state == "success"

    summary = last_summary(ledger, DAG_ID)
    batches = -(-summary["messages"] // 5)
    assert batches >= 3, summary
    assert summary["sent"] == summary["messages"] == len(mail_sink.store.messages)
    sent_keys = [(m.mail_from, tuple(m.rcpt_tos), m.subject) for m in mail_sink.store.messages]
    assert len(set(sent_keys)) == len(sent_keys)  # nobody got the same statement twice
    rows = ledger_rows(ledger, "customer_statements")
    assert sum(row["status"] == "sent" for row in rows) == summary["messages"]
    finished = {(ti.task_id, ti.map_index) for ti in run.get_task_instances() if ti.state == "success"}
    for task_id in ("batch.render", "batch.deliver"):
        assert {index for tid, index in finished if tid == task_id} == set(range(batches)), task_id


def test_a_batch_that_fails_to_render_holds_back_only_its_own_mail(
    dms, mail_sink, ledger, airflow_db, monkeypatch
):
    """Batch 2's render fails: the other batches are delivered anyway, batch 2's deliver never
    runs, the run is flagged; the next run of the date sends batch 2 only, nobody twice."""
    from datetime import date
    from types import SimpleNamespace

    from alertas_dev.demo import dms_data
    from alertas_rapidas import steps
    from alertas_rapidas.config import load_family_config
    from alertas_rapidas.dag_factory import assemble_dag
    from alertas_rapidas.families import get_family

    dms_data.load_demo_data(dms, customers=30, reference_date=date(2026, 11, 1), months=2)
    dags = Path(__file__).resolve().parents[3] / "dags"
    config, settings = load_family_config(dags / "families" / "customer_statements.yaml")
    dag = assemble_dag(config.model_copy(update={"batch_size": 5}), settings, get_family(config.key))
    dag.fileloc = str(dags / f"{DAG_ID}.py")
    bag = SimpleNamespace(get_dag=lambda _: dag)
    render_step = steps.render_step

    def failing_second_batch(config, family, batch_in, context=None):
        if batch_in["path"].endswith("batch-0002.json"):
            raise RuntimeError("disk full")  # a fault of this batch only
        return render_step(config, family, batch_in, context)

    monkeypatch.setattr(steps, "render_step", failing_second_batch)
    run = run_dag(bag, DAG_ID, NOV_1_0800_BUENOS_AIRES, retries=0)
    assert run.state == "failed"
    states = {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}
    assert states[("batch.render", 1)] == "failed"
    assert states[("batch.deliver", 1)] == "upstream_failed"
    batches = max(index for task_id, index in states if task_id == "batch.render") + 1
    assert batches >= 3
    assert all(states[("batch.deliver", i)] == "success" for i in range(batches) if i != 1)
    summary = last_summary(ledger, DAG_ID)
    assert f"1 of {batches} delivery batch(es) did not finish" in summary["problems"]

    def statements() -> list[tuple[str, ...]]:  # the mail with a PDF (not the failure notice)
        return [tuple(m.rcpt_tos) for m in mail_sink.store.messages if m.attachments()]

    first = set(statements())
    held_back = summary["messages"] - len(first)
    assert 0 < held_back <= 5

    monkeypatch.setattr(steps, "render_step", render_step)
    assert run_dag(bag, DAG_ID, NOV_1_0800_BUENOS_AIRES).state == "success"
    received = statements()
    assert len(received) == len(set(received)) == summary["messages"]  # the rest, nobody twice
    assert {
        row["status"] for row in ledger_rows(ledger, "customer_statements") if row["status"] != "skipped"
    } == {"sent"}
