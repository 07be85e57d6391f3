-- Migration 0005: failure notices get a table of their own.
-- Until now a run's failure notice was a row of alerts.deliveries (recipient_ref 'owners',
-- business key 'run_failed:<run id>'), so it counted as a delivered message of the family. The
-- rows move here, kept as they were; nothing about a notice is a family's message any more.
create table alerts.notices (
    dag_id text not null,
    run_id text not null,
    family text not null,
    run_date date,
    status text not null check (status in ('sending', 'sent', 'failed', 'deferred', 'unknown')),
    reason text,
    recipients text[],
    smtp_response text,
    message_id text,
    attempts integer not null default 1,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    sent_at timestamptz,
    primary key (dag_id, run_id)
);

insert into alerts.notices (
    dag_id, run_id, family, run_date, status, reason, recipients, smtp_response, message_id,
    attempts, created_at, updated_at, sent_at
)
select coalesce(dag_id, 'alert_' || family), coalesce(run_id, substr(business_key, 12)), family,
       run_date, case when status in ('sending', 'sent', 'failed', 'deferred', 'unknown')
                      then status else 'unknown' end,
       reason, recipients, smtp_response, message_id, greatest(attempts, 1), first_seen_at,
       updated_at, sent_at
  from alerts.deliveries
 where recipient_ref = 'owners' and business_key like 'run\_failed:%'
on conflict (dag_id, run_id) do nothing;

delete from alerts.deliveries where recipient_ref = 'owners' and business_key like 'run\_failed:%';
