-- Migration 0004: why a task failed, in one line a person can act on (no personal data).
-- Written by the failing task (alertas_rapidas.task_errors); read by the run summary, the failure
-- notice, `ops runs` and the Alertas page. One row per task instance: its last failed try.
create table alerts.task_failures (
    dag_id text not null,
    run_id text not null,
    task_id text not null,
    map_index integer not null default -1,
    try_number integer not null,
    cause text not null,
    configuration_error boolean not null default false,  -- failed at once, no retry
    failed_at timestamptz not null default now(),
    primary key (dag_id, run_id, task_id, map_index)
);
