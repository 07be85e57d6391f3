// The preview of a family's day (users who may trigger runs), with the ledger's view of each
// message, the PDF viewable inline, and "send this message to me".
import {
  Badge,
  Box,
  Button,
  Field,
  HStack,
  Input,
  Link,
  NativeSelect,
  Stack,
  Text,
} from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { ApiError, apiUrl, postJson, useApi, type Params } from "./api";
import { ErrorLines, Loading, Notice, reasonList, Section, StateBadge } from "./common";
import { formatInstant, label, useLocale } from "./i18n";
import type { Preview as PreviewData, PreviewMessage, Session, TestOutcome } from "./types";

export type Request = { date: string; family: string; from_time: string; to_time: string };

// "Send this message to me": the address is given once, above the messages.
const TestSend = ({ message, request, to }: { message: PreviewMessage; request: Request; to: string }) => {
  const { t } = useLocale();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<TestOutcome>();
  const [error, setError] = useState<ApiError>();

  const send = async () => {
    setOutcome(undefined);
    setError(undefined);
    if (!to.trim()) {
      setError(new ApiError(400, t("testNeedsAddress"), []));
      return;
    }
    setBusy(true);
    try {
      setOutcome(await postJson<TestOutcome>("api/test-message", { ...request, number: Number(message.number), to }));
    } catch (reason) {
      setError(reason instanceof ApiError ? reason : new ApiError(0, String(reason), []));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box data-testid="test-send">
      <Button loading={busy} onClick={() => void send()} size="xs" variant="outline">
        {t("testButton")}
      </Button>
      {outcome ? (
        <Text color={outcome.sent ? "fg.success" : "fg.error"} data-testid="test-outcome" fontSize="sm" mt={1}>
          {outcome.sent
            ? t("testSent", { reply: outcome.smtp_response ?? "", to: outcome.to })
            : t("testFailed", { reason: outcome.reason ?? outcome.smtp_response ?? "", status: outcome.status })}
        </Text>
      ) : undefined}
      <Box mt={1}>
        <ErrorLines error={error} />
      </Box>
    </Box>
  );
};

// One previewed message; `to` undefined: no "send this one to me" (the Settings tab's preview).
export const MessageCard = ({ message, request, to }: { message: PreviewMessage; request: Request; to?: string }) => {
  const { t, timezone } = useLocale();
  const verdict = label(t, "verdict_", message.verdict);
  return (
    <Box
      borderColor="border"
      borderRadius="md"
      borderWidth="1px"
      data-number={message.number}
      data-testid="preview-message"
      data-verdict={message.verdict}
      p={3}
    >
      <HStack flexWrap="wrap" gap={2} justify="space-between">
        <Text data-col="subject" fontWeight="semibold">
          {message.number}. {message.subject}
        </Text>
        <StateBadge
          state={message.verdict}
          text={
            message.verdict === "already_sent" && message.sent_at
              ? `${verdict} ${formatInstant(message.sent_at, timezone)}`
              : verdict
          }
        />
      </HStack>
      <Text data-col="to" fontSize="sm">
        {t("to")}: {message.to.join(", ")}
        {message.cc.length > 0 ? ` · ${t("cc")}: ${message.cc.join(", ")}` : ""}
        {message.bcc.length > 0 ? ` · ${t("bcc")}: ${message.bcc.join(", ")}` : ""}
      </Text>
      <Text color="fg.muted" fontSize="xs">
        {message.recipient_ref} · {message.business_key} · {message.language}
      </Text>
      {message.attachments.length > 0 ? (
        <HStack data-col="attachments" flexWrap="wrap" gap={3} mt={1}>
          {message.attachments.map((file) => {
            const href = apiUrl("api/preview/file", { date: request.date, family: request.family, name: file.name });
            return (
              <HStack gap={1} key={file.name}>
                <Badge variant="outline">{file.label}</Badge>
                {file.inline ? (
                  <Link color="fg.info" data-testid="view-attachment" href={href} rel="noopener" target="_blank">
                    {t("view")}
                  </Link>
                ) : undefined}
                <Link color="fg.info" download={file.label} href={href}>
                  {t("download")}
                </Link>
              </HStack>
            );
          })}
        </HStack>
      ) : undefined}
      <details>
        <summary style={{ cursor: "pointer", fontSize: "0.85rem", marginTop: "0.4rem" }}>{t("body")}</summary>
        {/* the mail's own HTML, in a frame that runs nothing and cannot navigate the page */}
        <iframe
          data-testid="preview-body"
          sandbox=""
          srcDoc={message.html}
          style={{ background: "white", border: "1px solid #ccc", height: "22rem", marginTop: "0.4rem", width: "100%" }}
          title={message.subject}
        />
      </details>
      {to === undefined ? undefined : (
        <Box mt={2}>
          <TestSend message={message} request={request} to={to} />
        </Box>
      )}
    </Box>
  );
};

const Result = ({ data, request }: { data: PreviewData; request: Request }) => {
  const { t } = useLocale();
  const [to, setTo] = useState("");
  const skipped = reasonList(t, data.skipped);
  const held = reasonList(t, data.held_by_rule);
  return (
    <Stack gap={3}>
      <Text data-testid="preview-line" fontWeight="semibold">
        {t("previewCounts", {
          already: data.counts.already_sent,
          held: data.counts.held,
          runs: data.runs.length,
          would: data.counts.would_send,
        })}
      </Text>
      {skipped ? <Text fontSize="sm">{t("skippedList", { list: skipped })}</Text> : undefined}
      {held ? <Text fontSize="sm">{t("heldByRule", { list: held })}</Text> : undefined}
      {data.messages.length === 0 ? <Notice>{t("previewNone")}</Notice> : undefined}
      {data.messages.length > 0 ? (
        <Box borderColor="border" borderRadius="md" borderWidth="1px" p={3}>
          <Field.Root maxW="24rem">
            <Field.Label>{t("testTo")}</Field.Label>
            <Input
              data-testid="test-address"
              name="test_to"
              onChange={(event) => setTo(event.target.value)}
              placeholder={t("testPlaceholder")}
              size="sm"
              type="email"
              value={to}
            />
          </Field.Root>
          <Text color="fg.muted" fontSize="xs" mt={1}>
            {t("testNote")}
          </Text>
        </Box>
      ) : undefined}
      {data.messages.map((message) => (
        <MessageCard key={message.number} message={message} request={request} to={to} />
      ))}
    </Stack>
  );
};

export const Preview = ({ family, session }: { family?: string; session: Session }) => {
  const { t } = useLocale();
  const [form, setForm] = useState<Request & { window: string }>({
    date: "",
    family: family ?? "",
    from_time: "",
    to_time: "",
    window: "day",
  });
  const [request, setRequest] = useState<Request>();
  const params: Params = request ?? {};
  const { data, error, loading } = useApi<PreviewData>("api/preview", params, request !== undefined);
  const chosen = session.families.find((item) => item.key === form.family);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const between = form.window === "between";
    setRequest({
      date: form.date.trim(),
      family: form.family,
      from_time: between ? form.from_time : "",
      to_time: between ? form.to_time : "",
    });
  };

  return (
    <Section note={t("previewHelp")} testId="preview" title={t("previewTitle")}>
      <form data-testid="preview-form" onSubmit={submit}>
        <HStack align="end" flexWrap="wrap" gap={3} mb={3}>
          {family ? undefined : (
            <Field.Root maxW="22rem">
              <Field.Label>{t("family")}</Field.Label>
              <NativeSelect.Root size="sm">
                <NativeSelect.Field
                  name="family"
                  onChange={(event) => setForm({ ...form, family: event.target.value })}
                  value={form.family}
                >
                  <option value="" />
                  {session.families.map((item) => (
                    <option key={item.key} value={item.key}>
                      {item.title}
                    </option>
                  ))}
                </NativeSelect.Field>
                <NativeSelect.Indicator />
              </NativeSelect.Root>
            </Field.Root>
          )}
          <Field.Root maxW="11rem">
            <Field.Label>{t("previewDate")}</Field.Label>
            <Input
              name="date"
              onChange={(event) => setForm({ ...form, date: event.target.value })}
              placeholder="2026-11-01"
              size="sm"
              value={form.date}
            />
          </Field.Root>
          {chosen && chosen.runs_per_day > 1 ? (
            <>
              <Field.Root maxW="16rem">
                <Field.Label>{t("runsOfDay")}</Field.Label>
                <NativeSelect.Root size="sm">
                  <NativeSelect.Field
                    name="window"
                    onChange={(event) => setForm({ ...form, window: event.target.value })}
                    value={form.window}
                  >
                    <option value="day">{t("wholeDay", { n: chosen.runs_per_day })}</option>
                    <option value="between">{t("between")}</option>
                  </NativeSelect.Field>
                  <NativeSelect.Indicator />
                </NativeSelect.Root>
              </Field.Root>
              {form.window === "between" ? (
                <>
                  <Field.Root maxW="6rem">
                    <Field.Label>{t("between")}</Field.Label>
                    <Input
                      name="from_time"
                      onChange={(event) => setForm({ ...form, from_time: event.target.value })}
                      placeholder="08:00"
                      size="sm"
                      value={form.from_time}
                    />
                  </Field.Root>
                  <Field.Root maxW="6rem">
                    <Field.Label>{t("and")}</Field.Label>
                    <Input
                      name="to_time"
                      onChange={(event) => setForm({ ...form, to_time: event.target.value })}
                      placeholder="12:00"
                      size="sm"
                      value={form.to_time}
                    />
                  </Field.Root>
                </>
              ) : undefined}
            </>
          ) : undefined}
          <Button size="sm" type="submit">
            {t("previewButton")}
          </Button>
        </HStack>
        {form.window === "between" ? (
          <Text color="fg.muted" fontSize="xs" mb={2}>
            {t("timeHint")}
          </Text>
        ) : undefined}
      </form>
      {loading ? (
        <HStack>
          <Loading />
          <Text color="fg.muted" fontSize="sm">
            {t("previewing")}
          </Text>
        </HStack>
      ) : undefined}
      <ErrorLines error={error} />
      {data && request ? <Result data={data} request={request} /> : undefined}
    </Section>
  );
};
