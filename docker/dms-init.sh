#!/usr/bin/env bash
# One-shot service `dms-init` of docker-compose.yaml: fills the bundled DMS PostgreSQL with the demo
# data, once. Runs on every `docker compose up`; when schema dms already holds customers it leaves
# the data as it is and only runs sql/dms/schema.sql again, which is idempotent and brings a schema
# created by an earlier version up to date (new tables, columns, roles, indexes; the new tables
# stay empty). `docker compose down -v` starts over from empty volumes.
#
# Environment (set by docker-compose.yaml): DMS_INIT_DSN (the server's owner, who owns schema dms),
# DMS_READER_USER (the read-only role of `dms_postgres`), DEMO_SEED, DEMO_CUSTOMERS,
# DEMO_REFERENCE_DATE; PYTHONPATH holds /opt/airflow/plugins and /opt/alertas/tools, so alertas_rapidas and
# alertas_dev (the demo data generator, mounted into this one-shot service only) import.
set -euo pipefail

state=$(python - <<'PY'
import os
import sys
import time

import psycopg

for attempt in range(30):  # the server may still be finishing its first start
    try:
        conn = psycopg.connect(os.environ["DMS_INIT_DSN"], connect_timeout=5)
        break
    except psycopg.OperationalError as exc:
        print(f"waiting for the DMS database: {exc}".strip(), file=sys.stderr)
        time.sleep(2)
else:
    sys.exit("the DMS database did not answer")
with conn:
    (has_table,) = conn.execute("select to_regclass('dms.customers') is not null").fetchone()
    filled = has_table and conn.execute("select exists (select from dms.customers)").fetchone()[0]
print("filled" if filled else "empty")
PY
)

if [[ "$state" == "filled" ]]; then
    echo "dms-init: schema dms already holds data; the data is left as it is"
    python - <<'PY'
import os

import psycopg

from alertas_dev.demo.dms_data import create_schema

with psycopg.connect(os.environ["DMS_INIT_DSN"]) as conn:
    create_schema(conn)
print("dms-init: sql/dms/schema.sql applied again (schema dms up to date)")
PY
else
    echo "dms-init: creating schema dms and loading the demo data"
    python -m alertas_dev.demo.dms_data \
        --dsn "$DMS_INIT_DSN" \
        --seed "${DEMO_SEED:-7}" \
        --customers "${DEMO_CUSTOMERS:-60}" \
        --reference-date "${DEMO_REFERENCE_DATE:-2026-11-01}"
fi

# The read-only role reads every table of schema dms (again after a reload or `--replace`, which
# drops the schema and with it the default privileges set when the server was created).
python - <<'PY'
import os

import psycopg
from psycopg import sql

reader = sql.Identifier(os.environ["DMS_READER_USER"])
with psycopg.connect(os.environ["DMS_INIT_DSN"]) as conn:
    conn.execute(sql.SQL("grant usage on schema dms to {}").format(reader))
    conn.execute(sql.SQL("grant select on all tables in schema dms to {}").format(reader))
print("dms-init: read-only role granted SELECT on schema dms")
PY
