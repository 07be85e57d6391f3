// The Settings tab: tune a family without a deploy (issue 25). Everyone who may read runs sees the
// values (the file's, the override in force, its source) and the history; users who may edit the
// family's DAG change them: preview the next run under the new values, then save with a reason.
// A save made from a version someone changed since is refused with the current values; one that
// would multiply the next run's messages asks for a confirmation. Switching off is a mute.
import {
  Badge,
  Box,
  Button,
  Field,
  HStack,
  Input,
  NativeSelect,
  Stack,
  Table,
  Text,
  Textarea,
} from "@chakra-ui/react";
import { useEffect, useMemo, useState } from "react";

import { ApiError, postJson, useApi } from "./api";
import { DataTable, ErrorLines, Instant, Loading, Notice, Section } from "./common";
import { formatInstant, label, useLocale } from "./i18n";
import { MessageCard } from "./Preview";
import type {
  Change,
  FamilySettings,
  HistoryItem,
  Session,
  SettingField,
  SettingsPreview,
  Volume,
} from "./types";

type Draft = { merge: string; text: string; unset: boolean };

const asError = (reason: unknown): ApiError =>
  reason instanceof ApiError ? reason : new ApiError(0, String(reason), []);

// What the editor starts from: a setting's value in force; a list's override (what it adds or
// replaces with), else nothing to add.
const initialDraft = (item: SettingField): Draft => {
  if (item.kind === "setting") return { merge: "replace", text: item.effective.text, unset: false };
  const over = item.override;
  return {
    merge: over?.merge ?? item.merges[0],
    text: (over?.entries ?? []).join("\n"),
    unset: false,
  };
};

const changesOf = (fields: SettingField[], drafts: Record<string, Draft>): Change[] => {
  const changes: Change[] = [];
  for (const item of fields) {
    const draft = drafts[item.field];
    if (!draft) continue;
    const start = initialDraft(item);
    if (draft.unset) {
      changes.push({ action: "unset", field: item.field });
    } else if (draft.text.trim() !== start.text.trim() || draft.merge !== start.merge) {
      if (item.kind === "setting") changes.push({ action: "set", field: item.field, text: draft.text });
      else
        changes.push({
          action: "set",
          entries: draft.text.split("\n").map((line) => line.trim()).filter(Boolean),
          field: item.field,
          merge: draft.merge,
        });
    }
  }
  return changes;
};

