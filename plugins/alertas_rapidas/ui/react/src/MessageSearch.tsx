// The message search (users who may trigger runs): "did customer X get statement Y, and when?".
import { Button, Field, HStack, Input, Link, NativeSelect, Stack, Table, Text } from "@chakra-ui/react";
import { useState, type FormEvent } from "react";

import { apiUrl, useApi, type Params } from "./api";
import { DataTable, ErrorLines, Instant, Loading, RunLink, Section, StateBadge } from "./common";
import { label, useLocale } from "./i18n";
import type { Message, Search, Session } from "./types";

const Messages = ({ messages, showRun = true }: { messages: Message[]; showRun?: boolean }) => {
  const { t } = useLocale();
  return (
    <DataTable testId="messages">
      <Table.Header>
        <Table.Row>
          <Table.ColumnHeader width="10%">{t("when")}</Table.ColumnHeader>
          {showRun ? <Table.ColumnHeader width="13%">{t("family")}</Table.ColumnHeader> : undefined}
          <Table.ColumnHeader width="13%">{t("reference")}</Table.ColumnHeader>
          <Table.ColumnHeader width="17%">{t("to")}</Table.ColumnHeader>
          <Table.ColumnHeader width="18%">{t("subject")}</Table.ColumnHeader>
          <Table.ColumnHeader width="10%">{t("state")}</Table.ColumnHeader>
          <Table.ColumnHeader textAlign="end" width="7%">
            {t("attempts")}
          </Table.ColumnHeader>
          <Table.ColumnHeader width="12%">{t("smtpReply")}</Table.ColumnHeader>
          <Table.ColumnHeader width="7%">.eml</Table.ColumnHeader>
        </Table.Row>
      </Table.Header>
      <Table.Body>
        {messages.map((message) => (
          <Table.Row data-key={message.key} data-testid="message" key={message.key}>
            <Table.Cell data-col="when">
              <Instant iso={message.sent_at ?? message.updated_at} />
              <Text color="fg.muted" fontSize="xs" whiteSpace="nowrap">
                {message.run_date}
              </Text>
            </Table.Cell>
            {showRun ? (
              <Table.Cell data-col="family">
                {message.family}
                {message.dag_id && message.run_id ? (
                  <Text fontSize="xs">
                    <RunLink dagId={message.dag_id} runId={message.run_id} />
                  </Text>
                ) : undefined}
              </Table.Cell>
            ) : undefined}
            <Table.Cell data-col="reference" data-id>
              {message.recipient_ref}
              <Text color="fg.muted" fontSize="xs">
                {message.business_key}
              </Text>
            </Table.Cell>
            <Table.Cell data-col="to" data-id>{(message.recipients ?? []).join(", ")}</Table.Cell>
            <Table.Cell data-col="subject">{message.subject}</Table.Cell>
            <Table.Cell data-col="status">
              <StateBadge state={message.status} text={label(t, "status_", message.status)} />
              {message.reason ? (
                <Text color="fg.muted" fontSize="xs">
                  {message.reason === "in_digest" ? t("inDigest") : label(t, "reason_", message.reason)}
                </Text>
              ) : undefined}
            </Table.Cell>
            <Table.Cell data-col="attempts" textAlign="end">
              {message.attempts}
            </Table.Cell>
            <Table.Cell data-col="smtp" data-id>
              {message.smtp_response}
              {message.refused && Object.keys(message.refused).length > 0 ? (
                <Text color="fg.error" fontSize="xs">
                  {t("refused", {
                    list: Object.entries(message.refused)
                      .map(([address, reply]) => `${address}: ${reply}`)
                      .join("; "),
                  })}
                </Text>
              ) : undefined}
            </Table.Cell>
            <Table.Cell data-col="eml">
              {message.eml === true ? (
                <Link color="fg.info" href={apiUrl("api/messages/eml", { key: message.key })}>
                  {t("openEml")}
                </Link>
              ) : message.eml === false && message.status === "sent" && message.reason !== "in_digest" ? (
                <Text color="fg.muted" fontSize="xs">
                  {t("emlGone")}
                </Text>
              ) : undefined}
            </Table.Cell>
          </Table.Row>
        ))}
      </Table.Body>
    </DataTable>
  );
};

export const MessageList = ({ params, showRun }: { params: Params; showRun?: boolean }) => {
  const { t } = useLocale();
  const { data, error, loading, reload } = useApi<Search>("api/messages", params);
  if (loading) return <Loading />;
  if (error) return <ErrorLines error={error} retry={reload} />;
  if (!data || data.messages.length === 0) return <Text data-testid="no-messages">{t("noMessages")}</Text>;
  return <Messages messages={data.messages} showRun={showRun} />;
};

export const MessageSearch = ({ family, session }: { family?: string; session: Session }) => {
  const { t } = useLocale();
  const [form, setForm] = useState({ family: family ?? "", from: "", q: "", to: "" });
  const [query, setQuery] = useState<Params>();
  const { data, error, loading } = useApi<Search>("api/messages", query ?? {}, query !== undefined);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setQuery({ ...form });
  };

  return (
    <Section
      note={
        <>
          {t("msgSearchHelp")} {t("searchLogged")} {t("emlNote", { days: session.retention_days })}
        </>
      }
      testId="message-search"
      title={t("msgSearchTitle")}
    >
      <form onSubmit={submit}>
        <HStack align="end" flexWrap="wrap" gap={3} mb={3}>
          <Field.Root flex="1" minW="16rem">
            <Field.Label>{t("searchLabel")}</Field.Label>
            <Input
              name="q"
              onChange={(event) => setForm({ ...form, q: event.target.value })}
              placeholder="customer:42"
              size="sm"
              value={form.q}
            />
          </Field.Root>
          {family ? undefined : (
            <Field.Root maxW="18rem">
              <Field.Label>{t("family")}</Field.Label>
              <NativeSelect.Root size="sm">
                <NativeSelect.Field
                  name="family"
                  onChange={(event) => setForm({ ...form, family: event.target.value })}
                  value={form.family}
                >
                  <option value="">{t("allFamilies")}</option>
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
          <Field.Root maxW="10rem">
            <Field.Label>{t("dateFrom")}</Field.Label>
            <Input
              name="from"
              onChange={(event) => setForm({ ...form, from: event.target.value })}
              placeholder="2026-11-01"
              size="sm"
              value={form.from}
            />
          </Field.Root>
          <Field.Root maxW="10rem">
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
            {t("search")}
          </Button>
        </HStack>
      </form>
      {loading ? <Loading /> : undefined}
      <ErrorLines error={error} />
      {data ? (
        <Stack gap={2}>
          <Text data-testid="result-count" fontSize="sm">
            {data.messages.length >= data.limit
              ? t("resultsLimit", { limit: data.limit, n: data.messages.length })
              : t("results", { n: data.messages.length })}
          </Text>
          {data.messages.length > 0 ? <Messages messages={data.messages} /> : undefined}
        </Stack>
      ) : undefined}
    </Section>
  );
};
