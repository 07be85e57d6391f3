// Every string of the page in English and Spanish, and the formats of times and counts.
// Data the server stores as written (run problems, failure causes, SMTP replies) is shown as is.
import { createContext, useContext } from "react";

import type { Language } from "./host";

const en = {
  title: "Alertas Rápidas",
  subtitle:
    "What the alerts sent, per family and day; every run with its state and problems; what a date would send.",
  timesIn: "Times in {zone}",
  loading: "Loading…",
  retry: "Try again",
  user: "Signed in as {user}",

  tabOverview: "Overview",
  tabMessages: "Message search",
  tabPreview: "Preview and test",
  tabServer: "Mail server and connections",

  family: "Family",
  allFamilies: "All families",
  dateFrom: "From (YYYY-MM-DD)",
  dateTo: "To (YYYY-MM-DD)",
  filter: "Filter",
  clear: "Clear",
  dateHint: "A date is written YYYY-MM-DD: 1 November 2026 is 2026-11-01.",

  daysTitle: "Messages per family and day",
  daysNote:
    "From the delivery ledger: each message once, in its current state. Dry runs and redirected runs leave the ledger untouched.",
  runDate: "Run date",
  forDate: "for",
  sent: "Sent",
  skipped: "Skipped",
  alreadySent: "Already sent",
  skippedByReason: "Skipped by reason",
  failed: "Failed",
  deferred: "Deferred",
  unknown: "Unknown",
  inProgress: "In progress",
  noDays: "No messages in the ledger for these filters.",
  noLedger: "No ledger yet: no alert has run against this database.",
  limitNote: "The latest {n} rows.",

  airflowRunsTitle: "Runs in Airflow",
  airflowRunsNote:
    "Every run of an alert, as Airflow sees it: failed and retrying runs first catch the eye, with their problems.",
  state: "State",
  alert: "Alert",
  run: "Run",
  when: "When",
  type: "Type",
  mode: "Mode",
  summary: "Summary",
  problems: "Problems",
  noAirflowRuns: "No runs of an alert in Airflow.",

  runLogTitle: "Last runs (run log)",
  finished: "Finished",
  candidates: "Candidates",
  noRuns: "No run recorded in the run log.",

  unsubscribesTitle: "Unsubscribes",
  unsubscribesNote: "Recipients who unsubscribed from a recurring alert (counts only).",
  recipients: "Recipients",
  latest: "Latest",
  everyRecurring: "* (every recurring alert)",

  mode_normal: "normal",
  mode_dry_run: "dry run",
  mode_redirected: "redirected",

  line_dry: "dry run: rendered {n}",
  line_sent: "sent {n}",
  line_already: "already sent {n}",
  line_skipped: "skipped {n}",
  line_failed: "failed {n}",
  line_deferred: "deferred {n}",
  line_unknown: "unknown {n}",
  line_redirected: "redirected {n}",
  line_stale: "held back: stale data ({list})",
  noSummary: "no summary yet",

  msgSearchTitle: "Message search",
  msgSearchHelp:
    "A DMS reference (customer:42, statement:2026-10), an address (ana@example.com, or @example.com for a whole domain) or words of the subject; with a family and run dates if you like.",
  searchLabel: "Reference, address or subject words",
  search: "Search",
  searchLogged:
    "Every search is logged with who asked and a hash of the query, never the query itself.",
  results: "{n} message(s)",
  resultsLimit: "{n} message(s): the latest {limit} shown; narrow the search to see older ones.",
  noMessages: "No message matches.",
  to: "To",
  subject: "Subject",
  attempts: "Tries",
  smtpReply: "SMTP reply",
  reference: "Reference",
  refused: "Refused: {list}",
  openEml: "Open .eml",
  emlGone: "no longer kept",
  emlNote: "Run folders, with each sent .eml, are kept {days} days.",
  inDigest: "carried by a digest",

  status_sent: "sent",
  status_skipped: "skipped",
  status_failed: "failed",
  status_deferred: "deferred",
  status_unknown: "unknown",
  status_sending: "sending",
  status_pending: "pending",

  previewTitle: "Preview",
  previewHelp:
    "What the family's runs of a day would send, rendered as a run renders it (the same sender and link secret), with what the ledger says of each message. Nothing is sent and the ledger is not written.",
  previewDate: "Date (YYYY-MM-DD)",
  runsOfDay: "Runs",
  wholeDay: "Every run of the day ({n})",
  oneRun: "The day's run",
  between: "Runs between",
  and: "and",
  timeHint: "HH:MM, dealership time",
  previewButton: "Preview",
  previewing: "Rendering what the runs would send…",
  previewCounts: "{runs} run(s): would send {would}, already sent {already}, held {held}",
  previewNone: "No message: the runs of this day would send nothing.",
  verdict_would_send: "would send",
  verdict_already_sent: "already sent",
  verdict_held_failed: "held: failed before",
  verdict_held_unknown: "held: outcome unknown",
  skippedList: "Skipped: {list}",
  heldByRule: "Held by the repeat rule: {list}",
  cc: "Cc",
  bcc: "Bcc",
  view: "View",
  download: "Download",
  body: "Body",
  testTo: "Send a test to",
  testPlaceholder: "your address",
  testButton: "Send this one to me",
  testNote:
    "Each button sends only its message, only to this address, with [TEST] before the subject; the ledger is not touched.",
  testSent: "Sent to {to}: {reply}",
  testFailed: "Not sent ({status}): {reason}",
  testNeedsAddress: "Write the address to send the test to.",

  serverTitle: "Mail server",
  serverHelp:
    "Connects to smtp_default as a run does (TLS, login), offers the run's sender with MAIL FROM and takes it back with RSET. Nothing is sent.",
  serverButton: "Test the mail server",
  serverOk: "The mail server works with these settings ({ms} ms).",
  serverFailed: "The mail server does not work with these settings.",
  step_connect: "Connect",
  step_tls: "TLS",
  step_login: "Login",
  step_sender: "Sender",
  stepStatus_ok: "OK",
  stepStatus_failed: "failed",
  stepStatus_not_used: "not used",
  stepStatus_not_reached: "not reached",
  stepCode_plain_text: "plain text, no TLS (a local relay only; a password is never sent so)",
  stepCode_no_login: "the connection has no login",
  stepCode_logged_in: "logged in",

  connectionsTitle: "Connections",
  connectionsHelp:
    "The connections the package uses, as the API server finds them: the secrets backend first, then the environment, then Admin > Connections. Passwords are never shown.",
  connection: "Connection",
  usedFor: "Used for",
  definedIn: "Defined in",
  target: "Target",
  password: "Password",
  passwordSet: "set (hidden)",
  passwordNone: "none",
  host: "host",
  port: "port",
  schema: "database",
  login: "login",
  source_environment: "environment variable {where}",
  source_metadata_db: "Admin > Connections (metadata database)",
  source_secrets_backend: "secrets backend {where}",
  notDefined: "not defined: runs fail until it is",
  adminIgnored: "An edit in Admin > Connections is silently ignored while this one is set.",
  shadowed: "Admin > Connections also holds an entry with this id: it is ignored.",
  role_dms_postgres: "the DMS, read-only (extract)",
  role_alerts_postgres: "the package's own database (ledger, run log)",
  role_smtp_default: "the outgoing mail server",
  role_work: "the object store of the run files (ALERTAS_WORK_CONN_ID)",

  dagTitle: "{title}: messages and runs",
  notAlert: "This DAG is not an alert family: the Alertas tab has nothing to show for it.",
  runTitle: "This run",
  runNoSummary:
    "No summary for this run: it has not reached its summarize task (it failed earlier, or is still running).",
  runCauses: "Why its tasks failed",
  runMessages: "Its messages in the ledger",
  runMessagesNote: "The messages this run was the last to send or skip, by state.",
  runMessagesList: "Its messages",
  runNoMessages: "None: no message of this run is in the ledger (a dry or redirected run writes none).",
  heldBack: "Held back: interface {list} was stale",
  airflowState: "Airflow state",
  openRun: "Open the run",
  openAlertasTab: "Alertas tab",

  forbidden: "Your Airflow role does not allow this.",
  forbiddenTrigger: "Only users who may trigger DAG runs may do this.",
  loginNeeded: "Log in to Airflow to see this page.",
  failedToLoad: "The page's data could not be loaded: {error}",
  ledgerDown: "The ledger database cannot be read: the counts are not shown.",

  reason_no_email: "no e-mail",
  reason_malformed_email: "malformed e-mail",
  reason_reserved_domain: "reserved domain",
  reason_opted_out: "opted out",
  reason_unsubscribed: "unsubscribed",
  reason_inactive: "inactive",
  reason_no_activity: "no activity",
  reason_no_recipient: "no recipient",
  reason_no_manager: "no manager",
  reason_not_covered: "not covered",
  reason_repeat_done: "repeats done",
  reason_repeat_not_due: "repeat not due",
  reason_unknown_before: "unknown before",
  reason_failed_before: "failed before",

  airflow_success: "success",
  airflow_failed: "failed",
  airflow_running: "running",
  airflow_queued: "queued",
  airflow_retrying: "retrying",
};

