"""`sales_documents`: typed settings, SQL files and SQL parameters (the rule: `description` in
dags/families/sales_documents.yaml; the transform: `transform.py` beside this file)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from alertas_rapidas.families import FamilyDefinition, own_queries, window_params
from alertas_rapidas.models import StrictModel
from alertas_rapidas.schedule.run_time import RunTime

DocType = Literal["invoice", "credit_note", "debit_note", "receipt"]
ALL_DOC_TYPES: tuple[DocType, ...] = ("invoice", "credit_note", "debit_note", "receipt")


class SalesDocumentSettings(StrictModel):
    """Settings of `sales_documents` (the `settings:` block of its config file)."""

    doc_types: Literal["all"] | list[DocType] = Field(
        default=list(ALL_DOC_TYPES),
        description="document types to send: all, or a list of invoice, credit_note, debit_note, receipt",
    )

    @field_validator("doc_types")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if isinstance(value, list):
            if not value:
                raise ValueError("must name at least one document type, or be 'all'")
            return list(dict.fromkeys(value))
        return value

    def doc_type_list(self) -> list[str]:
        return list(ALL_DOC_TYPES) if self.doc_types == "all" else list(self.doc_types)


def sql_params(settings: SalesDocumentSettings, run: RunTime) -> dict[str, Any]:
    return {
        **window_params(run),
        "doc_types": settings.doc_type_list(),
    }


FAMILY = FamilyDefinition(
    key="sales_documents",
    settings_model=SalesDocumentSettings,
    queries=own_queries("sales_documents", "documents", "lines"),
    sql_params=sql_params,
    parents={"lines": ("documents", "document_id")},  # run with the parent's ids as %(parent_keys)s
)
