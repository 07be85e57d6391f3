"""Family 1, account statements (cuentas corrientes): one PDF statement per customer and period."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from alertas_rapidas.families import FamilyDefinition
from alertas_rapidas.models import StrictModel
from alertas_rapidas.schedule.run_time import RunTime, month_start, next_month_start, previous_month_start

AccountType = Literal["vehicles", "parts", "service", "other"]
ALL_ACCOUNT_TYPES: tuple[AccountType, ...] = ("vehicles", "parts", "service", "other")
# The PDF builder of `pdf_engine: reportlab` (see `Attachment.builder`).
STATEMENT_BUILDER = "alertas_rapidas.pdf.statement:build_statement"


class StatementSettings(StrictModel):
    """Settings of `customer_statements` (the `settings:` block of its config file)."""

    period: Literal["previous_month", "current_month"] = "previous_month"
    currencies: Literal["both", "local", "foreign"] = "both"
    account_types: Literal["all"] | list[AccountType] = "all"
    skip_empty: bool = Field(
        default=True, description="skip customers with no movement in the period and zero balance"
    )
    pdf_engine: Literal["reportlab", "html"] = Field(
        default="reportlab",
        description="reportlab: the statement drawn in code (fast), its wording, colours and column "
        "widths in the editable statement.layout.yaml; html: the Jinja template statement.<lang>.html "
        "through xhtml2pdf (the whole page editable without code, about 10 times slower)",
    )

    def account_type_list(self) -> list[str]:
        return list(ALL_ACCOUNT_TYPES) if self.account_types == "all" else list(self.account_types)


def statement_period(settings: StatementSettings, run: RunTime) -> tuple[date, date]:
    """[start, end) of the statement: the month before the run date, or the run date's month."""
    if settings.period == "previous_month":
        return previous_month_start(run.run_date), month_start(run.run_date)
    return month_start(run.run_date), next_month_start(run.run_date)


def sql_params(settings: StatementSettings, run: RunTime) -> dict[str, Any]:
    start, end = statement_period(settings, run)
    return {
        "period_start": start,
        "period_end": end,
        "account_types": settings.account_type_list(),
    }


FAMILY = FamilyDefinition(
    key="customer_statements",
    settings_model=StatementSettings,
    queries={
        "customers": "customer_statements/customers.sql",
        "balances": "customer_statements/balances.sql",
        "movements": "customer_statements/movements.sql",
    },
    sql_params=sql_params,
    # Each statement reads its own customer's rows only: transformed 2,000 customers at a time.
    chunk_key="customer_id",
)
