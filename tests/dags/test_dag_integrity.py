"""DAG integrity: the real `dags/` folder, the schedule, broken-config isolation, parse-time cost.

Nothing here runs a DAG: the DAGs are parsed with Airflow's own `DagBag` (in process, or in a fresh
interpreter where what the parse imports matters) and inspected.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import TriggerRule
from airflow.sdk.definitions.mappedoperator import MappedOperator

from alertas_rapidas.config import load_family_config

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
FAMILIES = DAGS / "families"
FAMILY_KEYS = sorted(p.stem for p in FAMILIES.glob("*.yaml") if p.name != "_defaults.yaml")

EXPECTED_PARAMS = {
    "dry_run": False,
    "force_resend": False,
    "resend_unknown": False,
    "redirect_to": None,
    "run_date": None,
}
TASK_CHAIN = ["extract", "transform", "batch.render", "batch.deliver", "summarize"]
BATCH_TASKS = {"batch.render", "batch.deliver"}


@pytest.fixture(scope="module")
def real_dagbag() -> DagBag:
    """The real `dags/` folder, parsed once. Only `.dags` and `.import_errors` are read, so unlike
    the session `dagbag` fixture this needs no migrated metadata database (saves seconds)."""
    return DagBag(dag_folder=str(DAGS))


def _dag(real_dagbag: DagBag, key: str):
    dag = real_dagbag.dags.get(f"alert_{key}")
    assert dag is not None, f"alert_{key} not loaded; import errors: {real_dagbag.import_errors}"
    return dag


# --- the real dags/ folder -------------------------------------------------------------------


@pytest.mark.families
def test_real_dags_folder_has_no_import_errors(real_dagbag):
    assert real_dagbag.import_errors == {}
    assert FAMILY_KEYS, "no family config found in dags/families"


@pytest.mark.families
def test_every_family_config_has_its_dag_and_every_dag_its_config(real_dagbag):
    expected = {f"alert_{key}" for key in FAMILY_KEYS}
    # Besides the family DAGs, only the housekeeping DAG (no family file; tested in test_retention)
    # and the bounce mailbox's (tested in tests/e2e/bounces/test_bounces.py).
    assert set(real_dagbag.dag_ids) == expected | {"alertas_housekeeping", "alertas_bounces"}
    assert {p.stem for p in DAGS.glob("alert_*.py")} == expected
    for key in FAMILY_KEYS:
        assert Path(_dag(real_dagbag, key).fileloc).resolve() == (DAGS / f"alert_{key}.py").resolve()


@pytest.mark.families
@pytest.mark.parametrize("key", FAMILY_KEYS)
def test_dag_carries_tags_owner_retries_and_docs(real_dagbag, key):
    config, _ = load_family_config(FAMILIES / f"{key}.yaml")
    dag = _dag(real_dagbag, key)

    assert {f"family:{key}", f"audience:{config.audience}"} <= set(dag.tags)
    assert sum(tag.startswith("audience:") for tag in dag.tags) == 1
    assert dag.doc_md and dag.doc_md.strip()
    assert f"dags/families/{key}.yaml" in dag.doc_md
    assert dag.catchup is False
    for task in dag.tasks:
        assert task.owner == config.owner, task.task_id
        assert task.owner and task.owner != "airflow", task.task_id
        assert task.retries >= 1, task.task_id


@pytest.mark.families
@pytest.mark.parametrize("key", FAMILY_KEYS)
def test_dag_run_params_and_their_defaults(real_dagbag, key):
    params = _dag(real_dagbag, key).params
    assert set(params) == set(EXPECTED_PARAMS)
    assert params.validate() == EXPECTED_PARAMS  # the defaults also pass their own schema
    for flag in ("dry_run", "force_resend", "resend_unknown"):
        assert params.get_param(flag).schema["type"] == "boolean"


@pytest.mark.families
@pytest.mark.parametrize("key", FAMILY_KEYS)
def test_task_graph_is_extract_transform_render_deliver_summarize(real_dagbag, key):
    config, _ = load_family_config(FAMILIES / f"{key}.yaml")
    dag = _dag(real_dagbag, key)
    tasks = dag.task_dict
    # Families fed by an interface wait for fresh data first (config `requires_fresh`).
    chain = (["wait_for_fresh_data"] if config.requires_fresh else []) + TASK_CHAIN
    assert set(tasks) == set(chain)
    assert tasks[chain[0]].upstream_task_ids == set()
    for upstream, downstream in zip(chain, chain[1:], strict=False):
        assert tasks[upstream].downstream_task_ids == {downstream}, upstream
        assert tasks[downstream].upstream_task_ids == {upstream}, downstream
    assert tasks["summarize"].downstream_task_ids == set()
    # Render and deliver form one task group mapped over the transform's batches: deliver[i]
    # waits only for render[i], not for every batch. The rest run once.
    mapped = {tid for tid, t in tasks.items() if t.get_closest_mapped_task_group() is not None}
    assert mapped == BATCH_TASKS
    assert not any(isinstance(t, MappedOperator) for t in tasks.values())
    group = tasks["batch.render"].get_closest_mapped_task_group()
    assert tasks["batch.deliver"].get_closest_mapped_task_group() is group
    assert [op.task_id for op, _ in group._expand_input.iter_references()] == ["transform"]
    # A rendered batch is delivered before the next batch renders (when both wait for a slot).
    render, deliver = tasks["batch.render"], tasks["batch.deliver"]
    assert render.weight_rule == deliver.weight_rule == "absolute"
    assert deliver.priority_weight > render.priority_weight
    # The run summary is written even when a delivery batch failed.
    assert tasks["summarize"].trigger_rule == TriggerRule.ALL_DONE


def test_customer_statements_needs_no_freshness_wait(real_dagbag):
    assert "wait_for_fresh_data" not in _dag(real_dagbag, "customer_statements").task_dict


# --- schedule ---------------------------------------------------------------------------------


def test_customer_statements_runs_at_0800_buenos_aires_on_day_one(real_dagbag):
    from airflow.serialization.serialized_objects import DagSerialization
    from airflow.timetables.base import DataInterval, TimeRestriction
    from airflow.timetables.trigger import CronTriggerTimetable

    # The timetable the scheduler sees: the DAG as serialized and read back.
    dag = DagSerialization.from_dict(DagSerialization.to_dict(_dag(real_dagbag, "customer_statements")))
    timetable = dag.timetable
    assert isinstance(timetable, CronTriggerTimetable)
    serialized = timetable.serialize()
    assert serialized["expression"] == "0 8 1 * *"
    assert serialized["timezone"] == "America/Argentina/Buenos_Aires"

    nov_1_0800_local = datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    first = timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=datetime(2026, 10, 15, tzinfo=UTC), latest=None, catchup=True),
    )
    assert first is not None
    assert first.run_after == nov_1_0800_local
    assert first.data_interval == (nov_1_0800_local, nov_1_0800_local)  # a trigger: the instant T

    oct_1_0800_local = datetime(2026, 10, 1, 11, 0, tzinfo=UTC)
    after_october = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(oct_1_0800_local, oct_1_0800_local),
        restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=True),
    )
    assert after_october is not None
    assert after_october.run_after == nov_1_0800_local


# --- broken config isolation ------------------------------------------------------------------

USD_DAG_FILE = "alert_customer_statements_usd.py"
USD_CONFIG = """\
# USD-only account statements: the customer_statements implementation, foreign currency only.
key: customer_statements_usd
family: customer_statements
title: Account statements in USD
audience: customers
description: |
  Statements of the foreign-currency current accounts only, one PDF per customer.
