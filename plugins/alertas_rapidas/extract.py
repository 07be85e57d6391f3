"""Extract: run a family's SQL files on the DMS and stream each result to a Parquet file.

The DMS is read through the `dms_postgres` connection in a read-only transaction with a statement
timeout. Rows are fetched from a server-side cursor in chunks and written chunk by chunk, so
memory stays flat whatever the size of the result. A family's queries on one database run side by
side (up to `MAX_SIDE_BY_SIDE` connections, each in a transaction that imports the first one's
snapshot): the database works on them at once and they still see one moment of the DMS. Only
file paths and row counts leave this module (they travel through XCom; the data never does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import IsolationLevel, sql

from alertas_rapidas.connections import ALERTS_CONN_ID
from alertas_rapidas.contracts.tasks import ExtractResult
from alertas_rapidas.sql_files import read_sql
from alertas_rapidas.storage import make_dirs, reading_local, storage_path, writing_local
from alertas_rapidas.task_errors import ConfigurationError

if TYPE_CHECKING:
    import pandas as pd
    from psycopg.rows import TupleRow

    from alertas_rapidas.storage import StorageLocation

CHUNK_ROWS = 50_000
# Queries of one database read at once, each on its own connection (one snapshot for all).
MAX_SIDE_BY_SIDE = 3

_ARROW_TYPES: dict[str, pa.DataType] = {
    "int2": pa.int64(),
    "int4": pa.int64(),
    "int8": pa.int64(),
    "float4": pa.float64(),
    "float8": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "timestamp": pa.timestamp("us"),
    "text": pa.string(),
    "varchar": pa.string(),
    "bpchar": pa.string(),
    "name": pa.string(),
}


class ExtractError(RuntimeError):
    """The DMS could not be read: unreachable, timed out, or a query failed."""


class SqlFileError(ConfigurationError):
    """A family's SQL file does not run: a syntax error, an unknown column or table, a parameter
    it names that the run does not bind. Retrying cannot fix it."""


# psycopg's connection errors, reduced to what a person acts on (the first that matches wins).
_CONNECT_REASONS = (
    ("connection refused", "connection refused"),
    ("no such file or directory", "no server listening at its socket"),
    ("timeout expired", "timed out"),
    ("password authentication failed", "password authentication failed"),
    ("could not translate host name", "unknown host"),
    ("does not exist", "the database does not exist"),
    ("server closed the connection", "the server closed the connection"),
)


# Phrases of the server's that name only what a person must fix (a database or role name).
_CONNECT_PHRASES = re.compile(
    r'(database "[^"]{1,63}" does not exist|password authentication failed for user "[^"]{1,63}"'
    r'|role "[^"]{1,63}" does not exist)'
)


def connect_reason(exc: BaseException) -> str:
    """Why a connection failed, in a few words (no host, socket or address)."""
    phrase = _CONNECT_PHRASES.search(str(exc))
    if phrase:
        return phrase.group(1)
    text = str(exc).lower()
    for needle, reason in _CONNECT_REASONS:
        if needle in text:
            return reason
    return type(exc).__name__


def connect_read_only(conn_id: str, statement_timeout: timedelta) -> psycopg.Connection[TupleRow]:
    """A psycopg connection to the DMS whose transactions are read-only and time-limited."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    timeout_ms = int(statement_timeout.total_seconds() * 1000)
    hook = PostgresHook(
        postgres_conn_id=conn_id,
        # cursor_tuple_fraction=1: an extract reads every row of its cursor, so the planner picks the
        # plan fastest to the last row (its default, 0.1, favours the first rows: an index walk)
        options=(
            f"-c statement_timeout={timeout_ms} -c default_transaction_read_only=on "
            "-c cursor_tuple_fraction=1"
        ),
    )
    try:
        conn = hook.get_conn()
    except Exception as exc:  # a missing connection stays in the chain: a configuration error
        from alertas_rapidas.connections import DMS_CONN_ID

        what = "the DMS" if conn_id == DMS_CONN_ID else "the database"
        raise ExtractError(f"cannot connect to {what} through {conn_id} ({connect_reason(exc)})") from exc
    if not isinstance(conn, psycopg.Connection):  # the provider's psycopg2 fallback (SQLAlchemy 1)
        conn.close()
        raise ExtractError(f"{conn_id}: the postgres provider did not connect through psycopg 3")
    conn.read_only = True
    return conn


