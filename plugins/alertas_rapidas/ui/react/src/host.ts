// What the Airflow UI tells a plugin about its user, read where the UI keeps it.
//
// - Time zone: the user menu's choice, kept by the UI in localStorage "timezone" (a JSON string;
//   unset means the browser's zone). The UI announces a change with a "local-storage" event.
// - Language: the UI's i18next keeps its choice in localStorage "i18nextLng" and writes it to
//   <html lang> when it changes; the page speaks Spanish when it starts with "es", else English.
// - Theme: nothing to read. The page is rendered inside the UI's own Chakra provider with the
//   UI's Chakra components (globalThis.ChakraUI), so its semantic colours follow light and dark.
import { useEffect, useState } from "react";

export type Language = "es" | "en";

const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

export const readTimezone = (): string => {
  try {
    const stored = globalThis.localStorage?.getItem("timezone");
    if (stored) {
      const zone: unknown = JSON.parse(stored);
      if (typeof zone === "string" && zone) return zone;
    }
  } catch {
    // an unreadable value: the browser's zone, as the UI does
  }
  return browserZone();
};

export const readLanguage = (): Language => {
  let chosen = "";
  try {
    chosen = globalThis.localStorage?.getItem("i18nextLng") ?? "";
  } catch {
    chosen = "";
  }
  chosen = chosen || document.documentElement.lang || navigator.language || "en";
  return chosen.toLowerCase().startsWith("es") ? "es" : "en";
};

// Re-read `read` whenever the UI may have changed it (storage events, <html lang>).
const useHostValue = <T,>(read: () => T): T => {
  const [value, setValue] = useState<T>(read);

  useEffect(() => {
    const update = () => setValue(read());
    globalThis.addEventListener("storage", update);
    globalThis.addEventListener("local-storage", update);
    const observer = new MutationObserver(update);
    observer.observe(document.documentElement, { attributeFilter: ["lang"], attributes: true });
    return () => {
      globalThis.removeEventListener("storage", update);
      globalThis.removeEventListener("local-storage", update);
      observer.disconnect();
    };
  }, [read]);

  return value;
};

export const useHostTimezone = (): string => useHostValue(readTimezone);

export const useHostLanguage = (): Language => useHostValue(readLanguage);