schedule:
  cron: "0 9 1 * *"
batch_size: 100
settings:
  period: previous_month
  currencies: foreign
"""
TITLE_LINE = USD_CONFIG.splitlines().index("title: Account statements in USD") + 1


@pytest.fixture
def tmp_dags(tmp_path: Path) -> Path:
    """A DAG folder holding a copy of `alert_customer_statements` (its DAG file, its config and
    `_defaults.yaml`) plus a second config, `customer_statements_usd`, with its DAG file.

    Only those files are copied, so the other families' state does not enter these tests (the
    real folder as a whole is checked above).
    """
    folder = tmp_path / "dags"
    (folder / "families").mkdir(parents=True)
    for name in (
        ".airflowignore",
        "alert_customer_statements.py",
        "families/_defaults.yaml",
        "families/customer_statements.yaml",
    ):
        shutil.copy(DAGS / name, folder / name)
    shutil.copy(folder / "alert_customer_statements.py", folder / USD_DAG_FILE)
    (folder / "families" / "customer_statements_usd.yaml").write_text(USD_CONFIG, encoding="utf-8")
    return folder


def test_a_second_config_reusing_an_implementation_loads_beside_the_first(tmp_dags):
    bag = DagBag(dag_folder=str(tmp_dags))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {"alert_customer_statements", "alert_customer_statements_usd"}
    usd = bag.dags["alert_customer_statements_usd"]
    assert "family:customer_statements_usd" in usd.tags
    assert "'foreign'" in usd.doc_md  # its own settings, not the other DAG's
    assert "'both'" in bag.dags["alert_customer_statements"].doc_md


def _replace(old: str, new: str):
    def edit(text: str) -> str:
        assert old in text
        return text.replace(old, new)

    return edit


BROKEN_CONFIGS = {
    "bad_enum_in_settings": (
        _replace("period: previous_month", "period: last_month"),
        ["  - settings.period:", "'previous_month'", "'current_month'", "(given: 'last_month')"],
    ),
    "typo_in_top_level_field": (
        _replace("batch_size: 100", "batchsize: 100"),
        ["  - batchsize: unknown field", "did you mean 'batch_size'"],
    ),
    "invalid_yaml": (
        _replace("title: Account statements in USD", "title: Account statements: in USD"),
        [f"is not valid YAML at line {TITLE_LINE},", "mapping values are not allowed"],
    ),
    "wrong_type_for_retries": (
        lambda text: text + "retries: many\n",
        ["  - retries:", "valid integer", "(given: 'many')"],
    ),
    "retries_out_of_range": (
        lambda text: text + "retries: 50\n",
        ["  - retries:", "less than or equal to 10", "(given: 50)"],
    ),
    "bad_timezone": (
        lambda text: text + "timezone: America/Buenos_Ayres\n",
        ["  - timezone:", "IANA time zone", "(given: 'America/Buenos_Ayres')"],
    ),
    "bad_currencies_setting": (
        _replace("currencies: foreign", "currencies: dollars"),
        ["  - settings.currencies:", "'both'", "'local'", "'foreign'", "(given: 'dollars')"],
    ),
    "cron_hour_out_of_range": (
        _replace('cron: "0 9 1 * *"', 'cron: "0 25 1 * *"'),
        ["schedule.cron", "'0 25 1 * *'"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CONFIGS))
def test_a_broken_config_is_one_import_error_naming_file_field_and_allowed_values(tmp_dags, case):
    edit, expected_fragments = BROKEN_CONFIGS[case]
    config_file = tmp_dags / "families" / "customer_statements_usd.yaml"
    config_file.write_text(edit(USD_CONFIG), encoding="utf-8")

    bag = DagBag(dag_folder=str(tmp_dags))

    assert list(bag.import_errors) == [str(tmp_dags / USD_DAG_FILE)]
    message = bag.import_errors[str(tmp_dags / USD_DAG_FILE)]
    assert "customer_statements_usd.yaml" in message
    for fragment in expected_fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    # The other DAG is untouched.
    assert set(bag.dag_ids) == {"alert_customer_statements"}
    assert bag.dags["alert_customer_statements"].task_dict.keys() == set(TASK_CHAIN)


# --- parse-time discipline --------------------------------------------------------------------

# Heavy or I/O modules that belong in task bodies only, never in the DAG file's parse.
MUST_NOT_LOAD_AT_PARSE = [
    "pandas",
    "numpy",
    "pyarrow",
    "xhtml2pdf",
    "reportlab",
    "psycopg",
    "openpyxl",
    "babel",
    "alertas_rapidas.rendering",
    "alertas_rapidas.extract",
    "alertas_rapidas.ledger.deliveries",
    "alertas_rapidas.transforms",
    "alertas_rapidas.families._frames",
    "alertas_rapidas.families._documents",
    "alertas_rapidas.families.backorders_arrived.transform",
    "alertas_rapidas.families.customer_statements.transform",
    "alertas_rapidas.families.interfaces_not_run.transform",
    "alertas_rapidas.families.invoices_due_soon.transform",
    "alertas_rapidas.families.payments_pending_authorization.transform",
    "alertas_rapidas.families.sales_documents.transform",
    "alertas_rapidas.xlsx",
]

_PARSE_SCRIPT = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
watched = json.loads(sys.argv[3])
with open(sys.argv[2], "w") as out:
    json.dump({"dags": sorted(bag.dag_ids), "loaded": [name for name in watched if name in sys.modules]}, out)
"""


def test_parsing_the_dags_imports_nothing_heavy(tmp_path, real_dagbag):
    result_file = tmp_path / "parse.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT)])}
    subprocess.run(
        [
            sys.executable,
            "-c",
            _PARSE_SCRIPT,
            str(DAGS),
            str(result_file),
            json.dumps(MUST_NOT_LOAD_AT_PARSE),
        ],
        check=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    result = json.loads(result_file.read_text())
    # The fresh interpreter parsed the same DAGs as this one (import errors are checked above).
    assert "alert_customer_statements" in result["dags"]
    assert result["dags"] == sorted(real_dagbag.dag_ids)
    assert result["loaded"] == []
