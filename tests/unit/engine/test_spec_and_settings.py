"""What a data-team member reads when a configured family's `alert:` block or settings are wrong,
and how an instance file (`family: <other key>`) layers over the family it copies."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from alertas_rapidas.config import FamilyConfigError, load_family_config

KEY = "demo_alert"

FAMILY: dict[str, Any] = {
    "key": KEY,
    "title": "Demo alert",
    "description": "Orders waiting for more than a few days, to the branch's treasury.",
    "audience": "internal",
    "schedule": {"cron": "0 8 * * *"},
    "settings": {"days": 5},
    "alert": {
        "settings": {"days": {"type": "int", "default": 7, "min": 1}},
        "rows": {"sql": "demo_alert/rows.sql"},
        "columns": {"amount": {"kind": "money", "label": {"es": "Importe", "en": "Amount"}}},
        "recipients": {"to": [{"role": "treasury", "branch": "branch_id"}]},
        "once_per": "demo:{order_id}",
    },
}


def write(folder: Path, data: dict[str, Any], key: str = KEY) -> Path:
    path = folder / f"{key}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def family(**alert: Any) -> dict[str, Any]:
    """The valid family with some fields of its `alert:` block replaced (None removes one)."""
    data = copy.deepcopy(FAMILY)
    for name, value in alert.items():
        if value is None:
            data["alert"].pop(name, None)
        else:
            data["alert"][name] = value
    return data


def error(folder: Path, data: dict[str, Any], key: str = KEY) -> str:
    path = write(folder, data, key)
    with pytest.raises(FamilyConfigError) as raised:
        load_family_config(path)
    message = str(raised.value)
    assert message.startswith(f"Invalid alert config {path}:"), message
    return message


def test_the_minimal_family_loads_with_its_settings(tmp_path):
    config, settings = load_family_config(write(tmp_path, FAMILY))
    assert (config.key, config.dag_id, config.implementation) == (KEY, "alert_demo_alert", KEY)
    assert settings.days == 5
    assert config.alert.stages[0].once_per == "demo:{order_id}"


def test_an_unknown_field_of_the_alert_says_what_was_meant(tmp_path):
    data = family(recipients=None, recipents=FAMILY["alert"]["recipients"])
    message = error(tmp_path, data)
    assert "  - alert.recipents: unknown field; did you mean 'recipients'?" in message
    assert "allowed: " in message and "once_per" in message


def test_an_unknown_field_deeper_down_says_what_was_meant(tmp_path):
    message = error(tmp_path, family(rows={"sql": "demo_alert/rows.sql", "detials": {}}))
    assert "  - alert.rows.detials: unknown field; did you mean 'details'?" in message


def test_a_recipient_rule_names_one_kind_of_recipient(tmp_path):
    recipients = {"to": [{"role": "treasury", "addresses": ["tesoreria@example.com"]}]}
    message = error(tmp_path, family(recipients=recipients))
    assert (
        "recipients.to.0: a recipient rule names exactly one of party, employee, manager_of, role, "
        "addresses (given: role, addresses)"
    ) in message


def test_group_by_is_for_reports(tmp_path):
    message = error(tmp_path, family(group_by=["branch_id"]))
    assert "`group_by` is for `grouping: report` (one report per distinct value)" in message


def test_a_once_per_template_with_bad_braces(tmp_path):
    message = error(tmp_path, family(once_per="demo:{order_id"))
    assert "once_per: bad template 'demo:{order_id'" in message


def test_once_per_must_not_carry_the_repeat_mark(tmp_path):
    message = error(tmp_path, family(once_per="demo:{order_id}#1"))
    assert "once_per: must not contain '#' (the ledger marks repeats with it)" in message


def test_table_columns_must_be_declared(tmp_path):
    table = {"title": {"es": "Pedidos", "en": "Orders"}, "columns": ["amount", "number", "customer"]}
    message = error(tmp_path, family(table=table))
    assert (
        "  - alert: table.columns names undeclared columns: number, customer; declare them under `columns`"
        in (message)
    )


def test_an_xlsx_attachment_needs_a_table(tmp_path):
    message = error(tmp_path, family(attachments=[{"kind": "xlsx", "filename": "pedidos-{run_date}"}]))
    assert "  - alert: xlsx and pdf_table attachments need a `table:`" in message


def test_empty_message_needs_a_report_to_fixed_people(tmp_path):
    message = error(tmp_path, family(empty="message"))
    assert (
        "`empty: message` sends one report when there are no rows: every stage must be `grouping: report`"
        in (message)
    )


def test_a_choice_setting_lists_its_choices(tmp_path):
    settings = {**FAMILY["alert"]["settings"], "attachment": {"type": "choice", "default": "xlsx"}}
    message = error(tmp_path, family(settings=settings))
    assert (
        "  - alert.settings.attachment: a 'choice' setting needs `choices`, e.g. choices: [xlsx, pdf]"
        in message
    )


def test_a_setting_out_of_range_names_the_limit_and_the_value(tmp_path):
    data = family()
    data["settings"] = {"days": 0}
    message = error(tmp_path, data)
    assert "  - settings.days: Input should be greater than or equal to 1 (given: 0)" in message


def test_an_unknown_setting_says_what_was_meant(tmp_path):
    data = family()
    data["settings"] = {"dyas": 3}
    message = error(tmp_path, data)
    assert "  - settings.dyas: unknown field; did you mean 'days'?; allowed: days" in message


def test_an_instance_inherits_the_alert_and_overrides_settings_and_recipients(tmp_path):
    write(tmp_path, FAMILY)
    instance = {
        "key": "demo_alert_usd",
        "family": KEY,
        "title": "Demo alert, USD orders",
        "settings": {"days": 3},
        "alert": {"recipients": {"to": [{"addresses": ["usd@example.com"]}]}},
    }
    # its rule differs from the original's: the original's description would not say what it does
    message = error(tmp_path, instance, "demo_alert_usd")
    assert "  - description: required: this instance of 'demo_alert' sets its own settings, alert" in message
    instance["description"] = "Each order of the last 3 days, told once to the USD desk."
    config, settings = load_family_config(write(tmp_path, instance, "demo_alert_usd"))
    assert (config.key, config.dag_id, config.implementation) == (
        "demo_alert_usd",
        "alert_demo_alert_usd",
        KEY,
    )
    assert settings.days == 3
    stage = config.alert.stages[0]
    assert [str(a) for rule in stage.recipients.to for a in rule.addresses or []] == ["usd@example.com"]
    assert not any(rule.role for rule in stage.recipients.to)
    assert stage.once_per == "demo:{order_id}"  # the rest of the alert is the family's
    assert config.alert.rows.sql == "demo_alert/rows.sql"
    assert config.description == instance["description"]
    # an instance that changes nothing of the rule (another title, owner or time zone) keeps it
    same_rule = {"key": "demo_alert_copy", "family": KEY, "title": "Demo alert, a second DAG"}
    assert (
        load_family_config(write(tmp_path, same_rule, "demo_alert_copy"))[0].description
        == FAMILY["description"]
    )


def test_an_instance_of_an_instance_is_refused(tmp_path):
    write(tmp_path, FAMILY)
    write(tmp_path, {"key": "demo_alert_usd", "family": KEY, "title": "Demo alert USD"}, "demo_alert_usd")
    path = write(
        tmp_path, {"key": "demo_alert_usd2", "family": "demo_alert_usd", "title": "Demo 2"}, "demo_alert_usd2"
    )
    with pytest.raises(FamilyConfigError) as raised:
        load_family_config(path)
    assert (
        "  - family: 'demo_alert_usd' is itself an instance of 'demo_alert'; name the original family file"
        in str(raised.value)
    )
