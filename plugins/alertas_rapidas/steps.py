"""The bodies of a family DAG's tasks: extract, transform, render and summarise.

Each takes the family's config and the Airflow context, works on files in the run's folder and
returns only small values (paths and counts) for XCom. Logs carry counts and hashed ids, never
names, addresses or amounts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from alertas_rapidas.config import FamilyConfig
from alertas_rapidas.connections import DMS_CONN_ID
from alertas_rapidas.contracts.plan import idempotency_key, message_id_for
from alertas_rapidas.contracts.tasks import (
    BatchRef,
    DeliveryResult,
    ExtractOutput,
    ManifestEntry,
    RenderedBatch,
    XComDict,
)
from alertas_rapidas.families import FamilyDefinition, load_transform
from alertas_rapidas.recipients import allowing_special_domains
from alertas_rapidas.schedule.run_context import (
    RunOptions,
    check_run_options,
    recorded_run_time,
    run_folder,
    run_time_of,
)
from alertas_rapidas.storage import make_dirs, storage_path, write_file
from alertas_rapidas.summary import run_problems

if TYPE_CHECKING:
    from airflow.sdk import Context

    from alertas_rapidas.engine.planner import History

log = logging.getLogger(__name__)


def freshness_step(config: FamilyConfig, context: Context) -> bool:
    """One poke of the freshness sensor: are all `requires_fresh` interfaces fresh at T?"""
    from alertas_rapidas.extract import connect_read_only
    from alertas_rapidas.freshness import check_interfaces

    options = RunOptions.from_params(context.get("params"))
    if options.problems(config.allowed_special_domains):
        # Refused parameters are extract's to report, at once and with the cause: no wait first.
        return True
    run = run_time_of(config, context, options)
    limits = {item.interface: item.max_age for item in config.requires_fresh}
    with connect_read_only(DMS_CONN_ID, config.statement_timeout) as conn:
        statuses = check_interfaces(conn, limits, run.at)
    write_file(run_folder(context) / "freshness.json", json.dumps([s.to_dict() for s in statuses]).encode())
    for status in statuses:
        log.info("Freshness %s", status.describe())
    return all(status.fresh for status in statuses)


def extract_step(
    config: FamilyConfig, family: FamilyDefinition, settings: BaseModel, context: Context
) -> XComDict:
    """Run the family's queries into Parquet files; return an `ExtractOutput` (XCom form)."""
    from alertas_rapidas.extract import extract_queries
    from alertas_rapidas.run_settings import for_run

    run = run_time_of(config, context, check_run_options(config, context))
    tuned = for_run(config, settings, family, run.at)  # the overrides in force at T
    config, settings, family = tuned.config, tuned.settings, tuned.family
    params = family.sql_params(settings, run)
    log.info(
        "Extracting %s for run date %s (window %s to %s)",
        config.key,
        run.run_date,
        run.window_start.isoformat(),
        run.window_end.isoformat(),
    )
    results = extract_queries(
        conn_id=DMS_CONN_ID,
        queries=dict(family.queries),
        params=params,
        out_dir=run_folder(context) / "extract",
        statement_timeout=config.statement_timeout,
        connections=dict(family.connections),
        parents=dict(family.parents),
        lookups=family.lookups,
    )
    for result in results:
        log.info("Extracted %s: %d rows", result.name, result.rows)
    if tuned.version:
        log.info("Settings version %d: %d override(s) in force at T", tuned.version, len(tuned.overrides))
    return ExtractOutput(run, tuple(results), tuned.version).to_xcom()


