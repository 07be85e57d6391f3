"""`python -m alertas_dev.bench` (`make bench`): the statements family at scale, measured.

One run generates a DMS (default 10,000 customers x 7 months x ~15 movements a month, both
currencies), then measures: the statement extract over all those movements; the DagBag load of
every alert DAG beyond Airflow's own import; the statements DAG for one month delivered into a
local SMTP sink with 1 and with 2 workers (`dag.test(use_executor=True)` on Airflow's
LocalExecutor, metadata in PostgreSQL, an execution API server), with the peak RSS of each task
from the OS; and the raw render floor (the same PDFs in a tight loop). It prints a table and
writes it to `docs/benchmarks.md` with the machine and the date.
"""
