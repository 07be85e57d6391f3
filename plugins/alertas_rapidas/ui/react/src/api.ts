// The page's calls to its own FastAPI app (`alertas/` under the UI's base URL), with the UI's
// session cookie. A refusal becomes an ApiError carrying the status and the server's lines.
import { useCallback, useEffect, useState } from "react";

export type Params = Record<string, string | number | undefined | null>;

export class ApiError extends Error {
  status: number;
  errors: string[];
  body: unknown;

  constructor(status: number, detail: string, errors: string[], body: unknown = undefined) {
    super(detail);
    this.status = status;
    this.errors = errors.length > 0 ? errors : [detail];
    this.body = body;
  }
}

export const apiUrl = (path: string, params: Params = {}): string => {
  const url = new URL(`alertas/${path}`, document.baseURI);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  return url.toString();
};

const read = async <T,>(response: Response): Promise<T> => {
  let body: unknown = undefined;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const data = (body ?? {}) as { detail?: unknown; errors?: unknown };
  const detail = typeof data.detail === "string" ? data.detail : response.statusText;
  const errors = Array.isArray(data.errors) ? data.errors.map(String) : [];
  if (response.status === 502 && body !== undefined) return body as T; // a delivery refused: its outcome
  throw new ApiError(response.status, detail, errors, body);
};

export const getJson = async <T,>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> =>
  read<T>(await fetch(apiUrl(path, params), { credentials: "same-origin", signal }));

export const postJson = async <T,>(path: string, body: unknown = {}): Promise<T> =>
  read<T>(
    await fetch(apiUrl(path), {
      body: JSON.stringify(body),
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      method: "POST",
    }),
  );

export type Loaded<T> = {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
};

// GET `path` now and whenever `params` change; `enabled` false waits (e.g. for a form).
export const useApi = <T,>(path: string, params: Params = {}, enabled = true): Loaded<T> => {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(enabled);
  const [round, setRound] = useState(0);
  const key = JSON.stringify(params);

  useEffect(() => {
    if (!enabled) return undefined;
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    getJson<T>(path, JSON.parse(key) as Params, controller.signal)
      .then((value) => {
        setData(value);
        setLoading(false);
      })
      .catch((reason: unknown) => {
        if (controller.signal.aborted) return;
        setData(undefined);
        setError(reason instanceof ApiError ? reason : new ApiError(0, String(reason), []));
        setLoading(false);
      });
    return () => controller.abort();
  }, [path, key, enabled, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data, error, loading, reload };
};