def transform_step(
    config: FamilyConfig,
    family: FamilyDefinition,
    settings: BaseModel,
    extracted_xcom: object,
    context: Context,
) -> list[XComDict]:
    """Build the plan; write its batches and `plan.json`; return one `BatchRef` (XCom form) per
    batch."""
    from alertas_rapidas.extract import chunked_frames, load_frames
    from alertas_rapidas.ledger.mutes import REASON as MUTED
    from alertas_rapidas.ledger.mutes import mute_for_run
    from alertas_rapidas.ledger.suppressions import skip_suppressed, suppressed_for_run
    from alertas_rapidas.plan_files import PlanWriter
    from alertas_rapidas.run_settings import for_run, summary_block
    from alertas_rapidas.unsubscribes import skip_unsubscribed, unsubscribed_for

    extracted = ExtractOutput.from_xcom(extracted_xcom)
    run = extracted.run
    # the values extract used: the overrides in force at T, as of the version it read
    tuned = for_run(config, settings, family, run.at, extracted.settings_version)
    config, settings, family = tuned.config, tuned.settings, tuned.family
    extra = {"history": sent_history(config)} if family.reads_history else {}
    transform = load_transform(family)
    unsubscribed = unsubscribed_for(config)  # a recurring family skips who unsubscribed
    suppressed = suppressed_for_run()  # every family skips addresses that bounce (`bounced`)
    plan_dir = run_folder(context) / "plan"
    writer = PlanWriter(
        plan_dir,
        config.batch_size,
        run=run,
        worker_slots=config.worker_slots,
        batches_per_slot=config.batches_per_slot,
    )
    try:
        if family.chunk_key:  # a slice of keys at a time: memory flat in the number of customers
            pieces = chunked_frames(extracted.results, family.chunk_key, family.chunk_size)
        else:
            pieces = iter([load_frames(extracted.results)])
        muted = mute_for_run(config.key, run.at)  # at the run's instant T: a backfill judges its date
        with allowing_special_domains(config.allowed_special_domains):
            for frames in pieces:
                plan = skip_unsubscribed(transform(frames, settings, run, **extra), unsubscribed)
                plan = skip_suppressed(plan, suppressed)
                if muted is not None:  # nothing rendered or sent; nothing recorded to catch up later
                    plan.hold(MUTED, len(plan.messages))
                    plan.messages = []
                writer.add(plan)
                del frames
        if muted is not None:
            writer.muted = muted.state()
            log.warning("The family is %s: nothing is sent", muted.state())
        block = summary_block(tuned, run.at)
        writer.settings = block
        for line in block["changes"]:
            log.info("First run with: %s", line)
        info = writer.finish()
    finally:
        writer.close()
    log.info(
        "Planned %d message(s) from %d candidate(s) in %d batch(es); skipped: %s",
        info.messages,
        info.candidates,
        len(info.batches),
        info.skipped or "none",
    )
    return [BatchRef(path, run, tuned.version).to_xcom() for path in info.batches]


def sent_history(config: FamilyConfig) -> History:
    """What the ledger holds as sent for this family: the repeat policies count from it."""
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.engine.family import parse_history
    from alertas_rapidas.ledger.deliveries import ledger_connection, sent_messages

    with ledger_connection(ALERTS_CONN_ID) as conn:
        return parse_history(sent_messages(conn, config.key))


def render_step(
    config: FamilyConfig, family: FamilyDefinition, batch_in: object, context: Context | None = None
) -> XComDict:
    """Render one batch into its outbox (`outbox.py`: one archive of the messages and their
    delivery manifest, beside the plan's batches). A dry run also writes each message as its own
    `<ledger key>.eml` there, to open with a mail client. `batch_in` is a `BatchRef` (XCom form);
    the result a `RenderedBatch` (XCom form)."""
    import time

    from alertas_rapidas.connections import sender_address
    from alertas_rapidas.delivery.outbox import SUFFIX, OutboxWriter, member
    from alertas_rapidas.plan_files import read_batch
    from alertas_rapidas.rendering import MessageRenderer
    from alertas_rapidas.unsubscribes import links_for

    started = time.perf_counter()
    ref = BatchRef.from_xcom(batch_in)
    if ref.settings_version:  # the copies and sender of the overrides extract read
        from alertas_rapidas.run_settings import for_run

        tuned = for_run(config, None, family, ref.run.at, ref.settings_version)
        config, family = tuned.config, tuned.family
    # The messages are final (From included): delivery sends their bytes as they are.
    # The sender is read from the connection's settings: rendering contacts no mail server.
    sender = config.sender.address or sender_address()
    renderer = MessageRenderer.for_family(config, family, sender=sender, unsubscribe=links_for(config))
    batch = storage_path(ref.path)
    outbox = batch.parent.parent / "outbox"  # the run's storage.outbox_dir (beside plan/batches/)
    make_dirs(outbox)
    loose = RunOptions.from_params((context or {}).get("params")).dry_run
    writer = OutboxWriter(outbox / f"{batch.stem}{SUFFIX}")
    manifest: list[ManifestEntry] = []
    for message in read_batch(batch):
        key = idempotency_key(config.key, message.recipient_ref, message.business_key)
        message_id = message_id_for(key)
        mail = renderer.render(message, message_id=message_id)
        data = bytes(mail)
        writer.add(key, data)
        if loose:
            write_file(outbox / member(key), data)
        manifest.append(
            ManifestEntry(
                key=key,
                recipient_ref=message.recipient_ref,
                business_key=message.business_key,
                message_id=message_id,
                subject=str(mail["Subject"]),
                envelope=tuple(renderer.envelope(message)),
                covers=tuple(message.covers),
            )
        )
    writer.finish(manifest)
    log.info("Rendered %d message(s) of %s to %s", len(manifest), batch.name, writer.path)
    return RenderedBatch(
        outbox=str(writer.path),
        messages=len(manifest),
        run_date=ref.run.run_date,
        seconds=round(time.perf_counter() - started, 3),  # the work, beside the task's start-up
    ).to_xcom()


