"""Who may do what on the Alertas page: the API server's own checks, and readable refusals.

Three levels, each an Airflow permission the UI already knows:

- **read runs** (`GET` on DAG runs, the UI's run list): the page's counts, run summaries and the
  Airflow states. No address, recipient reference or business key.
- **trigger runs** (`POST` on DAG runs): the message search (addresses, SMTP replies, `.eml`
  files), the preview, "send a test to me" and the mail server check. The message search shows
  customers' data, which a user who may trigger runs (and so send them mail) may see.
- **read connections** (`GET` on connections, Admin > Connections): the package's connections,
  passwords masked.
- **edit the family's DAG** (`PUT` on that DAG: what pausing it needs; the simple auth manager's
  roles user, op and admin, FAB's User, Op and Admin, or a role given "can edit" on `DAG:alert_<key>`
  alone): tune the family (its settings and recipients, switching it off and on, reverting a change)
  on the Settings tab. Everyone who may read runs sees the values and their history; addresses only
  those who may trigger runs. A custom resource is no use here: the simple auth manager answers
  every custom view's check as a read, whatever the method.

`session` tells the page which of them the user has, so the page shows only what they can use;
a refused call answers 403 with one readable line, never Airflow's bare `{"detail": "Forbidden"}`.
"""

# No `from __future__ import annotations` here: FastAPI reads the dependency's annotation
# (`GetUserDep`, imported inside the function), which a string annotation could not resolve.

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

NEEDS_TRIGGER = "the permission to trigger DAG runs"
NEEDS_CONNECTIONS = "the permission to read connections"
NEEDS_EDIT = "the permission to edit this alert's DAG (what pausing it needs)"


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


def _dag_editor() -> Any:
    """A dependency returning `can_edit(dag_id) -> bool`: may the user edit (PUT) that DAG."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails
    from airflow.api_fastapi.core_api.security import GetUserDep

    def editor(user: GetUserDep) -> Callable[[str], bool]:
        def can_edit(dag_id: str) -> bool:
            from airflow.models.dag import DagModel

            return get_auth_manager().is_authorized_dag(
                method="PUT",
                details=DagDetails(id=dag_id, team_name=DagModel.get_team_name(dag_id)),
                user=user,
            )

        return can_edit

    return editor


@dataclass(frozen=True)
class Access:
    """The page's access checks as FastAPI dependencies (tests pass their own)."""

    read: Callable[..., Any]
    trigger: Callable[..., Any]
    connections: Callable[..., Any]
    permissions: Callable[..., Any]
    editor: Callable[..., Any]  # returns can_edit(dag_id) -> bool

    @classmethod
    def airflow(cls) -> "Access":
        """The API server's checks (its auth manager, the UI's session cookie or a bearer token)."""
        return cls(
            read=_dag_runs("GET"),
            trigger=_dag_runs("POST"),
            connections=_connections(),
            permissions=_permissions(),
            editor=_dag_editor(),
        )

    @classmethod
    def fixed(
        cls, *, trigger: bool, connections: bool, user: str = "tester", edit: bool | None = None
    ) -> "Access":
        """Checks with a fixed answer: for tests of the app without an API server (`edit`: may
        edit every alert DAG; by default, whoever may trigger runs)."""
        may_edit = trigger if edit is None else edit

        def allowed() -> None:
            return None

        def refused() -> None:
            raise HTTPException(403, "Forbidden")

        def permissions() -> dict[str, Any]:
            return {"user": user, "can_trigger": trigger, "can_read_connections": connections}

        def editor() -> Callable[[str], bool]:
            return lambda _dag_id: may_edit

        return cls(
            read=allowed,
            trigger=allowed if trigger else refused,
            connections=allowed if connections else refused,
            permissions=permissions,
            editor=editor,
        )


def readable_refusal(needs: dict[str, str]) -> Callable[[Request, Exception], Awaitable[Response]]:
    """An exception handler: a 403 says in one line what the action needs (by the path's first
    segment after /api/, from `needs`); a 401 says to log in. Other errors keep their detail."""

    async def handler(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, HTTPException):  # registered for HTTPException only
            raise exc
        if exc.status_code == 403:
            path = request.url.path.split("/api/", 1)[-1]
            what = needs.get(path) or needs.get(path.split("/", 1)[0], NEEDS_TRIGGER)
            detail = f"Your Airflow role does not allow this: it needs {what}."
            return JSONResponse({"detail": detail, "reason": "forbidden"}, status_code=403)
        if exc.status_code == 401:
            detail = "Log in to Airflow to see this page."
            return JSONResponse({"detail": detail, "reason": "login"}, status_code=401)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    return handler