const StateBox = ({ data, onChange }: { data: FamilySettings; onChange: (next: FamilySettings) => void }) => {
  const { t, timezone } = useLocale();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const mute = data.state.mute as { muted_by: string; muted_from: string; muted_until: string | null; reason: string } | null;
  const stateName = data.state.off ? "off" : data.state.muted ? "muted" : "on";
  const text = mute
    ? t(data.state.off ? "stateOff" : "stateMuted", {
        by: mute.muted_by,
        reason: mute.reason,
        since: formatInstant(mute.muted_from, timezone),
        until: formatInstant(mute.muted_until, timezone),
      })
    : t("stateOn");

  const flip = async () => {
    setError(undefined);
    if (!reason.trim()) {
      setError(new ApiError(400, t("needsReason"), []));
      return;
    }
    setBusy(true);
    try {
      onChange(await postJson<FamilySettings>("api/settings/switch", { family: data.family, on: !data.state.on, reason }));
      setReason("");
    } catch (reason_) {
      const failed = asError(reason_);
      const current = (failed.body as { current?: FamilySettings } | undefined)?.current;
      if (current) onChange(current);
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section note={t("switchNote")} testId="settings-state" title={t("stateTitle")}>
      <HStack align="center" data-state={stateName} data-testid="family-state" gap={2} mb={2}>
        <Badge colorPalette={stateName === "on" ? "green" : "orange"} variant="subtle">
          {stateName === "on" ? t("stateOn").split(":")[0] : t(`state_${stateName}` as "state_off")}
        </Badge>
        <Text data-testid="family-state-text">{text}</Text>
      </HStack>
      {data.can_edit ? (
        <HStack align="end" flexWrap="wrap" gap={3}>
          <Field.Root maxW="28rem">
            <Field.Label>{t("reasonLabel")}</Field.Label>
            <Input
              data-testid="switch-reason"
              onChange={(event) => setReason(event.target.value)}
              size="sm"
              value={reason}
            />
          </Field.Root>
          <Button
            colorPalette={data.state.on ? "red" : "green"}
            data-testid="settings-switch"
            loading={busy}
            onClick={() => void flip()}
            size="sm"
            variant="outline"
          >
            {data.state.on ? t("switchOff") : t("switchOn")}
          </Button>
        </HStack>
      ) : undefined}
      <Box mt={2}>
        <ErrorLines error={error} />
      </Box>
    </Section>
  );
};

const FieldRow = ({
  canEdit,
  draft,
  item,
  setDraft,
}: {
  canEdit: boolean;
  draft: Draft;
  item: SettingField;
  setDraft: (draft: Draft) => void;
}) => {
  const { t, timezone } = useLocale();
  const declared = item.declared;
  const limits = [
    declared?.type,
    declared?.min !== null && declared?.min !== undefined ? `≥ ${declared.min}` : "",
    declared?.max !== null && declared?.max !== undefined ? `≤ ${declared.max}` : "",
    declared?.choices ? declared.choices.join(" | ") : "",
  ]
    .filter(Boolean)
    .join(", ");
  const list = item.kind !== "setting";
  const shown = (value: { entries: string[] | null; text: string }) =>
    list ? (value.entries ?? []).join(", ") || "—" : value.text || "—";
  return (
    <Table.Row data-field={item.field} data-source={item.source}>
      <Table.Cell>
        <Text data-id fontFamily="mono" fontSize="sm">
          {item.field}
        </Text>
        <Text color="fg.muted" fontSize="xs">
          {item.description}
          {limits ? ` (${limits})` : ""}
        </Text>
      </Table.Cell>
      <Table.Cell data-col="file" data-id>
        {shown(item.file)}
      </Table.Cell>
      <Table.Cell data-col="effective" data-id>
        <Text data-value={item.effective.text}>{shown(item.effective)}</Text>
        <Badge colorPalette={item.source === "override" ? "purple" : "gray"} data-col="source" variant="subtle">
          {t(`source_${item.source}`)}
          {item.override?.merge === "add" ? ` (${t("merge_add")})` : ""}
        </Badge>
        {item.override ? (
          <Text color="fg.muted" fontSize="xs">
            {t("overrideBy", {
              at: formatInstant(item.override.at, timezone),
              by: item.override.by,
              reason: item.override.reason,
            })}
          </Text>
        ) : undefined}
      </Table.Cell>
      {canEdit ? (
        <Table.Cell>
          <Stack gap={1}>
            {list ? (
              <>
                {item.merges.length > 1 ? (
                  <NativeSelect.Root size="xs">
                    <NativeSelect.Field
                      name={`${item.field}:merge`}
                      onChange={(event) => setDraft({ ...draft, merge: event.target.value })}
                      value={draft.merge}
                    >
                      {item.merges.map((merge) => (
                        <option key={merge} value={merge}>
                          {label(t, "merge_", merge)}
                        </option>
                      ))}
                    </NativeSelect.Field>
                    <NativeSelect.Indicator />
                  </NativeSelect.Root>
                ) : undefined}
                <Textarea
                  disabled={draft.unset}
                  name={item.field}
                  onChange={(event) => setDraft({ ...draft, text: event.target.value })}
                  placeholder={item.kind === "addresses" ? "jefe@concesionaria.com.ar" : "role:credit_manager"}
                  rows={2}
                  size="sm"
                  value={draft.text}
                />
              </>
            ) : declared?.choices ? (
              <NativeSelect.Root disabled={draft.unset} size="sm">
                <NativeSelect.Field
                  name={item.field}
                  onChange={(event) => setDraft({ ...draft, text: event.target.value })}
                  value={draft.text}
                >
                  {declared.choices.map((choice) => (
                    <option key={choice} value={choice}>
                      {choice}
                    </option>
                  ))}
                </NativeSelect.Field>
                <NativeSelect.Indicator />
              </NativeSelect.Root>
            ) : (
              <Input
                disabled={draft.unset}
                name={item.field}
                onChange={(event) => setDraft({ ...draft, text: event.target.value })}
                size="sm"
                value={draft.text}
              />
            )}
            {item.override ? (
              <label style={{ fontSize: "0.8rem" }}>
                <input
                  checked={draft.unset}
                  name={`${item.field}:unset`}
                  onChange={(event) => setDraft({ ...draft, unset: event.target.checked })}
                  type="checkbox"
                />{" "}
                {t("backToFile")}
              </label>
            ) : undefined}
          </Stack>
        </Table.Cell>
      ) : undefined}
    </Table.Row>
  );
};

const VolumeLine = ({ volume }: { volume: Volume }) => {
  const { t } = useLocale();
  if (!volume.needs_confirmation) return null;
  return (
    <Notice status="warning">
      {t("volumeWarn", {
        baseline: volume.baseline,
        factor: volume.factor,
        from: t(`from_${volume.baseline_from}` as "from_last_run"),
      })}
    </Notice>
  );
};

const Editor = ({
  data,
  onSaved,
  session,
}: {
  data: FamilySettings;
  onSaved: (next: FamilySettings, conflict: boolean) => void;
  session: Session;
}) => {
  const { t, timezone } = useLocale();
  const start = useMemo(() => Object.fromEntries(data.fields.map((item) => [item.field, initialDraft(item)])), [data]);
  const [drafts, setDrafts] = useState<Record<string, Draft>>(start);
  const [reason, setReason] = useState("");
  const [preview, setPreview] = useState<SettingsPreview>();
  const [previewed, setPreviewed] = useState("");
  const [busy, setBusy] = useState("");
  const [error, setError] = useState<ApiError>();
  const [confirm, setConfirm] = useState<Volume>();
  useEffect(() => setDrafts(start), [start]);

  const changes = changesOf(data.fields, drafts);
  const key = JSON.stringify(changes);
  const mustPreview = session.can_trigger && previewed !== key;

  const runPreview = async () => {
    setError(undefined);
    setConfirm(undefined);
    if (changes.length === 0) {
      setError(new ApiError(400, t("noChanges"), []));
      return;
    }
    setBusy("preview");
    try {
      setPreview(await postJson<SettingsPreview>("api/settings/preview", { changes, family: data.family }));
      setPreviewed(key);
    } catch (reason_) {
      setPreview(undefined);
      setError(asError(reason_));
    } finally {
      setBusy("");
    }
  };

  const save = async (confirmed: boolean) => {
    setError(undefined);
    if (changes.length === 0) {
      setError(new ApiError(400, t("noChanges"), []));
      return;
    }
    if (!reason.trim()) {
      setError(new ApiError(400, t("needsReason"), []));
      return;
    }
    setBusy("save");
    try {
      const next = await postJson<FamilySettings>("api/settings/change", {
        changes,
        confirm: confirmed,
        family: data.family,
        reason,
        version: data.version,
      });
      setConfirm(undefined);
      setPreview(undefined);
      setPreviewed("");
      setReason("");
      onSaved(next, false);
    } catch (reason_) {
      const failed = asError(reason_);
      const body = (failed.body ?? {}) as { conflict?: boolean; current?: FamilySettings; needs_confirmation?: boolean; volume?: Volume };
      if (body.needs_confirmation && body.volume) {
        setConfirm(body.volume);
      } else {
        setError(failed);
        if (body.conflict && body.current) onSaved(body.current, true);
      }
    } finally {
      setBusy("");
    }
  };

  return (
    <Stack gap={3}>
      <DataTable testId="settings-fields">
        <Table.Header>
          <Table.Row>
            <Table.ColumnHeader width="30%">{t("colField")}</Table.ColumnHeader>
            <Table.ColumnHeader width="18%">{t("colFile")}</Table.ColumnHeader>
            <Table.ColumnHeader width="26%">{t("colEffective")}</Table.ColumnHeader>
            {data.can_edit ? <Table.ColumnHeader width="26%">{t("colNew")}</Table.ColumnHeader> : undefined}
          </Table.Row>
        </Table.Header>
        <Table.Body>
          {data.fields.map((item) => (
            <FieldRow
              canEdit={data.can_edit}
              draft={drafts[item.field] ?? initialDraft(item)}
              item={item}
              key={item.field}
              setDraft={(draft) => setDrafts({ ...drafts, [item.field]: draft })}
            />
          ))}
        </Table.Body>
      </DataTable>
      {data.can_edit ? (
        <Stack gap={2}>
          <HStack align="end" flexWrap="wrap" gap={3}>
            <Field.Root maxW="32rem">
              <Field.Label>{t("reasonLabel")}</Field.Label>
              <Input data-testid="settings-reason" onChange={(event) => setReason(event.target.value)} size="sm" value={reason} />
            </Field.Root>
            {session.can_trigger ? (
              <Button data-testid="settings-preview" loading={busy === "preview"} onClick={() => void runPreview()} size="sm" variant="outline">
                {t("previewNext")}
              </Button>
            ) : undefined}
            <Button
              data-testid="settings-save"
              disabled={mustPreview || changes.length === 0}
              loading={busy === "save"}
              onClick={() => void save(false)}
              size="sm"
            >
              {t("saveChanges")}
            </Button>
          </HStack>
          {mustPreview && changes.length > 0 ? (
            <Text color="fg.muted" fontSize="xs">
              {t("previewFirst")}
            </Text>
          ) : undefined}
        </Stack>
      ) : undefined}
      <ErrorLines error={error} />
      {confirm ? (
        <Box borderColor="border.warning" borderRadius="md" borderWidth="1px" data-testid="settings-confirm" p={3}>
          <Text mb={2}>{confirm.line}</Text>
          <VolumeLine volume={{ ...confirm, needs_confirmation: true }} />
          <Button colorPalette="orange" data-testid="settings-confirm-save" mt={2} onClick={() => void save(true)} size="sm">
            {t("confirmSave")}
          </Button>
        </Box>
      ) : undefined}
      {preview && previewed === key ? (
        <Stack data-testid="settings-preview-result" gap={2}>
          <Text data-testid="settings-preview-line" fontWeight="semibold">
            {t("nextRunLine", {
              already: preview.preview.counts.already_sent,
              current: preview.current.messages,
              proposed: preview.preview.counts.messages,
              when: formatInstant(preview.next_run, timezone),
              would: preview.preview.counts.would_send,
            })}
          </Text>
          <VolumeLine volume={preview.volume} />
          {preview.preview.messages.map((message) => (
            <MessageCard
              key={message.number}
              message={message}
              request={{ date: preview.preview.date, family: data.family, from_time: "", to_time: "" }}
            />
          ))}
        </Stack>
      ) : undefined}
    </Stack>
  );
};

const changeText = (t: ReturnType<typeof useLocale>["t"], side: HistoryItem["before"], list: boolean): string => {
  if (!side || (side.source === "file" && !side.text)) return t("fileValue");
  const text = list ? (side.entries ?? []).join(", ") : side.text;
  return (side.merge === "add" ? "+ " : "") + (text || "—");
};

const History = ({ data, onChange }: { data: FamilySettings; onChange: (next: FamilySettings, conflict: boolean) => void }) => {
  const { t, timezone } = useLocale();
  const [reverting, setReverting] = useState<number>();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const lists = new Set(data.fields.filter((item) => item.kind !== "setting").map((item) => item.field));

  const revert = async (change: number) => {
    setError(undefined);
    if (!reason.trim()) {
      setError(new ApiError(400, t("needsReason"), []));
      return;
    }
    setBusy(true);
    try {
      onChange(
        await postJson<FamilySettings>("api/settings/revert", { change, family: data.family, reason, version: data.version }),
        false,
      );
      setReverting(undefined);
      setReason("");
    } catch (reason_) {
      const failed = asError(reason_);
      const body = (failed.body ?? {}) as { conflict?: boolean; current?: FamilySettings };
      if (body.conflict && body.current) onChange(body.current, true);
      setError(failed);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section note={t("historyNote")} testId="settings-history" title={t("historyTitle")}>
      <ErrorLines error={error} />
      {data.history.length === 0 ? (
        <Text data-testid="no-history">{t("noHistory")}</Text>
      ) : (
        <DataTable testId="settings-history-table">
          <Table.Header>
            <Table.Row>
              <Table.ColumnHeader width="13%">{t("colWhen")}</Table.ColumnHeader>
              <Table.ColumnHeader width="11%">{t("colWho")}</Table.ColumnHeader>
              <Table.ColumnHeader width="40%">{t("colChange")}</Table.ColumnHeader>
              <Table.ColumnHeader width="22%">{t("colWhy")}</Table.ColumnHeader>
              {data.can_edit ? <Table.ColumnHeader width="14%" /> : undefined}
            </Table.Row>
          </Table.Header>
          <Table.Body>
            {data.history.map((item) => (
              <Table.Row data-change-id={item.kind === "change" ? item.id : undefined} data-kind={item.kind} key={`${item.kind}-${item.id}-${item.at}`}>
                <Table.Cell>
                  <Instant iso={item.at} />
                </Table.Cell>
                <Table.Cell data-id>{item.by}</Table.Cell>
                <Table.Cell data-col="change">
                  {item.kind === "change" ? (
                    <>
                      <Text data-id fontFamily="mono" fontSize="sm">
                        {item.field} <span style={{ opacity: 0.6 }}>v{item.version}</span>
                      </Text>
                      <Text data-id fontSize="sm">
                        <span data-col="before">{changeText(t, item.before, lists.has(item.field ?? ""))}</span>
                        {" → "}
                        <span data-col="after">
                          {item.action === "unset" ? t("fileValue") : changeText(t, item.after, lists.has(item.field ?? ""))}
                        </span>
                      </Text>
                    </>
                  ) : (
                    <Text>
                      {item.kind === "mute"
                        ? t("event_mute", { until: formatInstant(item.until, timezone) })
                        : t(`event_${item.kind}` as "event_off")}
                    </Text>
                  )}
                </Table.Cell>
                <Table.Cell>{item.reason}</Table.Cell>
                {data.can_edit ? (
                  <Table.Cell>
                    {item.kind === "change" ? (
                      reverting === item.id ? (
                        <Stack gap={1}>
                          <Input
                            data-testid="revert-reason"
                            onChange={(event) => setReason(event.target.value)}
                            placeholder={t("revertWhy")}
                            size="xs"
                            value={reason}
                          />
                          <Button data-testid="revert-confirm" loading={busy} onClick={() => void revert(item.id)} size="xs">
                            {t("revert")}
                          </Button>
                        </Stack>
                      ) : (
                        <Button data-testid="revert" onClick={() => setReverting(item.id)} size="xs" variant="outline">
                          {t("revert")}
                        </Button>
                      )
                    ) : undefined}
                  </Table.Cell>
                ) : undefined}
              </Table.Row>
            ))}
          </Table.Body>
        </DataTable>
      )}
    </Section>
  );
};

const FamilySettingsView = ({ family, session }: { family: string; session: Session }) => {
  const { t, timezone } = useLocale();
  const { data: loaded, error, loading, reload } = useApi<FamilySettings>("api/settings", { family });
  const [data, setData] = useState<FamilySettings>();
  const [note, setNote] = useState<{ conflict: boolean; text: string }>();
  useEffect(() => setData(loaded), [loaded]);

  if (loading && !data) return <Loading />;
  if (error) return <ErrorLines error={error} retry={reload} />;
  if (!data) return null;

  const updated = (next: FamilySettings, conflict: boolean) => {
    setData(next);
    setNote(
      conflict
        ? { conflict: true, text: t("conflictNote") }
        : { conflict: false, text: t("saved", { version: next.version, when: formatInstant(next.next_run, timezone) }) },
    );
  };

  return (
    <Stack data-testid="settings" data-version={data.version} gap={4}>
      <Text color="fg.muted" fontSize="sm">
        {t("settingsHelp")}
      </Text>
      {data.can_edit ? undefined : <Notice>{t("viewerNote")}</Notice>}
      {data.errors.length > 0 ? (
        <Notice status="warning">
          {t("settingsBroken")} {data.errors.join(" · ")}
        </Notice>
      ) : undefined}
      {note ? (
        <Box data-conflict={note.conflict} data-testid="settings-note">
          <Notice status={note.conflict ? "warning" : "info"}>{note.text}</Notice>
        </Box>
      ) : undefined}
      <StateBox data={data} onChange={(next) => updated(next, false)} />
      <Section note={t("fieldsNote")} testId="settings-fields-section" title={t("fieldsTitle")}>
        <Editor data={data} onSaved={updated} session={session} />
      </Section>
      <History data={data} onChange={updated} />
    </Stack>
  );
};

export const Settings = ({ family, session }: { family?: string; session: Session }) => {
  const { t } = useLocale();
  const [chosen, setChosen] = useState(family ?? "");
  return (
    <Stack gap={3}>
      {family ? undefined : (
        <Field.Root maxW="22rem">
          <Field.Label>{t("family")}</Field.Label>
          <NativeSelect.Root size="sm">
            <NativeSelect.Field
              data-testid="settings-family"
              name="settings_family"
              onChange={(event) => setChosen(event.target.value)}
              value={chosen}
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
      {chosen ? <FamilySettingsView family={chosen} key={chosen} session={session} /> : <Notice>{t("pickFamily")}</Notice>}
    </Stack>
  );
};
