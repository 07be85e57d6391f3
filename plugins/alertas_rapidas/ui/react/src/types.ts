// The JSON of the plugin's app (plugins/alertas_rapidas/ui/*.py), as the page reads it.

export type Family = {
  broken: string | null;
  cron: string;
  dag_id: string;
  key: string;
  recurring: boolean;
  runs_per_day: number;
  timezone: string;
  title: string;
};

export type Session = {
  can_read_connections: boolean;
  can_trigger: boolean;
  families: Family[];
  retention_days: number;
  user: string;
};

export type DayCounts = {
  deferred: number;
  failed: number;
  family: string;
  in_progress: number;
  run_date: string | null;
  sent: number;
  skipped: number;
  skipped_by_reason: Record<string, number>;
  unknown: number;
};

export type RunSummary = {
  complete: boolean;
  counts: Record<string, number>;
  dag_id: string;
  family: string;
  finished_at: string | null;
  held: Record<string, number>;
  held_back: string[];
  mode: "dry_run" | "normal" | "redirected";
  problems: string[];
  run_date: string | null;
  run_id: string;
  skipped: Record<string, number>;
  changes?: string[];
  overrides?: { by?: string; field: string; merge?: string; source: string; value: string; version?: number }[];
  settings_version?: number;
};

export type AirflowRun = {
  attention: string[];
  bad: boolean;
  dag_id: string;
  family: string;
  run_after: string | null;
  run_id: string;
  run_type: string;
  state: string;
  summary?: RunSummary | null;
};

export type Unsubscribes = { family: string; latest: string | null; recipients: number };

export type Overview = {
  airflow_error: string | null;
  airflow_runs: AirflowRun[];
  days: DayCounts[];
  errors: string[];
  ledger: boolean | null;
  limits: { days: number; runs: number };
  mutes: MuteNow[];
  runs: RunSummary[];
  unsubscribes: Unsubscribes[];
};

export type RunDetail = {
  airflow: AirflowRun | null;
  airflow_error: string | null;
  causes: { cause: string; map_index: number; task_id: string }[];
  dag_id: string;
  errors: string[];
  messages: Record<string, number>;
  run_id: string;
  summary: RunSummary | null;
};

export type Message = {
  attempts: number;
  business_key: string;
  dag_id: string | null;
  eml: boolean | null;
  family: string;
  first_seen_at: string | null;
  key: string;
  message_id: string | null;
  reason: string | null;
  recipient_ref: string;
  recipients: string[] | null;
  refused: Record<string, string> | null;
  run_date: string | null;
  run_id: string | null;
  sent_at: string | null;
  smtp_response: string | null;
  status: string;
  subject: string | null;
  updated_at: string | null;
};

export type Search = { kind: string; limit: number; messages: Message[] };

export type PreviewMessage = {
  already_sent?: boolean;
  attachments: { inline: boolean; label: string; name: string }[];
  bcc: string[];
  business_key: string;
  cc: string[];
  html: string;
  language: string;
  ledger_status: string | null;
  number: string;
  recipient_ref: string;
  sent_at: string | null;
  sent_by_run: string | null;
  subject: string;
  to: string[];
  verdict: string;
};

export type Preview = {
  candidates: number;
  counts: { already_sent: number; held: number; messages: number; would_send: number };
  date: string;
  family: string;
  held_by_rule: Record<string, number>;
  line: string;
  messages: PreviewMessage[];
  runs: string[];
  skipped: Record<string, number>;
  timezone: string;
};

export type TestOutcome = {
  number: number;
  of: number;
  reason: string | null;
  sent: boolean;
  smtp_response: string | null;
  status: string;
  subject: string;
  to: string;
};

export type CheckStep = { code: string; detail: string; status: string; step: string };

export type MailServerCheck = { connection: string; elapsed_ms: number; ok: boolean; steps: CheckStep[] };

export type Connection = {
  admin_edits_ignored: boolean;
  conn_id: string;
  conn_type?: string;
  defined: boolean;
  errors: string[];
  extras?: Record<string, string>;
  hidden_extras?: string[];
  host?: string | null;
  login?: string | null;
  password_set?: boolean;
  port?: number | null;
  role: string;
  schema?: string | null;
  shadowed_entry: boolean;
  source: "environment" | "metadata_db" | "secrets_backend" | null;
  where: string | null;
};

export type MuteNow = {
  by: string;
  family: string;
  reason: string;
  since: string;
  state: "muted" | "off";
  until: string | null;
};

export type Shown = { entries: string[] | null; text: string };

export type SettingField = {
  declared?: { choices: string[] | null; max: number | null; min: number | null; type: string };
  description: string;
  effective: Shown;
  field: string;
  file: Shown;
  kind: "addresses" | "rules" | "setting";
  merges: string[];
  override: (Shown & { at: string; by: string; id: number; merge: string; reason: string; version: number }) | null;
  source: "file" | "override";
  stage: string | null;
  target: string;
};

export type HistorySide = { entries: string[] | null; merge: string | null; source: string; text: string };

export type HistoryItem = {
  action?: string;
  after?: HistorySide;
  at: string;
  before?: HistorySide;
  by: string;
  field?: string;
  id: number;
  kind: "change" | "mute" | "off" | "on";
  reason: string;
  reverts?: number | null;
  until?: string | null;
  version?: number;
};

export type FamilySettings = {
  can_edit: boolean;
  dag_id: string;
  errors: string[];
  family: string;
  fields: SettingField[];
  history: HistoryItem[];
  next_run: string;
  state: { mute: Record<string, unknown> | null; muted: boolean; off: boolean; on: boolean; text: string };
  timezone: string;
  title: string;
  version: number;
  volume_factor: number;
};

export type Volume = {
  baseline: number;
  baseline_from: string;
  error: string | null;
  factor: number;
  line: string;
  needs_confirmation: boolean;
  next_run: string;
  proposed: number;
};

export type SettingsPreview = {
  current: { candidates: number; messages: number };
  next_run: string;
  preview: Preview;
  version: number;
  volume: Volume;
};

export type Change = { action: "set" | "unset"; entries?: string[]; field: string; merge?: string; text?: string };
