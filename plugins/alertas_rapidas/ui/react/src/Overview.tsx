// The overview: every run in Airflow with its state and problems, the ledger's counts per family
// and day, the run log and the unsubscribes; filtered by family and run dates. Counts only.
import { Box, Button, Field, HStack, Input, NativeSelect, Stack, Table, Text } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { useApi } from "./api";
import {
  DagLink,
  DataTable,
  ErrorLines,
  Instant,
  Loading,
  Notice,
  reasonList,
  RunLink,
  Section,
  StateBadge,
  summaryLine,
} from "./common";
import { formatInstant, label, useLocale } from "./i18n";
import type {
  AirflowRun,
  DayCounts,
  MuteNow,
  Overview as OverviewData,
  RunSummary,
  Session,
  Unsubscribes,
} from "./types";

type Filter = { family: string; from: string; to: string };

const titleOf = (session: Session, dagId: string): string =>
  session.families.find((family) => family.dag_id === dagId)?.title ?? dagId;

const FilterForm = ({
  fixedFamily,
  onApply,
  session,
}: {
  fixedFamily?: string;
  onApply: (filter: Filter) => void;
  session: Session;
}) => {
  const { t } = useLocale();
  const [form, setForm] = useState<Filter>({ family: fixedFamily ?? "", from: "", to: "" });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply(form);
  };
  const clear = () => {
    const empty = { family: fixedFamily ?? "", from: "", to: "" };
    setForm(empty);
    onApply(empty);
  };
  return (
    <form data-testid="filter" onSubmit={submit}>
      <HStack align="end" flexWrap="wrap" gap={3}>
        {fixedFamily ? undefined : (
          <Field.Root maxW="22rem">
            <Field.Label>{t("family")}</Field.Label>
            <NativeSelect.Root size="sm">
              <NativeSelect.Field
                name="family"
                onChange={(event) => setForm({ ...form, family: event.target.value })}
                value={form.family}
              >
                <option value="">{t("allFamilies")}</option>
                {session.families.map((family) => (
                  <option key={family.key} value={family.key}>
                    {family.title}
                  </option>
                ))}
              </NativeSelect.Field>
              <NativeSelect.Indicator />
            </NativeSelect.Root>
          </Field.Root>
        )}
        <Field.Root maxW="11rem">
          <Field.Label>{t("dateFrom")}</Field.Label>
          <Input
            name="from"
            onChange={(event) => setForm({ ...form, from: event.target.value })}
            placeholder="2026-11-01"
            size="sm"
            value={form.from}
          />
        </Field.Root>
        <Field.Root maxW="11rem">
          <Field.Label>{t("dateTo")}</Field.Label>
          <Input
            name="to"
            onChange={(event) => setForm({ ...form, to: event.target.value })}
            placeholder="2026-11-30"
            size="sm"
            value={form.to}
          />
        </Field.Root>
        <Button size="sm" type="submit">
          {t("filter")}
        </Button>
        <Button onClick={clear} size="sm" variant="ghost">
          {t("clear")}
        </Button>
      </HStack>
      <Text color="fg.muted" fontSize="xs" mt={1}>
        {t("dateHint")}
      </Text>
    </form>
  );
};

const Problems = ({ items }: { items: string[] }) => {
  if (items.length === 0) return null;
  return (
    <Stack as="ul" gap={0} listStyleType="disc" pl={4}>
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </Stack>
  );
};

