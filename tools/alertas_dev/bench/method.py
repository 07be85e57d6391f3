"""The prose of the report: how the benchmark measures (appended to docs/benchmarks.md)."""

from __future__ import annotations

METHOD = """\
## How it was measured

- The DMS is the demo generator's (`alertas_dev.demo.dms_data`) in an embedded PostgreSQL
  (pgserver), which also holds the ledger and Airflow's metadata database. Mail goes to the package's
  `MailSink` (aiosmtpd), in the benchmark process, over one SMTP connection per deliver task.
- Workers: the statements DAG runs with `dag.test(use_executor=True)` on Airflow's LocalExecutor with
  `[core] parallelism` 1 or 2 (one child interpreter per run, as Airflow reads it at import), so
  the tasks of the mapped `batch` groups (render, then deliver, of one batch) run in 1 or 2 task
  processes at once; an Airflow API server
  (execution API only) serves those processes. `[workers] min_heartbeat_interval` is 1 s: a task's
  supervisor may notice that its task process has ended only at its next wake-up, up to that
  interval later (with the default 5 s, a run here sat idle 1.6 s per task on average, against
  0.1-0.5 s with 1 s; the stall is intermittent). `dag.test()`'s own loop polls about once a
  second, which is part of the wall, as a scheduler's loop would be. The LocalExecutor of Airflow
  3.3 counts a task as running only until the task starts (apache/airflow#71914), so each
  heartbeat hands it up to `parallelism` more ready tasks, into a first-in-first-out queue that
  its workers drain:
  a freed slot starts its next task at once, but the deliver tasks' higher priority (which the
  CeleryExecutor's slots honour) does not reorder them here: the renders queued first ran first.
- Warm-up: before the measured runs, one dry run of a month with no data (not measured) makes the
  API server and the executor serve their first requests; without it the first measured run was
  3-4 s slower.
- Wall: from the start of `dag.test()` to its end (extract, transform, every render and deliver,
  summarize), from an empty ledger and mailbox. messages/s = messages the sink received / wall.
- Raw render floor: the run's statements (the transform's output) drawn by
  `alertas_rapidas.pdf.statement.build_statement` in a tight loop: no Jinja, MIME, files or Airflow;
  with 2 processes the list is split in two (with `pdf_engine: html`, the statement template through
  Jinja and xhtml2pdf). pipeline / raw = messages/s over the whole wall against raw PDFs/s on as many
  processes as workers.
- Raw job floor: the same messages rendered whole (PDF, subject and bodies through Jinja, MIME) and
  sent to the same sink in a tight loop, over one SMTP connection per process: no Airflow, ledger
  or run files. pipeline / job floor is the share the framework leaves of the job itself.
- CPU by role: user + system time of every process on the machine, from `/proc/<pid>/stat` every
  0.2 s during the run, attributed by process title: task processes (`airflow worker -- <id>`),
  the LocalExecutor's workers that supervise them, the `dag.test()` process (its loop schedules
  tasks, as a scheduler would), the execution API server, PostgreSQL, this benchmark process (the
  SMTP sink and the samplers) and everything else. It spans the run's child interpreter, which
  lives 2-3 s longer than the wall (importing Airflow, tearing down); the share is core-seconds /
  (cores x that lifetime).
- Peak RSS: VmHWM (the kernel's high-water mark of a process's resident memory) of each task
  process, found by the title Airflow's task runner gives it and read from /proc every 0.2 s; per
  task, the largest over its mapped instances. It includes memory shared with the Airflow worker the
  task process was forked from.
- DagBag: a fresh interpreter imports Airflow (timed apart), then fills a DagBag from `dags/` (every
  alert DAG); best of 3.
- Extract: the family's three SQL files in one read-only snapshot, streamed to Parquet in
  50,000-row chunks, over every movement of the generated DMS (after ANALYZE).
- The machine is shared: other engineers' tests and an Airflow instance ran at the same time, so
  figures move by tens of percent from run to run; the load averages above show how busy it was.

## Reading the figures

- pipeline / raw render floor: every message costs more than its PDF: the mail itself (subject and
  two bodies through Jinja, the MIME message and its bytes: about 0.8 ms), the SMTP exchange (four
  round trips, about 2 ms with the server's own work on the same two cores), and in the deliver
  task a ledger claim and an outcome record (two commits, about 0.3 ms each: the claim must be
  durable before the SMTP transaction). The raw job floor shows the first two with no framework
  at all. How close the ratio can come to 1 depends on the PDF engine: with reportlab
  (`pdf_engine: reportlab`, about 4 ms a statement) the job floor itself is about half the render
  floor, so no pipeline that also sends the mail reaches 0.9; with xhtml2pdf (`pdf_engine: html`,
  about 50 ms) the same costs are small beside the PDF. pipeline / raw job floor is what the
  framework itself costs: Airflow's task start-ups and scheduling, the extract and transform
  before the first render, the ledger, the run files.
- 2 workers vs 1: "raw render, 2 processes vs 1" is what the machine gave two processes at that
  moment, and the raw job floor's own 2-vs-1 what it gave the job with its SMTP server beside it.
  The CPU table shows where the rest went: with one worker, Airflow's own processes (the
  `dag.test()` loop, the executor's workers supervising the tasks, the API server), PostgreSQL
  and the SMTP sink run on the otherwise idle second core; with two workers they take their
  share of both cores from the tasks. In production they run elsewhere (scheduler, API server,
  database and mail server on their own machines or containers).
- CPU beside the PDFs: with as many workers as cores, pipeline / raw >= 0.9 means a wall of at
  most 1/0.9 of the raw floor's, so everything but the PDFs (mail, SMTP server, database,
  Airflow's processes, extract and transform, the samplers) plus any idle core time must fit in
  a ninth of the PDFs' own CPU. The row puts what the run used beside what that leaves.
"""
