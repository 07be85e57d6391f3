// Small pieces every view uses: sections, tables that wrap, times in the user's zone, run links
// that navigate inside the UI, state badges, the one-line summary and readable errors.
import { Alert, Badge, Box, Button, Heading, Link, Spinner, Stack, Table, Text } from "@chakra-ui/react";
import type { ReactNode } from "react";
import { Link as RouterLink } from "react-router-dom";

import { ApiError } from "./api";
import { formatInstant, label, useLocale, type Translate } from "./i18n";
import type { RunSummary } from "./types";

export const Section = ({
  children,
  note,
  testId,
  title,
}: {
  children: ReactNode;
  note?: ReactNode;
  testId?: string;
  title: string;
}) => (
  <Box as="section" borderColor="border" borderRadius="md" borderWidth="1px" data-testid={testId} p={4}>
    <Heading as="h3" mb={1} size="md">
      {title}
    </Heading>
    {note ? (
      <Text color="fg.muted" fontSize="sm" mb={3}>
        {note}
      </Text>
    ) : undefined}
    {children}
  </Box>
);

// A table that never overflows its box: columns as wide as their content needs (headers' `width`
// as hints), cells wrap between words, and ids and addresses (`data-id`: a run id or an address has
// no space in 40 characters) anywhere, so that no cell forces the table wider than the page.
export const DataTable = ({ children, testId }: { children: ReactNode; testId?: string }) => (
  <Table.Root
    css={{
      "& [data-id]": { overflowWrap: "anywhere" },
      "& td, & th": { overflowWrap: "break-word", verticalAlign: "top", whiteSpace: "normal" },
      "& td[data-nowrap]": { whiteSpace: "nowrap" },
    }}
    data-testid={testId}
    size="sm"
    variant="line"
    width="100%"
  >
    {children}
  </Table.Root>
);

export const Instant = ({ iso }: { iso: string | null | undefined }) => {
  const { timezone } = useLocale();
  if (!iso) return null;
  const [day, clock] = formatInstant(iso, timezone).split(" ");
  // the date and the time may go on two lines, never a date cut at its hyphens
  return (
    <Text as="span" data-instant={iso}>
      <span style={{ whiteSpace: "nowrap" }}>{day}</span> <span style={{ whiteSpace: "nowrap" }}>{clock}</span>
    </Text>
  );
};

export const runPath = (dagId: string, runId: string): string =>
  `/dags/${encodeURIComponent(dagId)}/runs/${encodeURIComponent(runId)}`;

export const RunLink = ({ dagId, runId }: { dagId: string; runId: string }) => (
  <Link asChild color="fg.info" data-id data-testid="run-link">
    <RouterLink to={runPath(dagId, runId)}>{runId}</RouterLink>
  </Link>
);

export const DagLink = ({ dagId, children }: { children: ReactNode; dagId: string }) => (
  <Link asChild color="fg.info">
    <RouterLink to={`/dags/${encodeURIComponent(dagId)}`}>{children}</RouterLink>
  </Link>
);

const palettes: Record<string, string> = {
  already_sent: "gray",
  deferred: "yellow",
  failed: "red",
  held_failed: "red",
  held_unknown: "orange",
  ok: "green",
  queued: "gray",
  retrying: "orange",
  running: "blue",
  sending: "blue",
  sent: "green",
  skipped: "gray",
  success: "green",
  unknown: "orange",
  up_for_retry: "orange",
  would_send: "blue",
};

export const StateBadge = ({ state, text }: { state: string; text: string }) => (
  <Badge colorPalette={palettes[state] ?? "gray"} data-state={state} variant="subtle">
    {text}
  </Badge>
);

export const reasonList = (t: Translate, counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `${label(t, "reason_", reason)} ${n}`)
    .join(", ");

// "sent 41, skipped 15 (no e-mail 2, ...), failed 0", in the page's language.
export const summaryLine = (t: Translate, summary: RunSummary): string => {
  const c = summary.counts;
  const parts: string[] = [];
  if (summary.mode === "dry_run") parts.push(t("line_dry", { n: c.dry_run ?? 0 }));
  parts.push(t("line_sent", { n: c.sent ?? 0 }));
  if (c.already_sent) parts.push(t("line_already", { n: c.already_sent }));
  const skipped = Object.values(summary.skipped).reduce((a, b) => a + b, 0);
  const reasons = reasonList(t, summary.skipped);
  parts.push(t("line_skipped", { n: skipped }) + (reasons ? ` (${reasons})` : ""));
  parts.push(t("line_failed", { n: c.failed ?? 0 }));
  if (c.deferred) parts.push(t("line_deferred", { n: c.deferred }));
  if (c.unknown) parts.push(t("line_unknown", { n: c.unknown }));
  if (c.redirected) parts.push(t("line_redirected", { n: c.redirected }));
  if (summary.held_back.length > 0) parts.push(t("line_stale", { list: summary.held_back.join(", ") }));
  return parts.join(", ");
};

export const Loading = () => {
  const { t } = useLocale();
  return (
    <Stack align="center" direction="row" gap={2} py={3}>
      <Spinner size="sm" />
      <Text color="fg.muted">{t("loading")}</Text>
    </Stack>
  );
};

// An error in one line a person can act on: never the server's bare JSON.
export const ErrorLines = ({ error, retry }: { error: ApiError | undefined; retry?: () => void }) => {
  const { t } = useLocale();
  if (!error) return null;
  let lines = error.errors;
  if (error.status === 403) lines = [t("forbidden")];
  if (error.status === 401) lines = [t("loginNeeded")];
  if (error.status === 0) lines = [t("failedToLoad", { error: error.message })];
  return (
    <Alert.Root data-testid="error" status={error.status === 403 ? "warning" : "error"}>
      <Alert.Indicator />
      <Alert.Content>
        {lines.map((line) => (
          <Alert.Description key={line}>{line}</Alert.Description>
        ))}
      </Alert.Content>
      {retry ? (
        <Button onClick={retry} size="xs" variant="outline">
          {t("retry")}
        </Button>
      ) : undefined}
    </Alert.Root>
  );
};

export const Notice = ({ children, status = "info" }: { children: ReactNode; status?: "info" | "warning" }) => (
  <Alert.Root status={status}>
    <Alert.Indicator />
    <Alert.Description>{children}</Alert.Description>
  </Alert.Root>
);
