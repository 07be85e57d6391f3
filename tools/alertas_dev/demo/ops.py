"""`python -m alertas_dev.demo.ops ARGS`: the ops CLI on the demo's ledger, after `make demo`.

`make demo` keeps its DMS and delivery ledger in an embedded PostgreSQL (`.demo/pg`) and leaves it
running. This starts it when it is not, points `alerts_postgres` (and `dms_postgres`) at it and
runs `python -m alertas_rapidas.ops ARGS`, e.g. `make ops ARGS="runs --family customer_statements"`.
"""

from __future__ import annotations

import os
import sys

from alertas_dev.demo.database import ALERTS_DATABASE, DMS_DATABASE, NoDemo, demo_dir, demo_server


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = demo_dir()
    try:
        server = demo_server(out)
    except NoDemo as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    os.environ.setdefault("AIRFLOW_HOME", str(out / "airflow"))
    os.environ["ALERTAS_WORK_DIR"] = str(out / "work")
    os.environ["AIRFLOW_CONN_ALERTS_POSTGRES"] = server.connection_json(ALERTS_DATABASE)
    os.environ["AIRFLOW_CONN_DMS_POSTGRES"] = server.connection_json(DMS_DATABASE)
    from alertas_rapidas.ops import main as ops_main

    return ops_main(argv)


if __name__ == "__main__":
    sys.exit(main())
