// The Alertas page (Browse > Alertas Rápidas) and, for one family, the DAG's Alertas tab. The
// tabs a user sees are those they can use: a viewer gets the overview and the settings (to read).
import { Box, Heading, HStack, Tabs, Text } from "@chakra-ui/react";
import { useSearchParams } from "react-router-dom";

import { Notice } from "./common";
import { useLocale, zoneOffset } from "./i18n";
import { MessageSearch } from "./MessageSearch";
import { Overview } from "./Overview";
import { Preview } from "./Preview";
import { Server } from "./Server";
import { Settings } from "./Settings";
import type { Session } from "./types";

export const TimesIn = () => {
  const { t, timezone } = useLocale();
  return (
    <Text color="fg.muted" data-testid="times-in" data-timezone={timezone} fontSize="sm">
      {t("timesIn", { zone: `${timezone} (${zoneOffset(timezone)})` })}
    </Text>
  );
};

export const Page = ({ family, session }: { family?: string; session: Session }) => {
  const { t } = useLocale();
  const [search, setSearch] = useSearchParams();
  const tabs = [
    { content: <Overview family={family} session={session} />, label: t("tabOverview"), value: "overview" },
    { content: <Settings family={family} session={session} />, label: t("tabSettings"), value: "settings" },
    ...(session.can_trigger
      ? [
          { content: <MessageSearch family={family} session={session} />, label: t("tabMessages"), value: "messages" },
          { content: <Preview family={family} session={session} />, label: t("tabPreview"), value: "preview" },
        ]
      : []),
    ...(!family && (session.can_trigger || session.can_read_connections)
      ? [{ content: <Server session={session} />, label: t("tabServer"), value: "server" }]
      : []),
  ];
  const asked = search.get("tab");
  const current = tabs.some((tab) => tab.value === asked) ? (asked as string) : "overview";
  const title = family ? session.families.find((item) => item.key === family)?.title ?? family : t("title");

  return (
    <Box data-testid="alertas-page" px={family ? 0 : 2} py={family ? 0 : 2}>
      <HStack align="baseline" flexWrap="wrap" justify="space-between" mb={1}>
        <Heading as="h2" data-testid="page-title" size={family ? "lg" : "xl"}>
          {family ? t("dagTitle", { title }) : title}
        </Heading>
        <TimesIn />
      </HStack>
      {family ? undefined : (
        <Text color="fg.muted" mb={3}>
          {t("subtitle")}
        </Text>
      )}
      {session.families.some((item) => item.broken) && !family ? (
        <Notice status="warning">
          {session.families
            .filter((item) => item.broken)
            .map((item) => `${item.key}: ${item.broken}`)
            .join(" · ")}
        </Notice>
      ) : undefined}
      <Tabs.Root
        lazyMount
        onValueChange={(details) => {
          const next = new URLSearchParams(search);
          next.set("tab", details.value);
          setSearch(next, { replace: true });
        }}
        value={current}
        variant="line"
      >
        <Tabs.List display={tabs.length > 1 ? undefined : "none"}>
          {tabs.map((tab) => (
            <Tabs.Trigger data-testid={`tab-${tab.value}`} key={tab.value} value={tab.value}>
              {tab.label}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        {tabs.map((tab) => (
          <Tabs.Content key={tab.value} value={tab.value}>
            {tab.content}
          </Tabs.Content>
        ))}
      </Tabs.Root>
    </Box>
  );
};
