"""`python -m alertas_dev.demo.ops ARGS`: the ops CLI on the demo's ledger, after `make demo`.

`make demo` keeps its DMS and delivery ledger in an embedded PostgreSQL (`.demo/pg`) that stops
when the demo ends. This starts it again, points `alerts_postgres` (and `dms_postgres`) at it and
runs `python -m alertas_rapidas.ops ARGS`, e.g. `make ops ARGS="runs --family customer_statements"`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from alertas_dev.demo.__main__ import PROJECT_ROOT


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(os.environ.get("ALERTAS_DEMO_DIR") or PROJECT_ROOT / ".demo").resolve()
    if not (out / "pg" / "PG_VERSION").exists():
        print(f"error: no demo database in {out / 'pg'}: run `make demo` first", file=sys.stderr)
        return 3
    os.environ.setdefault("AIRFLOW_HOME", str(out / "airflow"))
    os.environ["ALERTAS_WORK_DIR"] = str(out / "work")

    from alertas_dev.demo.local_postgres import LocalPostgres

    server = LocalPostgres(out / "pg").start()
    try:
        os.environ["AIRFLOW_CONN_ALERTS_POSTGRES"] = server.connection_json("alerts")
        os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = server.connection_json("dms")
        from alertas_rapidas.ops import main as ops_main

        return ops_main(argv)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
