"""The connections the package uses, where each comes from, and its target (password masked).

The API server finds a connection as Airflow does: the secrets backend configured in
`[secrets] backend` first, then the environment (`AIRFLOW_CONN_<ID>`), then the metadata database
(Admin > Connections). The first that has it wins, so an entry in Admin > Connections with the
same id as an environment variable or a secrets-backend key is **silently ignored**: editing it
changes nothing. The page says so when that is the case.

Only what locates the target is shown: type, host, port, schema, login, and the extras that are
settings (`from_email`, TLS switches, `endpoint_url`...). The password is never read out: the page
says whether one is set.
"""

from __future__ import annotations

import os
from typing import Any

from alertas_rapidas.connections import ALERTS_CONN_ID, DMS_CONN_ID, SMTP_CONN_ID

ROLES = {
    DMS_CONN_ID: "the DMS, read-only (extract)",
    ALERTS_CONN_ID: "the package's own database (ledger, run log)",
    SMTP_CONN_ID: "the outgoing mail server",
}
SHOWN_EXTRAS = {
    "from_email",
    "disable_ssl",
    "disable_tls",
    "timeout",
    "ssl_context",
    "ca_bundle",
    "retry_limit",
    "endpoint_url",
    "region_name",
    "sslmode",
    "options",
}


def package_connections() -> list[str]:
    """The connection ids the package uses: the three of its contract, and the object store's
    (`ALERTAS_WORK_CONN_ID`) when run files live in one."""
    ids = [DMS_CONN_ID, ALERTS_CONN_ID, SMTP_CONN_ID]
    work = os.environ.get("ALERTAS_WORK_CONN_ID")
    if work:
        ids.append(work)
    return ids


def _source(backend: Any, conn_id: str) -> tuple[str, str]:
    """(kind, where) of a secrets backend: environment, metadata_db or secrets_backend."""
    name = type(backend).__name__
    if name == "EnvironmentVariablesBackend":
        return "environment", f"AIRFLOW_CONN_{conn_id.upper()}"
    if name == "MetastoreBackend":
        return "metadata_db", "Admin > Connections"
    return "secrets_backend", f"{type(backend).__module__}.{name}"


def in_metadata_db(conn_id: str) -> bool:
    """Whether Admin > Connections (the metadata database) has an entry with this id."""
    from airflow.models.connection import Connection
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return session.scalar(select(Connection.id).where(Connection.conn_id == conn_id)) is not None


def describe(conn_id: str) -> dict[str, Any]:
    """One connection as the page shows it (no password)."""
    from airflow.configuration import ensure_secrets_loaded

    found, kind, where, errors = None, None, None, []
    for backend in ensure_secrets_loaded():
        try:
            found = backend.get_connection(conn_id=conn_id)
        except Exception as exc:  # a backend that cannot be reached: say so, try the next one
            errors.append(f"{type(backend).__name__}: {type(exc).__name__}")
            continue
        if found is not None:
            kind, where = _source(backend, conn_id)
            break
    try:
        shadowed = kind in ("environment", "secrets_backend") and in_metadata_db(conn_id)
    except Exception:
        shadowed = False
    entry: dict[str, Any] = {
        "conn_id": conn_id,
        "role": ROLES.get(conn_id, "the object store of the run files (ALERTAS_WORK_CONN_ID)"),
        "defined": found is not None,
        "source": kind,
        "where": where,
        # an edit in Admin > Connections does nothing while another source defines the id
        "admin_edits_ignored": kind in ("environment", "secrets_backend"),
        "shadowed_entry": shadowed,
        "errors": errors,
    }
    if found is not None:
        extras = found.extra_dejson if isinstance(found.extra_dejson, dict) else {}
        entry.update(
            conn_type=found.conn_type,
            host=found.host,
            port=found.port,
            schema=found.schema,
            login=found.login,
            password_set=bool(found.password),
            extras={k: str(v) for k, v in sorted(extras.items()) if k in SHOWN_EXTRAS},
            hidden_extras=sorted(k for k in extras if k not in SHOWN_EXTRAS),
        )
    return entry


def connections() -> list[dict[str, Any]]:
    return [describe(conn_id) for conn_id in package_connections()]
