-- Migration 0008: sending limits per SMTP connection, shared by every worker (issue 24).
--
-- A message over a connection's limit is not an error: it waits in the ledger as `waiting`
-- (reason `rate_limited: ...`, `not_before` the moment its window opens) and the deliver task
-- resumes by itself then (alertas_rapidas.send_slots, alertas_rapidas.delivery).
-- status: pending -> sending (committed before SMTP) -> sent | failed | deferred | unknown |
-- waiting (a sending limit, or a slow-down reply: claimed again when its window opens);
-- skipped (with reason) for candidates that got no message.
alter table alerts.deliveries drop constraint if exists deliveries_status_check;
alter table alerts.deliveries add constraint deliveries_status_check check (
    status in ('pending', 'sending', 'sent', 'failed', 'deferred', 'unknown', 'skipped', 'waiting')
);
alter table alerts.deliveries add column not_before timestamptz;  -- a waiting message's earliest send

create index deliveries_waiting on alerts.deliveries (family, dag_id, run_id) where status = 'waiting';

-- One row per send slot: a deliver task reserves k of them in one call, uses them, and releases
-- them with the moment each SMTP transaction ended (`used_at`, an upper bound in the database's
-- clock). A slot counts in a window of length W while used_at > now - W; a slot reserved and not
-- yet released counts until then, as if used at `hold_until` (the last moment it may be used).
-- So a message counted out of a window was received by the server at least W before the next
-- reservation that reuses its place: no window of the server's receive times exceeds the limit.
create sequence alerts.send_reservations;

create table alerts.send_slots (
    reservation bigint not null,
    n integer not null,
    conn_id text not null,
    reserved_at timestamptz not null,
    hold_until timestamptz not null,
    used_at timestamptz,
    primary key (reservation, n)
);

create index send_slots_window on alerts.send_slots (conn_id, (coalesce(used_at, hold_until)));

-- A connection whose server said "slow down" (421, 4.7.x, ...): no worker sends before `until`.
-- `strikes` counts the slow-down replies in a row; each one doubles the back-off.
create table alerts.send_throttles (
    conn_id text primary key,
    until timestamptz not null,
    strikes integer not null,
    reply text,
    updated_at timestamptz not null default now()
);

-- The SMTP sessions open on a connection (its `sessions` limit): one row per deliver task try
-- (a claimant of alerts.claimants); a row whose claimant's heartbeat is older than the lease is
-- a session of a task that stopped, and no longer counts.
create table alerts.smtp_sessions (
    conn_id text not null,
    claim_token text not null,
    claim_try integer not null,
    opened_at timestamptz not null default now(),
    primary key (conn_id, claim_token, claim_try)
);

-- Reserve up to `p_want` slots on `p_conn` under every window's limit (p_windows[i] holds at most
-- p_limits[i] messages), after releasing an earlier reservation (`p_release`, with the moment each of
-- its first array_length(p_used) slots was used; the others were not used and are dropped).
-- One call, one round trip, serialised per connection by an advisory lock. Returns the
-- reservation (null when nothing was granted), how many slots were granted, the database's clock
-- when the call arrived (`db_now`: the statement's start, the base of the used times the caller
-- reports back, never later than the moment it asked), and when nothing was granted, the moment a slot is expected to free and what blocks: the
-- window that is full ('1 day'), or 'slow down' (a back-off is running). With p_want 0 it only
-- releases, and tells whether a back-off is running.
create function alerts.reserve_send_slots(
    p_conn text, p_want integer, p_windows interval[], p_limits integer[], p_hold interval,
    p_release bigint default null, p_used timestamptz[] default null
) returns table (
    reservation bigint, granted integer, db_now timestamptz, retry_at timestamptz, blocked_by text
)
language plpgsql as $$
declare
    v_now timestamptz;
    v_free integer := greatest(p_want, 0);
    v_count integer;
    v_frees timestamptz;
    v_retry timestamptz;
    v_until timestamptz;
    v_reservation bigint;
    v_blocked text;
    v_asked timestamptz;