const AirflowRuns = ({ oneFamily, runs, session }: { oneFamily: boolean; runs: AirflowRun[]; session: Session }) => {
  const { t } = useLocale();
  if (runs.length === 0) return <Text data-testid="no-airflow-runs">{t("noAirflowRuns")}</Text>;
  return (
    <DataTable testId="airflow-runs">
      <Table.Header>
        <Table.Row>
          <Table.ColumnHeader width="8%">{t("state")}</Table.ColumnHeader>
          {oneFamily ? undefined : <Table.ColumnHeader width="17%">{t("alert")}</Table.ColumnHeader>}
          <Table.ColumnHeader width="19%">{t("run")}</Table.ColumnHeader>
          <Table.ColumnHeader width="11%">{t("when")}</Table.ColumnHeader>
          <Table.ColumnHeader width="8%">{t("mode")}</Table.ColumnHeader>
          <Table.ColumnHeader width="20%">{t("summary")}</Table.ColumnHeader>
          <Table.ColumnHeader width="17%">{t("problems")}</Table.ColumnHeader>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {runs.map((run) => (
          <Table.Row
            bg={run.bad ? "bg.error" : undefined}
            data-airflow-run-id={run.run_id}
            data-dag-id={run.dag_id}
            key={`${run.dag_id}/${run.run_id}`}
          >
            <Table.Cell data-col="state">
              <StateBadge state={run.state} text={label(t, "airflow_", run.state)} />
            </Table.Cell>
            {oneFamily ? undefined : (
              <Table.Cell data-col="alert">
                <DagLink dagId={run.dag_id}>{titleOf(session, run.dag_id)}</DagLink>
              </Table.Cell>
            )}
            <Table.Cell data-col="run">
              <RunLink dagId={run.dag_id} runId={run.run_id} />
            </Table.Cell>
            <Table.Cell data-col="when">
              <Instant iso={run.run_after} />
              {run.summary?.run_date ? (
                <Text color="fg.muted" data-col="run-date" fontSize="xs" title={t("runDate")}>
                  {t("forDate")} <span style={{ whiteSpace: "nowrap" }}>{run.summary.run_date}</span>
                </Text>
              ) : undefined}
            </Table.Cell>
            <Table.Cell data-col="mode">{run.summary ? t(`mode_${run.summary.mode}`) : ""}</Table.Cell>
            <Table.Cell data-col="line">
              {run.summary ? summaryLine(t, run.summary) : <Text color="fg.muted">{t("noSummary")}</Text>}
            </Table.Cell>
            <Table.Cell data-col="problems">
              <Problems items={[...run.attention, ...(run.summary?.problems ?? [])]} />
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </DataTable>
  );
};

const Days = ({ days }: { days: DayCounts[] }) => {
  const { t } = useLocale();
  if (days.length === 0) return <Text data-testid="no-days">{t("noDays")}</Text>;
  return (
    <DataTable testId="days">
      <Table.Header>
        <Table.Row>
          <Table.ColumnHeader width="18%">{t("family")}</Table.ColumnHeader>
          <Table.ColumnHeader width="10%">{t("runDate")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end">{t("sent")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end">{t("skipped")}</Table.ColumnHeader>
          <Table.ColumnHeader width="24%">{t("skippedByReason")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end">{t("failed")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end">{t("deferred")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end">{t("unknown")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end">{t("inProgress")}</Table.ColumnHeader>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {days.map((day) => (
          <Table.Row data-day={day.run_date ?? ""} data-family={day.family} key={`${day.family}/${day.run_date}`}>
            <Table.Cell>{day.family}</Table.Cell>
            <Table.Cell data-nowrap>{day.run_date}</Table.Cell>
            <Table.Cell data-col="sent" textAlign="end">
              {day.sent}
            </Table.Cell>
            <Table.Cell data-col="skipped" textAlign="end">
              {day.skipped}
            </Table.Cell>
            <Table.Cell
              data-col="skipped_by_reason"
              data-reasons={Object.entries(day.skipped_by_reason)
                .map(([reason, n]) => `${reason} ${n}`)
                .join(", ")}
            >
              {reasonList(t, day.skipped_by_reason)}
            </Table.Cell>
            <Table.Cell color={day.failed ? "fg.error" : undefined} data-col="failed" textAlign="end">
              {day.failed}
            </Table.Cell>
            <Table.Cell data-col="deferred" textAlign="end">
              {day.deferred}
            </Table.Cell>
            <Table.Cell color={day.unknown ? "fg.warning" : undefined} data-col="unknown" textAlign="end">
              {day.unknown}
            </Table.Cell>
            <Table.Cell data-col="in_progress" textAlign="end">
              {day.in_progress}
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </DataTable>
  );
};

export const RunLog = ({ oneFamily, runs, session }: { oneFamily: boolean; runs: RunSummary[]; session: Session }) => {
  const { t } = useLocale();
  if (runs.length === 0) return <Text data-testid="no-runs">{t("noRuns")}</Text>;
  return (
    <DataTable testId="runs">
      <Table.Header>
        <Table.Row>
          {oneFamily ? undefined : <Table.ColumnHeader width="14%">{t("alert")}</Table.ColumnHeader>}
          <Table.ColumnHeader width="16%">{t("run")}</Table.ColumnHeader>
          <Table.ColumnHeader width="9%">{t("runDate")}</Table.ColumnHeader>
          <Table.ColumnHeader width="10%">{t("finished")}</Table.ColumnHeader>
          <Table.ColumnHeader width="7%">{t("mode")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end" width="8%">
            {t("candidates")}
          </Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end" width="6%">
            {t("sent")}
          </Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end" width="6%">
            {t("failed")}
          </Table.ColumnHeader>
          <Table.ColumnHeader width="15%">{t("summary")}</Table.ColumnHeader>
          <Table.ColumnHeader width="9%">{t("problems")}</Table.ColumnHeader>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {runs.map((run) => (
          <Table.Row data-dag-id={run.dag_id} data-run-id={run.run_id} key={`${run.dag_id}/${run.run_id}`}>
            {oneFamily ? undefined : (
              <Table.Cell>
                <DagLink dagId={run.dag_id}>{titleOf(session, run.dag_id)}</DagLink>
              </Table.Cell>
            )}
            <Table.Cell>
              <RunLink dagId={run.dag_id} runId={run.run_id} />
            </Table.Cell>
            <Table.Cell data-nowrap>{run.run_date}</Table.Cell>
            <Table.Cell data-col="finished">
              <Instant iso={run.finished_at} />
            </Table.Cell>
            <Table.Cell data-col="mode" data-mode={run.mode}>
              {t(`mode_${run.mode}`)}
            </Table.Cell>
            <Table.Cell data-col="candidates" textAlign="end">
              {run.counts.candidates}
            </Table.Cell>
            <Table.Cell data-col="sent" textAlign="end">
              {run.counts.sent}
            </Table.Cell>
            <Table.Cell data-col="failed" textAlign="end">
              {run.counts.failed}
            </Table.Cell>
            <Table.Cell data-col="line">{summaryLine(t, run)}</Table.Cell>
            <Table.Cell data-col="problems">
              <Problems items={run.problems} />
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </DataTable>
  );
};

const UnsubscribeCounts = ({ items }: { items: Unsubscribes[] }) => {
  const { t } = useLocale();
  return (
    <DataTable testId="unsubscribes">
      <Table.Header>
        <Table.Row>
          <Table.ColumnHeader>{t("family")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end">{t("recipients")}</Table.ColumnHeader>
          <Table.ColumnHeader>{t("latest")}</Table.ColumnHeader>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {items.map((item) => (
          <Table.Row data-family={item.family} key={item.family}>
            <Table.Cell>{item.family === "*" ? t("everyRecurring") : item.family}</Table.Cell>
            <Table.Cell data-col="recipients" textAlign="end">
              {item.recipients}
            </Table.Cell>
            <Table.Cell>
              <Instant iso={item.latest} />
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </DataTable>
  );
};

// Which families send nothing now (switched off, or muted until a time), with who and why; on a
// DAG's tab, that family's state in one line.
const Mutes = ({ family, mutes, session }: { family?: string; mutes: MuteNow[]; session: Session }) => {
  const { t, timezone } = useLocale();
  if (family) {
    const mute = mutes.find((item) => item.family === family);
    const state = mute ? mute.state : "on";
    return (
      <Box data-state={state} data-testid="family-state">
        <Notice status={mute ? "warning" : "info"}>
          {mute
            ? t(mute.state === "off" ? "stateOff" : "stateMuted", {
                by: mute.by,
                reason: mute.reason,
                since: formatInstant(mute.since, timezone),
                until: formatInstant(mute.until, timezone),
              })
            : t("familyOn")}
        </Notice>
      </Box>
    );
  }
  return (
    <Section note={t("mutesNote")} testId="mutes-section" title={t("mutesTitle")}>
      {mutes.length === 0 ? (
        <Text data-testid="all-on">{t("allOn")}</Text>
      ) : (
        <DataTable testId="mutes">
          <Table.Header>
            <Table.Row>
              <Table.ColumnHeader width="22%">{t("alert")}</Table.ColumnHeader>
              <Table.ColumnHeader width="10%">{t("state")}</Table.ColumnHeader>
              <Table.ColumnHeader width="13%">{t("since")}</Table.ColumnHeader>
              <Table.ColumnHeader width="13%">{t("until")}</Table.ColumnHeader>
              <Table.ColumnHeader width="12%">{t("by")}</Table.ColumnHeader>
              <Table.ColumnHeader>{t("colWhy")}</Table.ColumnHeader>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {mutes.map((mute) => (
              <Table.Row data-family={mute.family} data-state={mute.state} key={`${mute.family}-${mute.since}`}>
                <Table.Cell>
                  <DagLink dagId={`alert_${mute.family}`}>{titleOf(session, `alert_${mute.family}`)}</DagLink>
                </Table.Cell>
                <Table.Cell>
                  <StateBadge state={mute.state === "off" ? "failed" : "deferred"} text={t(`state_${mute.state}`)} />
                </Table.Cell>
                <Table.Cell>
                  <Instant iso={mute.since} />
                </Table.Cell>
                <Table.Cell>{mute.until ? <Instant iso={mute.until} /> : "—"}</Table.Cell>
                <Table.Cell data-id>{mute.by}</Table.Cell>
                <Table.Cell>{mute.reason}</Table.Cell>
              </Table.Row>
            ))}
          </Table.Body>
        </DataTable>
      )}
    </Section>
  );
};

export const Overview = ({ family, session }: { family?: string; session: Session }) => {
  const { t } = useLocale();
  const [filter, setFilter] = useState<Filter>({ family: family ?? "", from: "", to: "" });
  const { data, error, loading, reload } = useApi<OverviewData>("api/overview", filter);

  return (
    <Stack gap={4}>
      <FilterForm fixedFamily={family} onApply={setFilter} session={session} />
      {loading ? <Loading /> : undefined}
      <ErrorLines error={error} retry={reload} />
      {data ? (
        <>
          {data.ledger === null ? <Notice status="warning">{t("ledgerDown")}</Notice> : undefined}
          {data.ledger === false ? <Notice>{t("noLedger")}</Notice> : undefined}
          {data.ledger ? <Mutes family={family} mutes={data.mutes ?? []} session={session} /> : undefined}
          <Section note={t("airflowRunsNote")} testId="airflow-runs-section" title={t("airflowRunsTitle")}>
            {data.airflow_error ? <Notice status="warning">{data.airflow_error}</Notice> : undefined}
            <AirflowRuns oneFamily={Boolean(family)} runs={data.airflow_runs} session={session} />
          </Section>
          {data.ledger ? (
            <>
              <Section note={t("daysNote")} testId="days-section" title={t("daysTitle")}>
                <Days days={data.days} />
                {data.days.length >= data.limits.days ? (
                  <Text color="fg.muted" fontSize="xs">
                    {t("limitNote", { n: data.limits.days })}
                  </Text>
                ) : undefined}
              </Section>
              <Section testId="runs-section" title={t("runLogTitle")}>
                <RunLog oneFamily={Boolean(family)} runs={data.runs} session={session} />
              </Section>
              {data.unsubscribes.length > 0 ? (
                <Section note={t("unsubscribesNote")} title={t("unsubscribesTitle")}>
                  <Box maxW="36rem">
                    <UnsubscribeCounts items={data.unsubscribes} />
                  </Box>
                </Section>
              ) : undefined}
            </>
          ) : undefined}
        </>
      ) : undefined}
    </Stack>
  );
};
