"""Types shared by family settings."""

from __future__ import annotations

from typing import Literal

# The `employees.role` values of the DMS contract.
EmployeeRole = Literal[
    "parts_manager",
    "sales_rep",
    "service_manager",
    "service_advisor",
    "treasury",
    "payment_authorizer",
    "crm_agent",
    "audit_manager",
    "general_manager",
    "interface_admin",
    "sales_manager",
    "warranty_admin",
    "credit_manager",
]
