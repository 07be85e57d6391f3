"""The base of every configuration model: unknown fields refused, values frozen once read."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A Pydantic model that refuses a field it does not declare (a typo in a YAML file is an
    error, not a silently ignored line) and cannot be changed after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)
