"""The docs' alert field reference (docs/reference.md) is the one generated from the models, and it
leaves out no field of any model of the `alert:` block or of `schedule:`."""

from __future__ import annotations

import re
import types
from typing import Annotated, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from alertas_rapidas.authoring.__main__ import main
from alertas_rapidas.authoring.reference import (
    END,
    PAGE,
    START,
    AlertReferenceError,
    markdown,
    page_block,
    write,
)
from alertas_rapidas.config import ScheduleConfig
from alertas_rapidas.engine.settings import SettingType
from alertas_rapidas.engine.spec import RUN_PARAMETERS, AlertSpec


def inner_models(annotation) -> set[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {annotation}
    if get_origin(annotation) in (Annotated, Union, types.UnionType, list, dict):
        return set().union(*(inner_models(arg) for arg in get_args(annotation)))
    return set()


def every_model() -> set[type[BaseModel]]:
    """AlertSpec and every model its fields reach, and the schedule."""
    found: set[type[BaseModel]] = set()
    waiting = [AlertSpec]
    while waiting:
        model = waiting.pop()
        if model not in found:
            found.add(model)
            for field in model.model_fields.values():
                waiting += inner_models(field.annotation)
    return found | {ScheduleConfig}


def sections(text: str) -> dict[str, str]:
    """The reference's `## Name` sections by name."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.fixture(scope="module")
def generated() -> str:
    return markdown()


def test_the_docs_page_holds_the_generated_reference(generated):
    block = page_block(PAGE.read_text(encoding="utf-8"))
    assert block == generated, (
        "docs/reference.md's alert field reference is out of date with the models: run make reference"
    )


def test_every_field_of_every_model_is_in_the_reference(generated):
    by_name = sections(generated)
    models = every_model()
    assert {"AlertSpec", "RecipientRule", "PartyColumns", "CheckSpec", "SettingSpec"} <= {
        m.__name__ for m in models
    }
    for model in models:
        assert model.__name__ in by_name, f"no section for {model.__name__}"
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}: give it Field(description=...)"
            assert f"| `{name}` |" in by_name[model.__name__], f"{model.__name__}.{name} is missing"


def test_setting_types_run_values_and_context_are_listed(generated):
    by_name = sections(generated)
    for name in get_args(SettingType):
        assert f"| `{name}` |" in by_name["Setting types"]
    for name in RUN_PARAMETERS:
        assert f"| `{name}` | yes |" in by_name["Run values"]
    for key in ("row", "rows", "top", "totals", "table", "lang", "t"):
        assert f"| `{key}` |" in by_name["Template context"]
    assert "| `money(language)` |" in by_name["Template filters"]
    assert "| `no_manager` |" in by_name["Skip reasons"]


def test_readable_types_and_defaults(generated):
    by_name = sections(generated)
    assert (
        "| `to` | list of [RecipientRule](#recipientrule) (at least 1) | (required) |"
        in by_name["RecipientsSpec"]
    )
    assert "| `grouping` | `per_row`, `digest` or `report` | `per_row` |" in by_name["StageSpec"]
    assert "| `body_rows` | int (0–500) or `{setting}` | `20` |" in by_name["StageSpec"]
    assert "| `role` | [role](#roles) | none |" in by_name["RecipientRule"]
    assert "| `extra_holidays` | list of date (YYYY-MM-DD) | `[]` |" in by_name["ScheduleConfig"]


def test_write_replaces_only_the_block_and_is_stable(tmp_path, generated):
    page = tmp_path / "reference.md"
    page.write_text(f"# Title\n\nBefore.\n\n{START}\nold text\n{END}\n\nAfter.\n", encoding="utf-8")
    assert write(page) is True
    text = page.read_text(encoding="utf-8")
    assert text == f"# Title\n\nBefore.\n\n{START}\n{generated}{END}\n\nAfter.\n"
    assert write(page) is False


def test_a_page_without_the_markers_is_refused(tmp_path):
    page = tmp_path / "reference.md"
    page.write_text("# Title\n", encoding="utf-8")
    with pytest.raises(AlertReferenceError, match="alert-reference:start"):
        write(page)


def test_the_cli_prints_the_reference(capsys, generated):
    assert main(["reference"]) == 0
    assert capsys.readouterr().out == generated
