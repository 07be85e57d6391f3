"""Config injection attempts: hostile values are rejected by validation or only ever bound as SQL
parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alertas_rapidas.config import FamilyConfigError, load_family_config
from alertas_rapidas.families import get_family, known_families
from alertas_rapidas.paths import SQL_DIR
from tests.support.family_files import families_folder, statements_family, write_yaml

HOSTILE = "parts'); drop table dms.customers; --"
BASE = statements_family()


def config_file(tmp_path: Path, data: dict) -> Path:
    return write_yaml(families_folder(tmp_path) / "statements_test.yaml", data)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("settings", {"account_types": [HOSTILE]}, "settings.account_types"),
        ("settings", {"period": HOSTILE}, "settings.period"),
        ("family", "../../etc/passwd", "family"),
        ("timezone", "UTC'; select pg_sleep(100); --", "timezone"),
        ("schedule", {"cron": "0 8 * * * ; rm -rf /"}, "schedule.cron"),
        ("requires_fresh", [{"interface": HOSTILE, "max_age": "PT1H"}], "requires_fresh.0.interface"),
        ("owners_email", ["ops@example.com\r\nBcc: evil@example.com"], "owners_email.0"),
        ("batch_size", 10**9, "batch_size"),
        ("retries", "2; drop", "retries"),
    ],
)
def test_hostile_config_values_are_rejected_naming_the_field(tmp_path, field, value, expected):
    with pytest.raises(FamilyConfigError) as error:
        load_family_config(config_file(tmp_path, BASE | {field: value}))
    assert f"  - {expected}" in str(error.value)


def test_family_sql_takes_values_only_as_named_parameters():
    """Settings reach SQL only through `sql_params` as values psycopg binds: every family's SQL
    uses `%(name)s` placeholders and nothing that string formatting could fill in."""
    for key in known_families():
        for sql_file in get_family(key).queries.values():
            text = (SQL_DIR / sql_file).read_text(encoding="utf-8")
            assert not re.search(r"%s|\{[A-Za-z_]+\}|%\((?![a-z_]+\)s)", text), sql_file
