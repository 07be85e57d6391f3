// "Test the mail server" (users who may trigger runs) and the package's connections (users who
// may read connections).
import { Button, Stack, Table, Text } from "@chakra-ui/react";
import { useState } from "react";

import { ApiError, postJson, useApi } from "./api";
import { DataTable, ErrorLines, Loading, Section, StateBadge } from "./common";
import { label, useLocale, type Key, type Translate } from "./i18n";
import type { Connection, MailServerCheck, Session } from "./types";

const MailServer = () => {
  const { t } = useLocale();
  const [busy, setBusy] = useState(false);
  const [check, setCheck] = useState<MailServerCheck>();
  const [error, setError] = useState<ApiError>();

  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setCheck(await postJson<MailServerCheck>("api/mail-server/check"));
    } catch (reason) {
      setError(reason instanceof ApiError ? reason : new ApiError(0, String(reason), []));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section note={t("serverHelp")} testId="mail-server" title={t("serverTitle")}>
      <Button loading={busy} mb={3} onClick={() => void run()} size="sm">
        {t("serverButton")}
      </Button>
      <ErrorLines error={error} />
      {check ? (
        <Stack gap={2}>
          <Text color={check.ok ? "fg.success" : "fg.error"} data-testid="server-outcome" fontWeight="semibold">
            {check.ok ? t("serverOk", { ms: check.elapsed_ms }) : t("serverFailed")}
          </Text>
          <DataTable testId="server-steps">
            <Table.Body>
              {check.steps.map((step) => (
                <Table.Row data-step={step.step} key={step.step}>
                  <Table.Cell width="12rem">{label(t, "step_", step.step)}</Table.Cell>
                  <Table.Cell width="9rem">
                    <StateBadge
                      state={step.status === "ok" ? "ok" : step.status === "failed" ? "failed" : "skipped"}
                      text={label(t, "stepStatus_", step.status)}
                    />
                  </Table.Cell>
                  <Table.Cell data-id>{step.code ? label(t, "stepCode_", step.code) : step.detail}</Table.Cell>
                </Table.Row>
              ))}
            </Table.Body>
          </DataTable>
        </Stack>
      ) : undefined}
    </Section>
  );
};

const target = (t: Translate, connection: Connection): string =>
  [
    connection.conn_type,
    connection.host ? `${t("host")} ${connection.host}` : "",
    connection.port ? `${t("port")} ${connection.port}` : "",
    connection.schema ? `${t("schema")} ${connection.schema}` : "",
    connection.login ? `${t("login")} ${connection.login}` : "",
  ]
    .filter(Boolean)
    .join(" · ");

const Connections = () => {
  const { t } = useLocale();
  const { data, error, loading, reload } = useApi<{ connections: Connection[] }>("api/connections");
  return (
    <Section note={t("connectionsHelp")} testId="connections" title={t("connectionsTitle")}>
      {loading ? <Loading /> : undefined}
      <ErrorLines error={error} retry={reload} />
      {data ? (
        <DataTable testId="connections-table">
          <Table.Header>
            <Table.Row>
              <Table.ColumnHeader width="14%">{t("connection")}</Table.ColumnHeader>
              <Table.ColumnHeader width="20%">{t("usedFor")}</Table.ColumnHeader>
              <Table.ColumnHeader width="24%">{t("definedIn")}</Table.ColumnHeader>
              <Table.ColumnHeader width="30%">{t("target")}</Table.ColumnHeader>
              <Table.ColumnHeader width="12%">{t("password")}</Table.ColumnHeader>
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {data.connections.map((connection) => {
              const role = `role_${connection.conn_id}` as Key;
              return (
                <Table.Row data-conn-id={connection.conn_id} key={connection.conn_id}>
                  <Table.Cell fontFamily="mono">{connection.conn_id}</Table.Cell>
                  <Table.Cell>
                    {["dms_postgres", "alerts_postgres", "smtp_default"].includes(connection.conn_id)
                      ? t(role)
                      : t("role_work")}
                  </Table.Cell>
                  <Table.Cell data-col="source" data-source={connection.source ?? "none"}>
                    {connection.source
                      ? t(`source_${connection.source}`, { where: connection.where ?? "" })
                      : <Text color="fg.error">{t("notDefined")}</Text>}
                    {connection.admin_edits_ignored ? (
                      <Text color="fg.warning" data-testid="admin-ignored" fontSize="xs">
                        {t("adminIgnored", { where: connection.where ?? "" })}
                      </Text>
                    ) : undefined}
                    {connection.shadowed_entry ? (
                      <Text color="fg.warning" fontSize="xs">
                        {t("shadowed")}
                      </Text>
                    ) : undefined}
                  </Table.Cell>
                  <Table.Cell data-col="target" data-id>
                    {target(t, connection)}
                    {connection.extras && Object.keys(connection.extras).length > 0 ? (
                      <Text color="fg.muted" fontSize="xs">
                        {Object.entries(connection.extras)
                          .map(([name, value]) => `${name}=${value}`)
                          .join(", ")}
                      </Text>
                    ) : undefined}
                  </Table.Cell>
                  <Table.Cell data-col="password">
                    {connection.defined ? (connection.password_set ? t("passwordSet") : t("passwordNone")) : ""}
                  </Table.Cell>
                </Table.Row>
              );
            })}
          </Table.Body>
        </DataTable>
      ) : undefined}
    </Section>
  );
};

// Shown only to a user who may do one of the two (the page hides the tab otherwise).
export const Server = ({ session }: { session: Session }) => (
  <Stack gap={4}>
    {session.can_trigger ? <MailServer /> : undefined}
    {session.can_read_connections ? <Connections /> : undefined}
  </Stack>
);
