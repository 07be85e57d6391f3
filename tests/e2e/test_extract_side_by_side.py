"""A family's queries run side by side on one database and still read one snapshot.

Real PostgreSQL: while the extract runs, another session commits a row every few milliseconds;
every query must count the same rows (the lead transaction's exported snapshot), and the queries
must have run on more than one connection (side by side), their files complete.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import psycopg
import pyarrow.parquet as pq

from alertas_rapidas import extract
from alertas_rapidas.extract import extract_queries

# Each query waits a little so that the writer commits while they run.
QUERY = (
    "select count(*) as rows_seen, pg_current_snapshot()::text as snapshot, "
    "pg_backend_pid() as backend from dms.extract_ticks, pg_sleep(0.2) as slept"
)


def test_queries_side_by_side_count_the_same_rows_while_another_session_writes(dms, postgres, tmp_path):
    dms.execute("create table dms.extract_ticks (id serial primary key)")
    dms.execute("insert into dms.extract_ticks default values")
    queries = {}
    for number in range(extract.MAX_SIDE_BY_SIDE + 2):  # more queries than connections
        path = tmp_path / f"q{number}.sql"
        path.write_text(QUERY)
        queries[f"q{number}"] = str(path)

    stop = threading.Event()

    def write() -> None:
        with psycopg.connect(postgres.dsn("dms"), autocommit=True) as conn:
            while not stop.is_set():
                conn.execute("insert into dms.extract_ticks default values")
                time.sleep(0.005)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        results = extract_queries(
            conn_id="dms_postgres",
            queries=queries,
            params={},
            out_dir=tmp_path / "out",
            statement_timeout=timedelta(seconds=30),
        )
    finally:
        stop.set()
        writer.join()

    tables = [pq.read_table(result.path).to_pylist() for result in results]
    assert [result.name for result in results] == list(queries)
    assert all(len(rows) == 1 for rows in tables)
    seen = {rows[0]["rows_seen"] for rows in tables}
    snapshots = {rows[0]["snapshot"] for rows in tables}
    backends = {rows[0]["backend"] for rows in tables}
    total = dms.execute("select count(*) from dms.extract_ticks").fetchone()[0]
    assert len(seen) == 1 and len(snapshots) == 1, (seen, snapshots)
    assert next(iter(seen)) < total  # the writer went on committing during the extract
    assert len(backends) == extract.MAX_SIDE_BY_SIDE  # side by side, on every connection allowed


def test_an_error_in_one_of_the_queries_side_by_side_names_its_file(dms, tmp_path):
    import pytest

    good = tmp_path / "good.sql"
    good.write_text("select 1 as one")
    bad = tmp_path / "bad.sql"
    bad.write_text("select no_such_column from dms.customers")
    with pytest.raises(extract.SqlFileError, match=r"bad\.sql.*no_such_column"):
        extract_queries(
            conn_id="dms_postgres",
            queries={"good": str(good), "bad": str(bad)},
            params={},
            out_dir=tmp_path / "out",
            statement_timeout=timedelta(seconds=30),
        )
