// The component the Airflow UI renders for each of the plugin's react_apps: the page (no ids), a
// DAG's tab (dagId) or a DAG run's tab (dagId and runId). It follows the user's language and time
// zone as the UI keeps them (host.ts) and asks the server what the user may do.
import { Box } from "@chakra-ui/react";

import { useApi } from "./api";
import { ErrorLines, Loading, Notice } from "./common";
import { useHostLanguage, useHostTimezone } from "./host";
import { LocaleContext, translator, useLocale } from "./i18n";
import { Page } from "./Page";
import { RunTab } from "./RunTab";
import type { Session } from "./types";

export type PluginProps = { dagId?: string; mapIndex?: string; runId?: string; taskId?: string };

const View = ({ dagId, runId }: PluginProps) => {
  const { t } = useLocale();
  const { data: session, error, loading, reload } = useApi<Session>("api/session");
  if (loading) return <Loading />;
  if (error || !session) return <ErrorLines error={error} retry={reload} />;
  if (dagId === undefined) return <Page session={session} />;
  const family = session.families.find((item) => item.dag_id === dagId);
  if (!family) return <Notice>{t("notAlert")}</Notice>;
  if (runId !== undefined) return <RunTab dagId={dagId} runId={runId} session={session} />;
  return <Page family={family.key} session={session} />;
};

export const AlertasApp = (props: PluginProps) => {
  const language = useHostLanguage();
  const timezone = useHostTimezone();
  return (
    <LocaleContext.Provider value={{ language, t: translator(language), timezone }}>
      <Box
        data-language={language}
        data-testid="alertas-root"
        lang={language === "es" ? "es-AR" : "en"}
        p={{ base: 2, md: 3 }}
      >
        <View {...props} />
      </Box>
    </LocaleContext.Provider>
  );
};