def extract_queries(
    *,
    conn_id: str,
    queries: dict[str, str],
    params: Mapping[str, object],
    out_dir: StorageLocation,
    statement_timeout: timedelta,
    connections: Mapping[str, str] | None = None,
    parents: Mapping[str, tuple[str, str]] | None = None,
    lookups: tuple[str, ...] = (),
) -> list[ExtractResult]:
    """Run every query (name -> SQL file) and write `<name>.parquet`.

    Queries on one database run in one read-only snapshot; `connections` names the database of
    a query that does not read `conn_id`. A detail query (`parents`: name -> (parent, key
    column)) runs after its parent with the parent's values of the key column bound as
    `%(parent_keys)s`, so it never restates the parent's filter. A lookup (`lookups`) runs first:
    the values of its one column are bound to the others as `%(<name>)s`; it writes no extract.
    """
    out_dir = storage_path(out_dir)
    make_dirs(out_dir)
    connections = connections or {}
    parents = parents or {}
    if ALERTS_CONN_ID in {connections.get(name, conn_id) for name in queries}:
        from alertas_rapidas.ledger.deliveries import ledger_connection

        with ledger_connection(ALERTS_CONN_ID):  # the package's own tables exist, at their latest
            pass
    params = {**params, **_lookup_values(conn_id, queries, params, statement_timeout, connections, lookups)}
    by_connection: dict[str, list[str]] = {}
    for name in queries:
        if name not in lookups:
            by_connection.setdefault(connections.get(name, conn_id), []).append(name)
    written: dict[str, ExtractResult] = {}

    def extract_one(conn: psycopg.Connection[TupleRow], name: str) -> None:
        path = out_dir / f"{name}.parquet"
        bound = params
        if name in parents:
            parent, key = parents[name]
            bound = {**params, "parent_keys": _column_values(written[parent].path, key)}
        with writing_local(path) as local:
            rows = _stream_to_parquet(conn, name, queries[name], bound, local)
        written[name] = ExtractResult(name=name, path=str(path), rows=rows)

    for connection_id, names in by_connection.items():
        independent = [name for name in names if name not in parents]
        with ExitStack() as stack:
            conn = stack.enter_context(closing(connect_read_only(connection_id, statement_timeout)))
            conn.isolation_level = IsolationLevel.REPEATABLE_READ  # one snapshot for every query
            stack.enter_context(conn.transaction())
            # The other queries run beside this one, each on a connection of its own that reads
            # the same snapshot (exported by this transaction): the database works on them at once.
            helpers = _snapshot_sharing(stack, conn, connection_id, statement_timeout, len(independent) - 1)
            _side_by_side(extract_one, [conn, *helpers], independent)
            for name in names:  # details after their parents, one at a time
                if name in parents:
                    extract_one(conn, name)
    return [written[name] for name in queries if name not in lookups]


def _snapshot_sharing(
    stack: ExitStack,
    lead: psycopg.Connection[TupleRow],
    conn_id: str,
    statement_timeout: timedelta,
    count: int,
) -> list[psycopg.Connection[TupleRow]]:
    """Up to `count` more read-only connections (at most `MAX_SIDE_BY_SIDE` - 1) whose transactions
    read `lead`'s snapshot: what each query sees is what one transaction would see. All are opened
    here, one after another, before any query starts: each must import the snapshot while `lead`'s
    transaction holds it."""
    count = max(0, min(count, MAX_SIDE_BY_SIDE - 1))
    if not count:
        return []
    exported = lead.execute("select pg_export_snapshot()").fetchone()
    snapshot = sql.SQL("set transaction snapshot {}").format(sql.Literal(exported[0] if exported else None))
    helpers = []
    for _ in range(count):
        helper = stack.enter_context(closing(connect_read_only(conn_id, statement_timeout)))
        helper.isolation_level = IsolationLevel.REPEATABLE_READ
        stack.enter_context(helper.transaction())
        helper.execute(snapshot)
        helpers.append(helper)
    return helpers