def batch_results(pulled: DeliveryResult | Sequence[DeliveryResult | None] | None) -> list[DeliveryResult]:
    """The deliver results of every batch that finished, as Airflow hands them to `summarize`.

    Pulled from outside the mapped `batch` group, the XCom is a list of the results that exist,
    unwrapped to the one dict when only one does, and None when none does (a failed batch
    leaves no result: `run_problems` counts it as missing).
    """
    if pulled is None:
        return []
    if isinstance(pulled, dict):
        return [pulled]
    return [result for result in pulled if result]


def summarize_step(config: FamilyConfig, deliveries: list[DeliveryResult], context: Context) -> XComDict:
    """Record skips in the ledger, the run in the run log, and log a readable summary; return the
    summary's stored form (for XCom). Messages this family left `sending` under a task that stopped
    become `unknown` here too (and count for this run when they are of its date); the cause of
    every task that failed joins the run's problems."""
    from alertas_rapidas.connections import ALERTS_CONN_ID
    from alertas_rapidas.ledger import recovery
    from alertas_rapidas.ledger.deliveries import ledger_connection
    from alertas_rapidas.plan_files import read_plan_info
    from alertas_rapidas.summary import build_summary, format_summary, record_summary
    from alertas_rapidas.task_errors import failed_task_causes

    folder = run_folder(context)
    planned = read_plan_info(folder / "plan")
    freshness_file = folder / "freshness.json"
    freshness = json.loads(freshness_file.read_bytes()) if freshness_file.exists() else None
    options = RunOptions.from_params(context.get("params"))
    run_date = recorded_run_time(config, context).run_date
    dag_id, run_id, ti = context["dag"].dag_id, context["run_id"], context.get("ti")
    with ledger_connection(ALERTS_CONN_ID) as conn:
        stranded = recovery.expire_stranded(
            conn,
            lease=config.claim_lease,
            family=config.key,
            state_of=recovery.task_state_reader(ti) if ti is not None else None,
        )
        causes = failed_task_causes(conn, dag_id, run_id, ti)
    summary = build_summary(config.key, run_date, planned, deliveries or [], options, freshness)
    summary.stranded += sum(1 for item in stranded if item.run_date == run_date)
    if summary.at is None:
        summary.at = recorded_run_time(config, context).at.isoformat()
    if summary.muted is None and planned is None:  # no plan: the notice still says it was off
        from alertas_rapidas.ledger.mutes import mute_for_run

        found = mute_for_run(config.key, datetime.fromisoformat(summary.at))
        summary.muted = found.state() if found else None
    problems = run_problems(planned, deliveries, summary, causes)
    summary.problems = problems
    record_summary(config, planned, summary, options, context)
    for line in format_summary(summary):
        log.info("%s", line)
    if problems:
        from airflow.sdk.exceptions import AirflowFailException

        from alertas_rapidas.notices import send_failure_notice

        outcome = send_failure_notice(
            config,
            dag_id=dag_id,
            run_id=run_id,
            run_date=run_date,
            problems=problems,
            summary=summary,
        )
        log.warning("Run flagged as failed (%s): %s", outcome, "; ".join(problems))
        flagged = AirflowFailException("run flagged: " + "; ".join(problems))
        flagged.flagged_run = True  # type: ignore[attr-defined]  # its causes are the problems: not one more
        raise flagged
    return summary.to_stored()