export type Key = keyof typeof en;

const es: Record<Key, string> = {
  title: "Alertas Rápidas",
  subtitle:
    "Qué enviaron las alertas, por familia y día; cada corrida con su estado y sus problemas; qué enviaría una fecha.",
  timesIn: "Horarios en {zone}",
  loading: "Cargando…",
  retry: "Reintentar",
  user: "Sesión de {user}",

  tabOverview: "Resumen",
  tabMessages: "Búsqueda de mensajes",
  tabPreview: "Vista previa y prueba",
  tabServer: "Servidor de correo y conexiones",

  family: "Familia",
  allFamilies: "Todas las familias",
  dateFrom: "Desde (AAAA-MM-DD)",
  dateTo: "Hasta (AAAA-MM-DD)",
  filter: "Filtrar",
  clear: "Limpiar",
  dateHint: "Las fechas se escriben AAAA-MM-DD: el 1 de noviembre de 2026 es 2026-11-01.",

  daysTitle: "Mensajes por familia y día",
  daysNote:
    "Del registro de envíos: cada mensaje una vez, en su estado actual. Las corridas de prueba y las redirigidas no tocan el registro.",
  runDate: "Fecha",
  forDate: "del",
  sent: "Enviados",
  skipped: "Omitidos",
  alreadySent: "Ya enviados",
  skippedByReason: "Omitidos por motivo",
  failed: "Fallidos",
  deferred: "Diferidos",
  unknown: "Desconocidos",
  inProgress: "En curso",
  noDays: "El registro no tiene mensajes para estos filtros.",
  noLedger: "Todavía no hay registro de envíos: ninguna alerta corrió contra esta base.",
  limitNote: "Las últimas {n} filas.",

  airflowRunsTitle: "Corridas en Airflow",
  airflowRunsNote:
    "Cada corrida de una alerta, como la ve Airflow: las fallidas y las que reintentan se destacan, con sus problemas.",
  state: "Estado",
  alert: "Alerta",
  run: "Corrida",
  when: "Cuándo",
  type: "Tipo",
  mode: "Modo",
  summary: "Resumen",
  problems: "Problemas",
  noAirflowRuns: "Airflow no tiene corridas de alertas.",

  runLogTitle: "Últimas corridas (registro de corridas)",
  finished: "Terminó",
  candidates: "Candidatos",
  noRuns: "El registro de corridas está vacío.",

  unsubscribesTitle: "Bajas",
  unsubscribesNote: "Destinatarios que se dieron de baja de una alerta recurrente (solo cantidades).",
  recipients: "Destinatarios",
  latest: "Última",
  everyRecurring: "* (todas las alertas recurrentes)",

  mode_normal: "normal",
  mode_dry_run: "prueba sin envío",
  mode_redirected: "redirigida",

  line_dry: "prueba sin envío: armados {n}",
  line_sent: "enviados {n}",
  line_already: "ya enviados {n}",
  line_skipped: "omitidos {n}",
  line_failed: "fallidos {n}",
  line_deferred: "diferidos {n}",
  line_unknown: "desconocidos {n}",
  line_redirected: "redirigidos {n}",
  line_stale: "retenida: datos desactualizados ({list})",
  noSummary: "todavía sin resumen",

  msgSearchTitle: "Búsqueda de mensajes",
  msgSearchHelp:
    "Una referencia del DMS (customer:42, statement:2026-10), una dirección (ana@ejemplo.com, o @ejemplo.com para todo un dominio) o palabras del asunto; si querés, con una familia y fechas.",
  searchLabel: "Referencia, dirección o palabras del asunto",
  search: "Buscar",
  searchLogged: "Cada búsqueda queda registrada con quién la hizo y un hash de lo buscado, nunca lo buscado.",
  results: "{n} mensaje(s)",
  resultsLimit: "{n} mensaje(s): se muestran los últimos {limit}; acotá la búsqueda para ver anteriores.",
  noMessages: "Ningún mensaje coincide.",
  to: "Para",
  subject: "Asunto",
  attempts: "Intentos",
  smtpReply: "Respuesta SMTP",
  reference: "Referencia",
  refused: "Rechazados: {list}",
  openEml: "Abrir .eml",
  emlGone: "ya no se guarda",
  emlNote: "Las carpetas de las corridas, con cada .eml enviado, se guardan {days} días.",
  inDigest: "incluido en un resumen",

  status_sent: "enviado",
  status_skipped: "omitido",
  status_failed: "fallido",
  status_deferred: "diferido",
  status_unknown: "desconocido",
  status_sending: "enviando",
  status_pending: "pendiente",

  previewTitle: "Vista previa",
  previewHelp:
    "Lo que enviarían las corridas de un día de la familia, armado como lo arma una corrida (el mismo remitente y el mismo secreto de los enlaces), con lo que dice el registro de cada mensaje. No se envía nada ni se escribe en el registro.",
  previewDate: "Fecha (AAAA-MM-DD)",
  runsOfDay: "Corridas",
  wholeDay: "Todas las corridas del día ({n})",
  oneRun: "La corrida del día",
  between: "Corridas entre",
  and: "y",
  timeHint: "HH:MM, hora de la concesionaria",
  previewButton: "Ver vista previa",
  previewing: "Armando lo que enviarían las corridas…",
  previewCounts: "{runs} corrida(s): enviaría {would}, ya enviados {already}, retenidos {held}",
  previewNone: "Ningún mensaje: las corridas de este día no enviarían nada.",
  verdict_would_send: "se enviaría",
  verdict_already_sent: "ya enviado",
  verdict_held_failed: "retenido: falló antes",
  verdict_held_unknown: "retenido: resultado desconocido",
  skippedList: "Omitidos: {list}",
  heldByRule: "Retenidos por la regla de repetición: {list}",
  cc: "Cc",
  bcc: "Cco",
  view: "Ver",
  download: "Descargar",
  body: "Cuerpo",
  testTo: "Enviar una prueba a",
  testPlaceholder: "tu dirección",
  testButton: "Enviarme este",
  testNote:
    "Cada botón envía solo su mensaje, solo a esta dirección, con [TEST] antes del asunto; no se toca el registro de envíos.",
  testSent: "Enviado a {to}: {reply}",
  testFailed: "No se envió ({status}): {reason}",
  testNeedsAddress: "Escribí la dirección a la que enviar la prueba.",

  serverTitle: "Servidor de correo",
  serverHelp:
    "Se conecta a smtp_default como una corrida (TLS, inicio de sesión), ofrece el remitente de las corridas con MAIL FROM y lo retira con RSET. No se envía nada.",
  serverButton: "Probar el servidor de correo",
  serverOk: "El servidor de correo funciona con esta configuración ({ms} ms).",
  serverFailed: "El servidor de correo no funciona con esta configuración.",
  step_connect: "Conexión",
  step_tls: "TLS",
  step_login: "Inicio de sesión",
  step_sender: "Remitente",
  stepStatus_ok: "OK",
  stepStatus_failed: "falló",
  stepStatus_not_used: "no se usa",
  stepStatus_not_reached: "no se llegó",
  stepCode_plain_text: "texto plano, sin TLS (solo un relay local; así nunca se envía una contraseña)",
  stepCode_no_login: "la conexión no tiene usuario",
  stepCode_logged_in: "sesión iniciada",

  connectionsTitle: "Conexiones",
  connectionsHelp:
    "Las conexiones que usa el paquete, como las encuentra el servidor de la API: primero el backend de secretos, después el entorno, después Admin > Conexiones. Las contraseñas nunca se muestran.",
  connection: "Conexión",
  usedFor: "Para",
  definedIn: "Definida en",
  target: "Destino",
  password: "Contraseña",
  passwordSet: "cargada (oculta)",
  passwordNone: "ninguna",
  host: "host",
  port: "puerto",
  schema: "base",
  login: "usuario",
  source_environment: "variable de entorno {where}",
  source_metadata_db: "Admin > Conexiones (base de metadatos)",
  source_secrets_backend: "backend de secretos {where}",
  notDefined: "no definida: las corridas fallan hasta que se defina",
  adminIgnored: "Un cambio en Admin > Conexiones se ignora sin aviso mientras esta esté definida.",
  shadowed: "Admin > Conexiones también tiene una entrada con este id: se ignora.",
  role_dms_postgres: "el DMS, solo lectura (extracción)",
  role_alerts_postgres: "la base propia del paquete (registro de envíos y de corridas)",
  role_smtp_default: "el servidor de correo saliente",
  role_work: "el almacén de objetos de los archivos de las corridas (ALERTAS_WORK_CONN_ID)",

  dagTitle: "{title}: mensajes y corridas",
  notAlert: "Este DAG no es una familia de alertas: la pestaña Alertas no tiene nada que mostrar.",
  runTitle: "Esta corrida",
  runNoSummary:
    "Esta corrida no tiene resumen: no llegó a su tarea summarize (falló antes o sigue corriendo).",
  runCauses: "Por qué fallaron sus tareas",
  runMessages: "Sus mensajes en el registro",
  runMessagesNote: "Los mensajes que esta corrida fue la última en enviar u omitir, por estado.",
  runMessagesList: "Sus mensajes",
  runNoMessages: "Ninguno: el registro no tiene mensajes de esta corrida (una corrida de prueba o redirigida no escribe ninguno).",
  heldBack: "Retenida: la interfaz {list} estaba desactualizada",
  airflowState: "Estado en Airflow",
  openRun: "Abrir la corrida",
  openAlertasTab: "Pestaña Alertas",

  forbidden: "Tu rol de Airflow no permite esto.",
  forbiddenTrigger: "Solo quienes pueden lanzar corridas de DAG pueden hacer esto.",
  loginNeeded: "Iniciá sesión en Airflow para ver esta página.",
  failedToLoad: "No se pudieron cargar los datos de la página: {error}",
  ledgerDown: "No se puede leer la base del registro de envíos: no se muestran las cantidades.",

  reason_no_email: "sin e-mail",
  reason_malformed_email: "e-mail mal formado",
  reason_reserved_domain: "dominio reservado",
  reason_opted_out: "no quiere alertas",
  reason_unsubscribed: "dado de baja",
  reason_inactive: "inactivo",
  reason_no_activity: "sin movimientos",
  reason_no_recipient: "sin destinatario",
  reason_no_manager: "sin responsable",
  reason_not_covered: "no cubierto",
  reason_repeat_done: "repeticiones cumplidas",
  reason_repeat_not_due: "repetición no vencida",
  reason_unknown_before: "desconocido antes",
  reason_failed_before: "falló antes",

  airflow_success: "exitosa",
  airflow_failed: "fallida",
  airflow_running: "en curso",
  airflow_queued: "en cola",
  airflow_retrying: "reintentando",
};

