"""Build one family's DAG from its config file: thin, no I/O beyond reading that file.

DAG shape: extract -> transform -> batch[i](render -> deliver) -> summarize.
The `batch` task group is mapped over the transform's batches (dynamic task mapping): batch i is
delivered as soon as it is rendered, while other batches render, so large families fan out over
workers with no wait between the two steps. Each family has its own DAG file (`dags/alert_<key>.py`), so a
broken config is an import error of that one DAG and never hides the others.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, PokeReturnValue, TriggerRule, task, task_group

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.delivery.operator import AlertEmailOperator
from alertas_rapidas.families import FamilyDefinition
from alertas_rapidas.families.registry import dag_file_family, load_definition
from alertas_rapidas.schedule.run_params import run_param_names, run_params
from alertas_rapidas.schedule.timetables import (
    family_timetable,
    missed_fires_text,
    schedule_text,
    window_text,
)
from alertas_rapidas.task_errors import recording_failures

if TYPE_CHECKING:
    from typing import Unpack

    from airflow.sdk import Context


def build_family_dag(dag_file: str | Path) -> DAG:
    """The DAG of the family whose DAG file is `dags/alert_<key>.py` (config `dags/families/<key>.yaml`)."""
    key, families_dir = dag_file_family(dag_file)
    config, settings, family = load_definition(key, families_dir)
    return assemble_dag(config, settings, family)


def assemble_dag(config: FamilyConfig, settings: Any, family: FamilyDefinition) -> DAG:
    zone = ZoneInfo(config.timezone)
    with DAG(
        dag_id=config.dag_id,
        dag_display_name=config.title,
        description=f"{config.title} ({schedule_text(config)})",
        doc_md=doc_md(config, settings),
        schedule=family_timetable(config),
        start_date=datetime.combine(config.start_date, time(0), tzinfo=zone),
        catchup=False,
        max_active_runs=4,
        tags=[f"family:{config.key}", f"audience:{config.audience}", "alertas-rapidas"],
        params=run_params(),
        default_args={
            "owner": config.owner,
            "retries": config.retries,
            "retry_delay": config.retry_delay,
            "retry_exponential_backoff": 2.0,
            "max_retry_delay": config.max_retry_delay,
        },
    ) as dag:
        from alertas_rapidas import steps

        @task(task_id="extract", multiple_outputs=False)
        def extract(**context: Unpack[Context]) -> dict[str, object]:
            with recording_failures("extract", context):
                return steps.extract_step(config, family, settings, context)

        @task(task_id="transform")
        def transform(extracted: object, **context: Unpack[Context]) -> list[dict[str, object]]:
            with recording_failures("transform", context):
                return steps.transform_step(config, family, settings, extracted, context)

        # A ready deliver outranks a ready render (absolute weights): when tasks wait for worker
        # slots, the scheduler queues it first, so mail flows while later batches still render.
        # (Not with Airflow 3.3's LocalExecutor, which queues every ready task first-in-first-out
        # whatever its parallelism: apache/airflow#71914.)
        @task(task_id="render", multiple_outputs=False, weight_rule="absolute", priority_weight=1)
        def render(batch: object, **context: Unpack[Context]) -> dict[str, object]:
            with recording_failures("render", context):
                return steps.render_step(config, family, batch, context)

        @task(task_id="summarize", trigger_rule=TriggerRule.ALL_DONE, retries=1, multiple_outputs=False)
        def summarize(deliveries: Any, **context: Unpack[Context]) -> dict[str, object]:
            with recording_failures("summarize", context):
                return steps.summarize_step(config, steps.batch_results(deliveries), context)

        extracted = extract()
        if config.requires_fresh:
            wait = config.freshness_wait

            @task.sensor(
                task_id="wait_for_fresh_data",
                mode=wait.mode,
                poke_interval=wait.poke_interval.total_seconds(),
                timeout=wait.timeout.total_seconds(),
                soft_fail=True,  # on timeout: skip the rest; the summary says which data was stale
            )
            def wait_for_fresh_data(**context: Unpack[Context]) -> PokeReturnValue:
                return PokeReturnValue(is_done=steps.freshness_step(config, context))

            wait_for_fresh_data() >> extracted

        limits = config.sending_limits.model_dump(mode="json") if config.sending_limits else None

        @task_group(group_id="batch")
        def send_batch(batch: object) -> Any:
            """One batch of messages: rendered to .eml files, then delivered through the ledger."""
            return AlertEmailOperator(
                task_id="deliver",
                family=config.key,
                batch=render(batch),
                claim_lease=config.claim_lease,
                sending_limits=limits,
                weight_rule="absolute",
                priority_weight=2,
            ).output

        summarize(send_batch.expand(batch=transform(extracted)))
    return dag


def doc_md(config: FamilyConfig, settings: Any) -> str:
    parameters = ", ".join(f"`{name}`" for name in run_param_names())
    rows = "\n".join(f"| `{name}` | `{value!r}` |" for name, value in settings.model_dump().items())
    return (
        f"# {config.title}\n\n{config.description.strip()}\n\n"
        f"- **Audience:** {config.audience}\n"
        f"- **Schedule:** `{config.schedule.cron}` ({config.timezone}); reads {window_text(config)}\n"
        f"- **Missed fires:** {missed_fires_text(config)}\n"
        f"- **Owner:** {config.owner}\n"
        f"- **Config file:** `dags/families/{config.key}.yaml`\n\n"
        f"| setting | value in the file |\n|---|---|\n{rows}\n\n"
        "Settings, recipients and on/off may be overridden without a deploy (the Alertas tab's "
        "Settings, or `ops settings`): a run uses those in force at its instant, and its summary "
        "names them.\n\n"
        f"Run parameters: {parameters}."
    )
