"""The demo's embedded PostgreSQL after `make demo`: its DSN, and the commands that use it.

`make demo` leaves the server running (its data in `.demo/pg`), so the demo DMS can be read by
the user's own tools and by later commands with nothing to set:

    python -m alertas_dev.demo.database dsn                  the DMS's DSN (`make dms-dsn`)
    python -m alertas_dev.demo.database psql [ARGS]          psql on the DMS (`make dms`)
    python -m alertas_dev.demo.database authoring ARGS       `python -m alertas_rapidas.authoring
                                                              ARGS` (`make preview`, `make validate`)
    python -m alertas_dev.demo.database stop                 stop it (`make demo-stop`)

Each of them starts the server again when it is not running (after a reboot or `stop`), and
leaves it running. `authoring` points the `dms_postgres` and `alerts_postgres` connections at the
demo only when the environment defines no `dms_postgres` and the command reads a DMS (`preview`,
`validate --dms` without a DSN): a connection or DSN of your own always wins. `ALERTAS_DEMO_DIR`
names another demo folder (default `.demo` in the project).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from alertas_dev.demo.local_postgres import LocalPostgres

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DMS_DATABASE = "dms"
ALERTS_DATABASE = "alerts"


def demo_dir() -> Path:
    return Path(os.environ.get("ALERTAS_DEMO_DIR") or PROJECT_ROOT / ".demo").resolve()


class NoDemo(RuntimeError):
    """No demo database: `make demo` has not run in this folder."""


def demo_server(out: Path | None = None) -> LocalPostgres:
    """The demo's server, started (and left running) when it is not."""
    folder = (out or demo_dir()) / "pg"
    if not (folder / "PG_VERSION").exists():
        raise NoDemo(f"no demo database in {folder}: run `make demo` first")
    return LocalPostgres(folder).start(keep_running=True)


def dms_dsn(server: LocalPostgres) -> str:
    """The demo DMS as a libpq URI (through the server's Unix socket; user postgres, no password)."""
    return server.dsn(DMS_DATABASE)


def needs_dms(argv: list[str]) -> bool:
    """Whether an authoring command reads a DMS it was not given: `preview` without `--dms DSN`,
    `validate --dms` without a DSN."""
    if not argv:
        return False
    given = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "--dms"), None)
    given = given if given is not None and not given.startswith("-") else None
    if argv[0] == "preview":
        return given is None and not any(arg.startswith("--dms=") for arg in argv)
    if argv[0] == "validate":
        return "--dms" in argv and given is None
    return False


def use_demo_connections(out: Path | None = None) -> LocalPostgres:
    """Point `dms_postgres` and `alerts_postgres` at the demo's databases (environment)."""
    server = demo_server(out)
    os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = server.connection_json(DMS_DATABASE)
    os.environ.setdefault("AIRFLOW_CONN_ALERTS_POSTGRES", server.connection_json(ALERTS_DATABASE))
    return server


def authoring(argv: list[str]) -> int:
    if needs_dms(argv) and not os.environ.get("AIRFLOW_CONN_DMS_POSTGRES"):
        try:
            use_demo_connections()
        except NoDemo as exc:
            print(
                f"error: {exc}, or set AIRFLOW_CONN_DMS_POSTGRES, or give --dms DSN",
                file=sys.stderr,
            )
            return 1
        print(f"(using the demo DMS of {demo_dir()}: make demo-stop stops it)", file=sys.stderr)
    from alertas_rapidas.authoring.__main__ import main as authoring_main

    return authoring_main(argv)


def psql(argv: list[str]) -> int:
    """psql on the demo DMS; reads SQL from stdin when it is not a terminal (`make dms < rows.sql`)."""
    from pgserver._commands import POSTGRES_BIN_PATH

    server = demo_server()
    dsn = dms_dsn(server)
    server.stop()  # let go of pgserver's handle before exec (the server is left running)
    psql_bin = str(POSTGRES_BIN_PATH / "psql")
    command = [psql_bin, "--no-psqlrc", "-v", "ON_ERROR_STOP=1", *argv, dsn]
    sys.stdout.flush()
    os.execv(command[0], command)  # psql takes over the terminal (or the piped file)
    return 0  # not reached


def stop() -> int:
    server = LocalPostgres(demo_dir() / "pg")
    if not (server.data_dir / "PG_VERSION").exists() or not server.shutdown():
        print("the demo PostgreSQL is not running")
        return 0
    print(f"stopped the demo PostgreSQL ({server.data_dir}); make dms, preview or demo start it again")
    return 0


USAGE = "usage: python -m alertas_dev.demo.database {dsn,psql,authoring,stop} [ARGS]"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("dsn", "psql", "authoring", "stop"):
        print(USAGE, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "stop":
        return stop()
    if command == "authoring":
        return authoring(rest)
    try:
        server = demo_server()
    except NoDemo as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if command == "dsn":
        print(dms_dsn(server))
        return 0
    return psql(rest)


if __name__ == "__main__":
    sys.exit(main())