const dictionaries: Record<Language, Record<Key, string>> = { en, es };

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

export const translator =
  (language: Language): Translate =>
  (key, vars = {}) =>
    dictionaries[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in vars ? String(vars[name]) : whole,
    );

// A translation of a code the server sends (a skip reason, a state), else the code itself.
export const label = (t: Translate, prefix: string, code: string): string => {
  const key = `${prefix}${code}` as Key;
  return key in en ? t(key) : code;
};

export type Locale = { language: Language; t: Translate; timezone: string };

export const LocaleContext = createContext<Locale>({ language: "en", t: translator("en"), timezone: "UTC" });

export const useLocale = (): Locale => useContext(LocaleContext);

// An instant in the user's zone, written unambiguously: 2026-11-01 08:00 (ISO order, 24 h).
export const formatInstant = (iso: string | null | undefined, timezone: string): string => {
  if (!iso) return "";
  const parts = new Intl.DateTimeFormat("en-CA", {
    day: "2-digit",
    hour: "2-digit",
    hourCycle: "h23",
    minute: "2-digit",
    month: "2-digit",
    timeZone: timezone,
    year: "numeric",
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((item) => item.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}`;
};

// The zone's offset now, e.g. "UTC-03:00", for the page's "Times in ..." line.
export const zoneOffset = (timezone: string): string => {
  const name = new Intl.DateTimeFormat("en-US", { timeZone: timezone, timeZoneName: "longOffset" })
    .formatToParts(new Date())
    .find((item) => item.type === "timeZoneName")?.value;
  return name === "GMT" || !name ? "UTC" : name.replace("GMT", "UTC");
};