begin
    perform pg_advisory_xact_lock(7420024, hashtext(p_conn));
    v_now := clock_timestamp();
    v_asked := statement_timestamp();
    if p_release is not null then
        update alerts.send_slots as s set used_at = u.t
          from unnest(coalesce(p_used, '{}'::timestamptz[])) with ordinality as u(t, n)
         where s.reservation = p_release and s.n = u.n;
        delete from alerts.send_slots as s where s.reservation = p_release and s.used_at is null;
    end if;
    delete from alerts.send_slots as s
     where s.conn_id = p_conn and coalesce(s.used_at, s.hold_until) < v_now - interval '8 days';
    select t.until into v_until from alerts.send_throttles as t where t.conn_id = p_conn and t.until > v_now;
    if v_until is not null or p_want <= 0 then
        return query select null::bigint, 0, v_asked, coalesce(v_until, v_now),
                            case when v_until is not null then 'slow down' end;
        return;
    end if;
    for i in 1 .. coalesce(array_length(p_windows, 1), 0) loop
        select count(*) into v_count from alerts.send_slots as s
         where s.conn_id = p_conn and coalesce(s.used_at, s.hold_until) > v_now - p_windows[i];
        v_free := least(v_free, p_limits[i] - v_count);
        if v_count >= p_limits[i] then
            -- full: a place opens when the (count - limit + 1)-th oldest slot leaves the window
            -- (one still held is taken as being used now)
            select coalesce(s.used_at, v_now) + p_windows[i] into v_frees from alerts.send_slots as s
             where s.conn_id = p_conn and coalesce(s.used_at, s.hold_until) > v_now - p_windows[i]
             order by coalesce(s.used_at, v_now)
            offset v_count - p_limits[i] limit 1;
            if v_retry is null or v_frees > v_retry then
                v_retry := v_frees;
                v_blocked := p_windows[i]::text;
            end if;
        end if;
    end loop;
    if v_free <= 0 then
        return query select null::bigint, 0, v_asked, coalesce(v_retry, v_now), v_blocked;
        return;
    end if;
    v_reservation := nextval('alerts.send_reservations');
    insert into alerts.send_slots (reservation, n, conn_id, reserved_at, hold_until)
    select v_reservation, g, p_conn, v_now, v_now + p_hold from generate_series(1, v_free) as g;
    return query select v_reservation, v_free, v_asked, null::timestamptz, null::text;
end
$$;

-- A slow-down reply on `conn`: back off. While a back-off is running (another worker's), it
-- stands; otherwise the next one doubles the last (from `base`, at most `longest`) when the last
-- ended less than `longest` ago, else starts again from `base`. Returns the end of the back-off.
create function alerts.slow_down_connection(
    p_conn text, p_base interval, p_longest interval, p_reply text
) returns timestamptz
language plpgsql as $$
declare
    v_now timestamptz;
    v_row alerts.send_throttles%rowtype;
    v_strikes integer;
begin
    perform pg_advisory_xact_lock(7420024, hashtext(p_conn));
    v_now := clock_timestamp();
    select * into v_row from alerts.send_throttles as t where t.conn_id = p_conn;
    if found and v_row.until > v_now then
        return v_row.until;
    end if;
    v_strikes := case when found and v_row.until > v_now - p_longest then v_row.strikes + 1 else 1 end;
    insert into alerts.send_throttles as t (conn_id, until, strikes, reply, updated_at)
    values (p_conn, v_now + least(p_base * power(2, least(v_strikes - 1, 20)), p_longest), v_strikes,
            p_reply, v_now)
    on conflict (conn_id) do update
        set until = excluded.until, strikes = excluded.strikes, reply = excluded.reply,
            updated_at = excluded.updated_at;
    return v_now + least(p_base * power(2, least(v_strikes - 1, 20)), p_longest);
end
$$;

-- Open one of at most `most` sessions on `conn` for a claimant (idempotent for the same one);
-- sessions whose claimant's heartbeat is older than `lease` are dropped first. True when open.
create function alerts.open_smtp_session(
    p_conn text, p_token text, p_try integer, p_most integer, p_lease interval
) returns boolean
language plpgsql as $$
declare
    v_open integer;
begin
    perform pg_advisory_xact_lock(7420025, hashtext(p_conn));
    delete from alerts.smtp_sessions as s
     where s.conn_id = p_conn
       and not exists (
           select 1 from alerts.claimants as c
            where c.claim_token = s.claim_token and c.claim_try = s.claim_try
              and c.heartbeat_at > clock_timestamp() - p_lease
       );
    if exists (
        select 1 from alerts.smtp_sessions as s
         where s.conn_id = p_conn and s.claim_token = p_token and s.claim_try = p_try
    ) then
        return true;
    end if;
    select count(*) into v_open from alerts.smtp_sessions as s where s.conn_id = p_conn;
    if v_open >= p_most then
        return false;
    end if;
    insert into alerts.smtp_sessions (conn_id, claim_token, claim_try) values (p_conn, p_token, p_try);
    return true;
end
$$;
