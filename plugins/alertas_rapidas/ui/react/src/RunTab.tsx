// A DAG run's Alertas tab: the run's summary and problems, why its tasks failed, its messages in
// the ledger (counts; the messages themselves for users who may trigger runs).
import { Box, Heading, HStack, SimpleGrid, Stack, Table, Text } from "@chakra-ui/react";

import { useApi } from "./api";
import { DataTable, ErrorLines, Loading, Notice, reasonList, Section, StateBadge, summaryLine } from "./common";
import { label, useLocale, type Key } from "./i18n";
import { MessageList } from "./MessageSearch";
import { TimesIn } from "./Page";
import type { RunDetail, Session } from "./types";

const COUNTS: [string, Key][] = [
  ["candidates", "candidates"],
  ["sent", "sent"],
  ["already_sent", "alreadySent"],
  ["failed", "failed"],
  ["deferred", "deferred"],
  ["unknown", "unknown"],
];

export const RunTab = ({ dagId, runId, session }: { dagId: string; runId: string; session: Session }) => {
  const { t } = useLocale();
  const { data, error, loading, reload } = useApi<RunDetail>("api/run", { dag_id: dagId, run_id: runId });
  if (loading) return <Loading />;
  if (error) return <ErrorLines error={error} retry={reload} />;
  if (!data) return null;
  const summary = data.summary;
  const problems = [...(summary?.problems ?? []), ...data.causes.map((c) => c.cause)].filter(
    (item, index, all) => all.indexOf(item) === index,
  );

  return (
    <Stack data-testid="alertas-run" gap={4}>
      <HStack align="baseline" flexWrap="wrap" justify="space-between">
        <Heading as="h2" size="lg">
          {t("runTitle")}
        </Heading>
        <TimesIn />
      </HStack>
      {data.errors.map((line) => (
        <Notice key={line} status="warning">
          {line}
        </Notice>
      ))}
      <HStack flexWrap="wrap" gap={3}>
        {data.airflow ? (
          <HStack gap={2}>
            <Text fontSize="sm">{t("airflowState")}:</Text>
            <StateBadge state={data.airflow.state} text={label(t, "airflow_", data.airflow.state)} />
          </HStack>
        ) : undefined}
        {summary ? (
          <Text data-mode={summary.mode} data-testid="run-mode" fontSize="sm">
            {t("mode")}: {t(`mode_${summary.mode}`)} · {t("runDate")}: {summary.run_date}
          </Text>
        ) : undefined}
      </HStack>
      {summary ? (
        <Section title={t("summary")}>
          <Text data-testid="run-line" mb={3}>
            {summaryLine(t, summary)}
          </Text>
          <SimpleGrid columns={{ base: 3, md: 6 }} gap={3}>
            {COUNTS.map(([name, key]) => (
              <Box borderColor="border" borderRadius="md" borderWidth="1px" key={name} p={2}>
                <Text color="fg.muted" fontSize="xs">
                  {t(key)}
                </Text>
                <Text data-col={name} fontSize="xl" fontWeight="semibold">
                  {summary.counts[name] ?? 0}
                </Text>
              </Box>
            ))}
          </SimpleGrid>
          {Object.keys(summary.skipped).length > 0 ? (
            <Text fontSize="sm" mt={2}>
              {t("skippedList", { list: reasonList(t, summary.skipped) })}
            </Text>
          ) : undefined}
          {Object.keys(summary.held).length > 0 ? (
            <Text fontSize="sm">{t("heldByRule", { list: reasonList(t, summary.held) })}</Text>
          ) : undefined}
          {summary.held_back.length > 0 ? (
            <Text color="fg.warning" fontSize="sm">
              {t("heldBack", { list: summary.held_back.join(", ") })}
            </Text>
          ) : undefined}
        </Section>
      ) : (
        <Notice status="warning">{t("runNoSummary")}</Notice>
      )}
      {summary && ((summary.overrides ?? []).length > 0 || (summary.changes ?? []).length > 0) ? (
        <Section note={t("runSettingsNote")} testId="run-settings" title={t("runSettings")}>
          <Stack as="ul" gap={1} listStyleType="disc" pl={5}>
            {(summary.overrides ?? []).map((item) => (
              <li data-field={item.field} key={item.field}>
                {t("runOverride", {
                  by: item.by ?? "",
                  field: item.field,
                  value: `${item.merge === "add" ? "+ " : ""}${item.value}`,
                  version: item.version ?? "",
                })}
              </li>
            ))}
          </Stack>
          {(summary.changes ?? []).length > 0 ? (
            <>
              <Text fontSize="sm" fontWeight="semibold" mt={2}>
                {t("runChanges")}
              </Text>
              <Stack as="ul" data-testid="run-changes" gap={1} listStyleType="disc" pl={5}>
                {(summary.changes ?? []).map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </Stack>
            </>
          ) : undefined}
        </Section>
      ) : undefined}
      {problems.length > 0 ? (
        <Section testId="run-problems" title={t("problems")}>
          <Stack as="ul" gap={1} listStyleType="disc" pl={5}>
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </Stack>
        </Section>
      ) : undefined}
      <Section note={t("runMessagesNote")} title={t("runMessages")}>
        {Object.keys(data.messages).length === 0 ? (
          <Text data-testid="run-no-messages">{t("runNoMessages")}</Text>
        ) : (
          <Box maxW="30rem">
            <DataTable testId="run-message-counts">
              <Table.Body>
                {Object.entries(data.messages).map(([status, n]) => (
                  <Table.Row data-status={status} key={status}>
                    <Table.Cell>
                      <StateBadge state={status} text={label(t, "status_", status)} />
                    </Table.Cell>
                    <Table.Cell textAlign="end">{n}</Table.Cell>
                  </Table.Row>
                ))}
              </Table.Body>
            </DataTable>
          </Box>
        )}
      </Section>
      {session.can_trigger && Object.keys(data.messages).length > 0 ? (
        <Section title={t("runMessagesList")}>
          <MessageList params={{ dag_id: dagId, run_id: runId }} showRun={false} />
        </Section>
      ) : undefined}
    </Stack>
  );
};