def _side_by_side(
    work: Callable[[psycopg.Connection[TupleRow], str], None],
    connections: list[psycopg.Connection[TupleRow]],
    names: list[str],
) -> None:
    """Run `work(conn, name)` for every name, the names dealt out to the connections in turn and
    each connection in a thread of its own (its names one after another). The first error raised
    is raised here, once every thread has ended."""
    shares = [names[number :: len(connections)] for number in range(len(connections))]
    shares = [share for share in shares if share]

    def run(conn: psycopg.Connection[TupleRow], share: list[str]) -> None:
        for name in share:
            work(conn, name)

    if len(shares) <= 1:
        for share in shares:
            run(connections[0], share)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(shares), thread_name_prefix="extract") as pool:
        futures = [pool.submit(run, conn, share) for conn, share in zip(connections, shares, strict=False)]
    for future in futures:
        future.result()


def _lookup_values(
    conn_id: str,
    queries: dict[str, str],
    params: Mapping[str, object],
    statement_timeout: timedelta,
    connections: Mapping[str, str],
    lookups: tuple[str, ...],
) -> dict[str, list[object]]:
    """Each lookup's one column, as a list (read-only, time-limited, like every extract query)."""
    values: dict[str, list[object]] = {}
    for name in lookups:
        with closing(connect_read_only(connections.get(name, conn_id), statement_timeout)) as conn:
            try:
                rows = conn.execute(read_sql(queries[name]), params).fetchall()
            except psycopg.ProgrammingError as exc:
                raise SqlFileError(f"{_shown_sql(queries[name])}: {_sql_problem(exc, params)}") from None
            if rows and len(rows[0]) != 1:
                shown = _shown_sql(queries[name])
                raise SqlFileError(f"{shown}: a lookup returns one column, not {len(rows[0])}")
            values[name] = [row[0] for row in rows]
    return values


def _shown_sql(sql_file: str) -> str:
    """A family's SQL file as its author names it: `sql/<family>/<file>.sql`, also for a family
    kept in a project folder of its own (an absolute path)."""
    parts = Path(sql_file).parts
    if Path(sql_file).is_absolute() and "sql" in parts:
        start = len(parts) - 1 - parts[::-1].index("sql")
        return "/".join(parts[start:])
    return f"sql/{sql_file}"


