"""The `int_by_key` setting type: names mapped to whole numbers (e.g. days allowed per stage),
limits on each value, the family file's mapping replacing the default, bound to SQL as jsonb."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from psycopg.types.json import Jsonb

from alertas_rapidas.config import FamilyConfigError, load_family_config
from alertas_rapidas.engine.settings import SettingSpec, settings_model, sql_value

FAMILY: dict[str, Any] = {
    "key": "stage_days",
    "title": "Stage days",
    "description": "Sales too long in a stage, to the salesperson.",
    "audience": "internal",
    "schedule": {"cron": "0 8 * * *"},
    "alert": {
        "settings": {
            "max_days": {
                "type": "int_by_key",
                "default": {"ordered": 60, "arrived": 7},
                "min": 1,
                "max": 365,
            }
        },
        "rows": {"sql": "stage_days/rows.sql"},
        "recipients": {"to": [{"employee": "salesperson_id"}]},
        "once_per": "stage_days:{sale_id}",
    },
}


def load(folder: Path, settings: dict[str, Any] | None = None) -> Any:
    data = copy.deepcopy(FAMILY)
    if settings is not None:
        data["settings"] = settings
    path = folder / "stage_days.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_family_config(path)


def test_the_default_mapping_and_a_family_files_own():
    model = settings_model("stage_days", {"max_days": SettingSpec(**FAMILY["alert"]["settings"]["max_days"])})
    assert model().max_days == {"ordered": 60, "arrived": 7}
    assert model(max_days={"financing": 10}).max_days == {"financing": 10}


def test_a_family_file_sets_the_mapping(tmp_path):
    _config, settings = load(tmp_path, {"max_days": {"ordered": 30, "registration": 15}})
    assert settings.max_days == {"ordered": 30, "registration": 15}


def test_each_value_keeps_the_limits(tmp_path):
    with pytest.raises(FamilyConfigError) as raised:
        load(tmp_path, {"max_days": {"ordered": 0}})
    assert "settings.max_days.ordered: Input should be greater than or equal to 1 (given: 0)" in str(
        raised.value
    )


def test_values_must_be_whole_numbers(tmp_path):
    with pytest.raises(FamilyConfigError) as raised:
        load(tmp_path, {"max_days": {"ordered": "soon"}})
    assert "settings.max_days.ordered" in str(raised.value)


def test_choices_and_min_items_are_refused_limits_accepted():
    assert SettingSpec(type="int_by_key", min=0, max=10).min == 0
    with pytest.raises(ValueError, match="`choices` is only for settings of type choice"):
        SettingSpec(type="int_by_key", choices=["a"])
    with pytest.raises(ValueError, match="`min_items` is only for list settings"):
        SettingSpec(type="int_by_key", min_items=1)


def test_sql_gets_the_mapping_as_jsonb():
    value = sql_value({"ordered": 60})
    assert isinstance(value, Jsonb) and value.obj == {"ordered": 60}
