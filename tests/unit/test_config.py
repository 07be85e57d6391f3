"""Family config files: layering over `_defaults.yaml`, validation messages, key and family checks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alertas_rapidas.config import FamilyConfigError, load_bounces_config, load_family_config
from alertas_rapidas.families.customer_statements import StatementSettings
from alertas_rapidas.paths import FAMILIES_DIR
from tests.support.family_files import families_folder, statements_family, write_yaml


@pytest.fixture
def families(tmp_path: Path) -> Path:
    return families_folder(tmp_path)


def load_error(path: Path) -> str:
    with pytest.raises(FamilyConfigError) as info:
        load_family_config(path)
    return str(info.value)


# --- layering -----------------------------------------------------------------------------------


def test_family_file_overrides_defaults_and_nested_sender_merges(families):
    write_yaml(
        families / "_defaults.yaml",
        {
            "owner": "cobranzas",
            "retries": 3,
            "timezone": "America/Argentina/Cordoba",
            "sender": {"name": "Autosur S.A.", "reply_to": "cobranzas@autosur.example.com"},
        },
    )
    path = write_yaml(
        families / "statements_test.yaml",
        {
            **statements_family(),
            "retries": 5,
            "sender": {"address": "alertas@autosur.example.com"},
        },
    )

    config, settings = load_family_config(path)

    assert config.retries == 5  # family wins
    assert config.owner == "cobranzas"  # from _defaults.yaml
    assert config.timezone == "America/Argentina/Cordoba"
    # `sender` is merged key by key, not replaced as a whole.
    assert config.sender.name == "Autosur S.A."
    assert config.sender.reply_to == "cobranzas@autosur.example.com"
    assert config.sender.address == "alertas@autosur.example.com"
    assert config.batch_size == 250  # package default: set by neither file
    assert config.dag_id == "alert_statements_test"
    assert config.implementation == "customer_statements"
    assert settings == StatementSettings()


def test_family_file_without_defaults_file_gets_package_defaults(families):
    config, _ = load_family_config(write_yaml(families / "statements_test.yaml", statements_family()))
    assert config.owner == "data-team"
    assert config.retries == 2
    assert config.timezone == "America/Argentina/Buenos_Aires"
    assert config.sender.name is None


def test_real_customer_statements_config_layers_over_real_defaults():
    config, settings = load_family_config(FAMILIES_DIR / "customer_statements.yaml")
    assert config.key == "customer_statements"
    assert config.sender.name == "Autosur S.A."  # only in _defaults.yaml
    assert config.owners_email == ["datos@example.com"]
    assert config.schedule.cron == "0 8 1 * *"
    assert settings == StatementSettings(
        period="previous_month", currencies="both", account_types="all", skip_empty=True
    )


# --- validation messages ------------------------------------------------------------------------

INVALID = {
    "audience_not_allowed": (
        {"audience": "partners"},
        ["  - audience:", "'customers'", "'suppliers'", "'internal'", "'audit'", "'partners'"],
    ),
    "cron_with_six_fields": (
        {"schedule": {"cron": "0 8 1 * * 2026"}},
        ["  - schedule.cron:", "5 fields", "'0 8 1 * * 2026'"],
    ),
    "typo_in_nested_sender": (
        {"sender": {"adress": "a@example.com"}},
        ["  - sender.adress: unknown field", "did you mean 'address'", "allowed: address, name, reply_to"],
    ),
    "typo_in_settings": (
        {"settings": {"perio": "previous_month"}},
        ["  - settings.perio: unknown field", "did you mean 'period'"],
    ),
    "bad_account_type": (
        {"settings": {"account_types": ["vehicles", "boats"]}},
        ["settings.account_types", "'parts'", "'boats'"],
    ),
    "malformed_cc_address": (
        {"cc": ["ok@example.com", "not-an-address"]},
        ["  - cc.1:", "'not-an-address'"],
    ),
    "missing_title": (
        {"title": None},
        ["  - title:"],
    ),
    "batch_size_too_big": (
        {"batch_size": 100000},
        ["  - batch_size:", "less than or equal to 5000", "100000"],
    ),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_file_names_file_field_and_what_is_allowed(families, case):
    changes, fragments = INVALID[case]
    data = {**statements_family(), **changes}
    data = {k: v for k, v in data.items() if v is not None}
    path = write_yaml(families / "statements_test.yaml", data)

    message = load_error(path)

    assert message.startswith(f"Invalid alert config {path}:")
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def test_every_bad_field_is_reported_at_once(families):
    path = write_yaml(
        families / "statements_test.yaml", {**statements_family(), "retries": -1, "batchsize": 3}
    )
    message = load_error(path)
    assert "  - retries:" in message
    assert "  - batchsize: unknown field; did you mean 'batch_size'" in message


def test_key_must_equal_file_name(families):
    path = write_yaml(families / "statements_test.yaml", statements_family(key="other_key"))
    message = load_error(path)
    assert "key: is 'other_key' but the file is named 'statements_test.yaml'" in message


def test_unknown_family_names_the_known_ones(families):
    path = write_yaml(families / "statements_test.yaml", {**statements_family(), "family": "payroll"})
    message = load_error(path)
    assert "  - family: unknown family 'payroll'; known families: " in message
    assert "customer_statements" in message.rsplit("known families: ", 1)[1]


def test_key_without_family_must_itself_be_a_family(families):
    data = {k: v for k, v in statements_family().items() if k != "family"}
    message = load_error(write_yaml(families / "statements_test.yaml", data))
    assert "  - key: unknown family 'statements_test'" in message


def test_missing_file_and_non_mapping_file(families):
    assert "does not exist" in load_error(families / "nowhere.yaml")
    message = load_error(write_yaml(families / "statements_test.yaml", "- just\n- a list\n"))
    assert "must be a mapping of field: value, not list" in message


def test_invalid_yaml_names_line_and_column(families):
    path = write_yaml(
        families / "statements_test.yaml", "key: statements_test\ntitle: [unclosed\naudience: customers\n"
    )
    message = load_error(path)
    assert str(path) in message
    assert "is not valid YAML at line" in message


# --- schedule interval --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("PT15M", timedelta(minutes=15)), ("PT1H", timedelta(hours=1)), ("P1D", timedelta(days=1))],
)
def test_interval_is_an_iso_8601_duration(families, value, expected):
    path = write_yaml(
        families / "statements_test.yaml",
        {**statements_family(), "schedule": {"cron": "*/15 * * * *", "interval": value}},
    )
    config, _ = load_family_config(path)
    assert config.schedule.interval == expected


def test_interval_is_optional(families):
    config, _ = load_family_config(write_yaml(families / "statements_test.yaml", statements_family()))
    assert config.schedule.interval is None


@pytest.mark.parametrize(
    ("value", "fragment"), [("PT0S", "must be a positive duration"), ("fifteen minutes", "")]
)
def test_bad_interval_is_reported_on_its_field(families, value, fragment):
    path = write_yaml(
        families / "statements_test.yaml",
        {**statements_family(), "schedule": {"cron": "0 8 1 * *", "interval": value}},
    )
    message = load_error(path)
    assert "  - schedule.interval:" in message
    assert fragment in message


# --- dealership-wide fields (issue 24) ------------------------------------------------------------


def test_sending_limits_and_bounces_layer_from_defaults_and_a_family_file_may_not_set_them(families):
    write_yaml(
        families / "_defaults.yaml",
        {
            "sending_limits": {"per_minute": 30, "per_day": 10000, "sessions": 2},
            "bounces": {"threshold": 2.5, "processed_folder": "Procesados"},
        },
    )
    config, _ = load_family_config(write_yaml(families / "statements_test.yaml", statements_family()))
    assert config.sending_limits.describe() == "per_minute 30, per_day 10000, sessions 2"
    assert (config.bounces.threshold, config.bounces.processed_folder) == (2.5, "Procesados")
    assert load_bounces_config(families).threshold == 2.5

    path = write_yaml(
        families / "statements_test.yaml", {**statements_family(), "sending_limits": {"per_minute": 60}}
    )
    assert "sending_limits: set it in dags/families/_defaults.yaml only" in load_error(path)
    write_yaml(families / "_defaults.yaml", {"bounces": {"threshold": 0}})
    with pytest.raises(FamilyConfigError, match="bounces.threshold: Input should be greater than 0"):
        load_bounces_config(families)