def _sql_problem(exc: BaseException, params: Mapping[str, object]) -> str:
    """psycopg's complaint about a query, one line; an unbound parameter with a did-you-mean."""
    import difflib

    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if text.startswith("query parameter missing:"):
        missing = text.split(":", 1)[1].strip()
        close = difflib.get_close_matches(missing, list(params), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; bound: {', '.join(sorted(params))}"
        return f"parameter %({missing})s is not bound{hint}"
    return text


def _column_values(path: str, column: str) -> list[object]:
    """The distinct non-null values of one column of an extract (a detail's parent keys)."""
    with reading_local(storage_path(path)) as local:
        values = pq.read_table(local, columns=[column]).column(column).to_pylist()
    return sorted({value for value in values if value is not None})


def _stream_to_parquet(
    conn: psycopg.Connection[TupleRow], name: str, sql_file: str, params: Mapping[str, object], path: Path
) -> int:
    rows = 0
    with conn.cursor(name=f"alertas_extract_{name}") as cursor:
        cursor.itersize = CHUNK_ROWS
        try:
            cursor.execute(read_sql(sql_file), params)
        except psycopg.ProgrammingError as exc:  # the SQL or its parameters, not the server
            raise SqlFileError(f"{_shown_sql(sql_file)}: {_sql_problem(exc, params)}") from None
        chunk = cursor.fetchmany(CHUNK_ROWS)
        if cursor.description is None:  # a statement that returns no rows (no SELECT)
            raise SqlFileError(f"{_shown_sql(sql_file)}: returns no rows (an extract is a SELECT)")
        schema = _arrow_schema(conn, cursor.description)
        with pq.ParquetWriter(path, schema) as writer:
            writer.write_table(schema.empty_table())
            while chunk:
                writer.write_table(_to_table(chunk, schema))
                rows += len(chunk)
                chunk = cursor.fetchmany(CHUNK_ROWS)
    return rows


def _arrow_schema(conn: psycopg.Connection[TupleRow], description: Sequence[psycopg.Column]) -> pa.Schema:
    fields = []
    for column in description:
        info = conn.adapters.types.get(column.type_code)
        type_name = info.name if info else "text"
        if info is not None and info.array_oid == column.type_code:  # an array of `type_name`
            arrow_type: pa.DataType = pa.list_(_ARROW_TYPES.get(type_name, pa.string()))
        elif type_name == "numeric":
            # Typed numerics stay exact; untyped ones (e.g. a bare sum) become float64:
            # SQL files cast money to numeric(14, 2) to keep it exact.
            if column.precision is not None and column.scale is not None:
                arrow_type = pa.decimal128(column.precision, column.scale)
            else:
                arrow_type = pa.float64()
        else:
            arrow_type = _ARROW_TYPES.get(type_name, pa.string())
        fields.append(pa.field(column.name, arrow_type))
    return pa.schema(fields)


def _to_table(chunk: Sequence[tuple[object, ...]], schema: pa.Schema) -> pa.Table:
    from operator import itemgetter

    return pa.Table.from_arrays(
        [_to_array(list(map(itemgetter(index), chunk)), field.type) for index, field in enumerate(schema)],
        schema=schema,
    )


def _to_array(column: Sequence[object], arrow_type: pa.DataType) -> pa.Array:
    """One column of a chunk as Arrow: converted by Arrow at once when its values are what the type
    takes (text as str, numbers as int or float); else value by value (JSON and other text as
    text, an untyped numeric's Decimals as floats)."""
    try:
        return pa.array(column, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        if pa.types.is_string(arrow_type):
            return pa.array([_as_text(value) for value in column], type=arrow_type)
        if pa.types.is_floating(arrow_type):
            floats = [None if value is None else float(value) for value in column]  # type: ignore[arg-type]
            return pa.array(floats, type=arrow_type)
        raise


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def load_frames(results: Sequence[ExtractResult]) -> dict[str, pd.DataFrame]:
    """Read extract results back as pandas DataFrames, by name."""
    import pandas as pd

    frames = {}
    for item in results:
        with reading_local(storage_path(item.path)) as local:
            frames[item.name] = pd.read_parquet(local)
    return frames


def chunked_frames(
    results: Sequence[ExtractResult], key: str, chunk_size: int
) -> Iterator[dict[str, pd.DataFrame]]:
    """Extract results as pandas DataFrames, `chunk_size` values of column `key` at a time.

    The first result's distinct keys (in order) make the slices; each slice holds every result's
    rows whose key is within the slice's lowest and highest key. Extracts written in key order
    (ORDER BY the key) are read by row group, only the groups that overlap the slice.
    """
    import pyarrow.dataset as ds

    with ExitStack() as stack:
        datasets = {
            item.name: ds.dataset(stack.enter_context(reading_local(storage_path(item.path))))
            for item in results
        }
        for name, dataset in datasets.items():
            if key not in dataset.schema.names:
                raise ExtractError(f"extract {name!r} has no column {key!r} to read in slices by")
        first = datasets[results[0].name]
        keys = first.to_table(columns=[key]).column(key).drop_null().unique().sort()
        if len(keys) == 0:
            yield {name: dataset.to_table().to_pandas() for name, dataset in datasets.items()}
            return
        for start in range(0, len(keys), chunk_size):
            low = keys[start].as_py()
            high = keys[min(start + chunk_size, len(keys)) - 1].as_py()
            window = (ds.field(key) >= low) & (ds.field(key) <= high)
            yield {name: dataset.to_table(filter=window).to_pandas() for name, dataset in datasets.items()}
