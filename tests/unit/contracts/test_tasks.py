"""The typed values between a family DAG's tasks (alertas_rapidas.contracts.tasks): each goes to
its JSON form and back unchanged (as XCom stores it: through json), carries its schema version,
reads a value written before versions existed, and refuses another version by name."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alertas_rapidas.contracts.tasks import (
    SCHEMA_VERSION,
    VERSION_KEY,
    BatchRef,
    ContractError,
    ContractVersionError,
    ExtractOutput,
    ExtractResult,
    ManifestEntry,
    PlanInfo,
    RenderedBatch,
)
from alertas_rapidas.schedule.run_time import RunTime

TZ = ZoneInfo("America/Argentina/Buenos_Aires")
AT = datetime(2026, 11, 1, 8, 0, tzinfo=TZ)
RUN = RunTime("America/Argentina/Buenos_Aires", AT, AT - timedelta(days=1), AT)

EXTRACT = ExtractOutput(
    RUN,
    (
        ExtractResult("customers", "s3://alertas/work/run/extract/customers.parquet", 12),
        ExtractResult("balances", "/tmp/work/run/extract/balances.parquet", 0),
    ),
    settings_version=3,
)
BATCH = BatchRef("/tmp/work/run/plan/batches/batch-0001.json", RUN, settings_version=0)
RENDERED = RenderedBatch("/tmp/work/run/plan/outbox/batch-0001.zip", 5, date(2026, 11, 1), 1.25)
ENTRY = ManifestEntry(
    key="customer_statements:customer:1:statement:2026-10",
    recipient_ref="customer:1",
    business_key="statement:2026-10",
    message_id="<abc@alertas.example.com>",
    envelope=("cobranzas@example.net", "copia@example.net"),
    subject="Estado de cuenta",
    covers=("invoice:1", "invoice:2"),
)
PLAN = PlanInfo(
    candidates=7,
    messages=5,
    skipped={"no_email": 1, "inactive": 1},
    held={"repeat_done": 2},
    muted=None,
    settings={"settings_version": 2, "at": AT.isoformat(), "settings": [], "changes": []},
    batches=("/tmp/plan/batches/batch-0001.json",),
    skipped_path="/tmp/plan/skipped.json",
    run=RUN,
)

# (contract, value, its JSON form, read back)
XCOM_CONTRACTS = [
    ("ExtractOutput", EXTRACT, EXTRACT.to_xcom, ExtractOutput.from_xcom),
    ("BatchRef", BATCH, BATCH.to_xcom, BatchRef.from_xcom),
    ("RenderedBatch", RENDERED, RENDERED.to_xcom, RenderedBatch.from_xcom),
    ("PlanInfo", PLAN, PLAN.to_json, PlanInfo.from_json),
]


@pytest.mark.parametrize(
    ("name", "value", "written", "read"), XCOM_CONTRACTS, ids=[c[0] for c in XCOM_CONTRACTS]
)
def test_each_contract_goes_to_json_and_back_unchanged_with_its_version(name, value, written, read):
    stored = json.loads(json.dumps(written()))  # what XCom (or plan.json) keeps
    assert stored[VERSION_KEY] == SCHEMA_VERSION
    assert read(stored) == value  # the run's instants too (tz-aware, compared as instants)


@pytest.mark.parametrize(
    ("name", "value", "written", "read"), XCOM_CONTRACTS, ids=[c[0] for c in XCOM_CONTRACTS]
)
def test_another_schema_version_is_refused_naming_the_contract_and_both_versions(name, value, written, read):
    newer = {**written(), VERSION_KEY: SCHEMA_VERSION + 1}
    with pytest.raises(ContractVersionError) as error:
        read(newer)
    assert str(error.value).startswith(
        f"{name} was written as schema version {SCHEMA_VERSION + 1}, this code reads version {SCHEMA_VERSION}"
    )
    assert (error.value.contract, error.value.found, error.value.expected) == (
        name,
        SCHEMA_VERSION + 1,
        SCHEMA_VERSION,
    )


def test_values_written_before_versions_read_as_version_1():
    """Clearing a task of a run of an earlier release reads its upstream's XCom again."""
    run = RUN.to_dict()
    extracted = {"run": run, "results": [{"name": "customers", "path": "/x.parquet", "rows": 1}]}
    assert ExtractOutput.from_xcom(extracted).settings_version is None  # no version was passed on
    assert BatchRef.from_xcom({"path": "/b.json", "run": run}).run == RUN
    # a batch rendered before archives named its manifest, and before timings had no seconds
    legacy = RenderedBatch.from_xcom(
        {"manifest": "/m.manifest.json", "messages": 2, "run_date": "2026-11-01"}
    )
    assert legacy == RenderedBatch("/m.manifest.json", 2, date(2026, 11, 1), 0.0)


def test_the_manifest_entry_goes_to_json_and_back_and_reads_old_manifests():
    assert ManifestEntry.from_dict(json.loads(json.dumps(ENTRY.to_dict()))) == ENTRY
    old = {k: v for k, v in ENTRY.to_dict().items() if k not in ("subject", "covers")}
    assert ManifestEntry.from_dict({**old, "eml": "/o/k.eml"}) == ManifestEntry(
        ENTRY.key, ENTRY.recipient_ref, ENTRY.business_key, ENTRY.message_id, ENTRY.envelope, eml="/o/k.eml"
    )
    with pytest.raises(ContractError, match="ManifestEntry: 'message_id' is missing, expected str"):
        ManifestEntry.from_dict({k: v for k, v in ENTRY.to_dict().items() if k != "message_id"})


def test_a_value_of_the_wrong_shape_is_named_with_its_field():
    with pytest.raises(ContractError, match="RenderedBatch: 'messages' is a str, expected int"):
        RenderedBatch.from_xcom({**RENDERED.to_xcom(), "messages": "5"})
    with pytest.raises(ContractError, match="BatchRef: 'run' is not a run time"):
        BatchRef.from_xcom({**BATCH.to_xcom(), "run": {"at": "yesterday"}})
    with pytest.raises(ContractError, match="ExtractOutput must be a JSON object, not list"):
        ExtractOutput.from_xcom([])
    with pytest.raises(ContractError, match="PlanInfo: 'skipped' is not a mapping of counts"):
        PlanInfo.from_json({**PLAN.to_json(), "skipped": {"no_email": "1"}})
