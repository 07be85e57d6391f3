"""Overrides of a family's settings and recipients (issue 25): the merge rule each field declares,
layering onto the family file before validation (the same models, the same messages), how values
are written, and what summaries and notices may show."""

from __future__ import annotations

from datetime import date

import pytest

from alertas_rapidas.config import FamilyConfigError, layered, load_family_config
from alertas_rapidas.families.registry import family_path as family_config_path
from alertas_rapidas.notices import failure_notice
from alertas_rapidas.overrides import (
    FieldOverride,
    Kind,
    Merge,
    OverrideError,
    entry_lines,
    find_tunable,
    layer,
    mask,
    parse_entries,
    parse_setting,
    tunables,
)
from alertas_rapidas.summary import RunSummary

WORK_ORDERS = family_config_path("work_orders_open_too_long")
CRM = family_config_path("crm_contacts_overdue")


def test_each_tunable_field_declares_its_merge_rules():
    config, settings = load_family_config(WORK_ORDERS)
    found = {item.field: item.merges for item in tunables(config, type(settings))}
    assert found == {
        "settings.max_open_days": (Merge.REPLACE,),
        "settings.language": (Merge.REPLACE,),
        "cc": (Merge.ADD, Merge.REPLACE),
        "bcc": (Merge.ADD, Merge.REPLACE),
        "recipients.main.to": (Merge.REPLACE,),
        "recipients.main.cc": (Merge.ADD, Merge.REPLACE),
        "recipients.main.bcc": (Merge.ADD, Merge.REPLACE),
    }
    # a family with stages: each stage's lists, by the stage's name
    config, settings = load_family_config(CRM)
    stages = {item.stage for item in tunables(config, type(settings)) if item.kind == Kind.RULES}
    assert stages == {stage.name for stage in config.alert.stages} and len(stages) == 2
    # a Python family: its settings model's fields and the copies of every message
    config, settings = load_family_config(family_config_path("invoices_due_soon"))
    assert [item.field for item in tunables(config, type(settings))] == [
        "settings.days_before",
        "settings.attach_documents",
        "cc",
        "bcc",
    ]
    with pytest.raises(
        OverrideError, match=r"recipients\.main\.ccc: unknown field; did you mean 'recipients.main.cc'"
    ):
        find_tunable(tunables(*load_family_config(WORK_ORDERS)[:1], type(settings)), "recipients.main.ccc")


def test_an_override_replaces_a_setting_and_adds_to_or_replaces_a_list():
    raw = layered(WORK_ORDERS)
    rules = [{"role": "credit_manager"}]
    merged = layer(
        raw,
        [
            FieldOverride("settings.max_open_days", 5),
            FieldOverride("recipients.main.cc", rules, Merge.ADD),
            FieldOverride("recipients.main.to", [{"addresses": ["jefe@autosur.example.com"]}], Merge.REPLACE),
            FieldOverride("cc", ["copia@autosur.example.com"], Merge.ADD),
        ],
    )
    assert merged["settings"] == {"max_open_days": 5, "language": "es"}
    assert merged["alert"]["recipients"]["cc"] == rules
    assert merged["alert"]["recipients"]["to"] == [{"addresses": ["jefe@autosur.example.com"]}]
    assert merged["cc"] == ["copia@autosur.example.com"]
    assert raw["settings"]["max_open_days"] == 10  # the file's mapping is left as it was
    with_file_copies = layer(
        {**raw, "cc": ["a@autosur.example.com"]}, [FieldOverride("cc", ["b@x.example.com"], Merge.ADD)]
    )
    assert with_file_copies["cc"] == ["a@autosur.example.com", "b@x.example.com"]
    replaced = layer(
        {**raw, "cc": ["a@autosur.example.com"]}, [FieldOverride("cc", ["b@x.example.com"], Merge.REPLACE)]
    )
    assert replaced["cc"] == ["b@x.example.com"]


