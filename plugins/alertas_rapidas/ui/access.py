"""Who may do what on the Alertas page: the API server's own checks, and readable refusals.

Three levels, each an Airflow permission the UI already knows:

- **read runs** (`GET` on DAG runs, the UI's run list): the page's counts, run summaries and the
  Airflow states. No address, recipient reference or business key.
- **trigger runs** (`POST` on DAG runs): the message search (addresses, SMTP replies, `.eml`
  files), the preview, "send a test to me" and the mail server check. The message search shows
  customers' data, which a user who may trigger runs (and so send them mail) may see.
- **read connections** (`GET` on connections, Admin > Connections): the package's connections,
  passwords masked.

`session` tells the page which of them the user has, so the page shows only what they can use;
a refused call answers 403 with one readable line, never Airflow's bare `{"detail": "Forbidden"}`.
"""

# No `from __future__ import annotations` here: FastAPI reads the dependency's annotation
# (`GetUserDep`, imported inside the function), which a string annotation could not resolve.

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

NEEDS_TRIGGER = "the permission to trigger DAG runs"
NEEDS_CONNECTIONS = "the permission to read connections"


def _dag_runs(method: str) -> Any:
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import requires_access_dag

    return requires_access_dag(method=method, access_entity=DagAccessEntity.RUN)  # type: ignore[arg-type]


def _connections() -> Any:
    from airflow.api_fastapi.core_api.security import requires_access_connection

    return requires_access_connection(method="GET")


def _permissions() -> Any:
    """A dependency returning what the logged-in user may do (401 when nobody is logged in)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import (
        ConnectionDetails,
        DagAccessEntity,
        DagDetails,
    )
    from airflow.api_fastapi.core_api.security import GetUserDep

    def permissions(user: GetUserDep) -> dict[str, Any]:
        manager = get_auth_manager()
        return {
            "user": user.get_name(),
            "can_trigger": manager.is_authorized_dag(
                method="POST", access_entity=DagAccessEntity.RUN, details=DagDetails(), user=user
            ),
            "can_read_connections": manager.is_authorized_connection(
                method="GET", details=ConnectionDetails(), user=user
            ),
        }

    return permissions


@dataclass(frozen=True)
class Access:
    """The page's access checks as FastAPI dependencies (tests pass their own)."""

    read: Callable[..., Any]
    trigger: Callable[..., Any]
    connections: Callable[..., Any]
    permissions: Callable[..., Any]

    @classmethod
    def airflow(cls) -> "Access":
        """The API server's checks (its auth manager, the UI's session cookie or a bearer token)."""
        return cls(
            read=_dag_runs("GET"),
            trigger=_dag_runs("POST"),
            connections=_connections(),
            permissions=_permissions(),
        )

    @classmethod
    def fixed(cls, *, trigger: bool, connections: bool, user: str = "tester") -> "Access":
        """Checks with a fixed answer: for tests of the app without an API server."""

        def allowed() -> None:
            return None

        def refused() -> None:
            raise HTTPException(403, "Forbidden")

        def permissions() -> dict[str, Any]:
            return {"user": user, "can_trigger": trigger, "can_read_connections": connections}

        return cls(
            read=allowed,
            trigger=allowed if trigger else refused,
            connections=allowed if connections else refused,
            permissions=permissions,
        )


def readable_refusal(needs: dict[str, str]) -> Callable[[Request, HTTPException], Any]:
    """An exception handler: a 403 says in one line what the action needs (by the path's first
    segment after /api/, from `needs`); a 401 says to log in. Other errors keep their detail."""

    async def handler(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 403:
            section = request.url.path.split("/api/", 1)[-1].split("/", 1)[0]
            what = needs.get(section, NEEDS_TRIGGER)
            detail = f"Your Airflow role does not allow this: it needs {what}."
            return JSONResponse({"detail": detail, "reason": "forbidden"}, status_code=403)
        if exc.status_code == 401:
            detail = "Log in to Airflow to see this page."
            return JSONResponse({"detail": detail, "reason": "login"}, status_code=401)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    return handler
