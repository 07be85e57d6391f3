"""One base class for the configuration models: an unknown field is refused, values are frozen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from alertas_rapidas import models
from alertas_rapidas.branding import BrandingConfig
from alertas_rapidas.config import FamilyConfig, ScheduleConfig
from alertas_rapidas.delivery.sending_limits import SendingLimits
from alertas_rapidas.engine.settings import SettingSpec, settings_model
from alertas_rapidas.engine.spec import AlertSpec
from alertas_rapidas.families.customer_statements import StatementSettings
from alertas_rapidas.models import StrictModel
from alertas_rapidas.pdf.statement_layout import StatementLayout

PACKAGE = Path(models.__file__).parent


class Example(StrictModel):
    name: str
    days: int = 7


def test_an_unknown_field_is_refused():
    with pytest.raises(ValidationError, match="extra_forbidden|Extra inputs are not permitted"):
        Example.model_validate({"name": "x", "dayz": 3})


def test_a_model_is_frozen_once_read():
    example = Example(name="x")
    with pytest.raises(ValidationError, match="frozen"):
        example.days = 3


def test_a_familys_settings_model_is_strict_too():
    settings = settings_model("demo", {"days": SettingSpec(type="int", default=7)})
    assert issubclass(settings, StrictModel)
    with pytest.raises(ValidationError):
        settings.model_validate({"dayz": 3})


@pytest.mark.parametrize(
    "model",
    [
        FamilyConfig,
        ScheduleConfig,
        AlertSpec,
        SettingSpec,
        BrandingConfig,
        SendingLimits,
        StatementLayout,
        StatementSettings,
    ],
)
def test_configuration_models_share_the_base(model):
    assert issubclass(model, StrictModel)


def test_the_strict_configuration_is_written_once():
    written = re.compile(r"""extra\s*=\s*["']forbid["']|class _Strict\b""")
    others = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "models.py" and written.search(path.read_text(encoding="utf-8"))
    ]
    assert others == []