def test_overrides_are_validated_by_the_family_models_with_their_messages():
    def refused(*overrides: FieldOverride) -> str:
        with pytest.raises(FamilyConfigError) as error:
            load_family_config(WORK_ORDERS, overrides)
        return str(error.value)

    assert "settings.max_open_days: Input should be less than or equal to 365 (given: 400)" in refused(
        FieldOverride("settings.max_open_days", 400)
    )
    assert "settings.max_open_dys: unknown field; did you mean 'max_open_days'?" in refused(
        FieldOverride("settings.max_open_dys", 4)
    )
    assert "settings.language: Input should be 'es' or 'en' (given: 'pt')" in refused(
        FieldOverride("settings.language", "pt")
    )
    assert "cc.0: value is not a valid email address" in refused(FieldOverride("cc", ["a@b,c"], Merge.ADD))
    assert "recipients.other.cc: the family file has no stage 'other'" in refused(
        FieldOverride("recipients.other.cc", [], Merge.ADD)
    )
    # a rule between settings (alert.checks) holds for overrides too, in the check's own words
    with pytest.raises(FamilyConfigError) as error:
        load_family_config(
            CRM, [FieldOverride("settings.escalate_after_days", 1), FieldOverride("settings.days_overdue", 5)]
        )
    assert "settings: escalate_after_days (1) must be at least days_overdue (5)" in str(error.value)
    config, settings = load_family_config(WORK_ORDERS, [FieldOverride("settings.max_open_days", 5)])
    assert settings.max_open_days == 5 and config.key == "work_orders_open_too_long"


def test_values_are_written_as_in_the_family_file():
    _config, settings = load_family_config(WORK_ORDERS)
    model = type(settings)
    assert parse_setting("5", model, "max_open_days") == 5
    assert parse_setting("no", model, "language") == "no"  # a text stays text (YAML would say false)
    assert parse_setting("[7, 1]", model, "max_open_days") == [7, 1]  # the model refuses it later
    rules = parse_entries(
        ["role:service_manager branch:branch_id", "a@autosur.example.com", "", "b@autosur.example.com"],
        Kind.RULES,
        "recipients.main.to",
    )
    assert rules == [
        {"role": "service_manager", "branch": "branch_id"},
        {"addresses": ["a@autosur.example.com", "b@autosur.example.com"]},
    ]
    assert entry_lines(Kind.RULES, rules + [{"employee": "advisor_id"}]) == [
        "role:service_manager branch:branch_id",
        "a@autosur.example.com",
        "b@autosur.example.com",
        "employee:advisor_id",
    ]
    with pytest.raises(OverrideError, match="takes addresses only"):
        parse_entries(["role:treasury"], Kind.ADDRESSES, "cc")
    with pytest.raises(OverrideError, match=r"write a role as role:<role> \[branch:<column>\]"):
        parse_entries(["role:treasury sucursal"], Kind.RULES, "recipients.main.cc")


def test_summaries_and_notices_mask_addresses_and_say_when_a_family_is_off():
    assert mask({"cc": ["ana@example.com"], "why": "pedido de jefe@autosur.example.com"}) == {
        "cc": ["[address]"],
        "why": "pedido de [address]",
    }
    config, _ = load_family_config(WORK_ORDERS)
    summary = RunSummary(
        family=config.key,
        run_date=date(2026, 12, 9),
        muted="switched off (muted by beto.ops since 2026-12-07 23:34 UTC, until unmuted: migration)",
        changes=["settings.max_open_days: 10 -> 5 (v1 by ana.ops, 2026-12-07 20:31 UTC: service)"],
        problems=["extract: cannot connect to the DMS"],
    )
    text = failure_notice(config, "scheduled__x", summary.problems, summary).get_content()
    assert "The family was switched off (muted by beto.ops" in text and "nothing was sent" in text
    assert "- settings.max_open_days: 10 -> 5 (v1 by ana.ops" in text
    stored = summary.to_stored()
    assert "settings_version" not in stored and stored["changes"] == summary.changes
