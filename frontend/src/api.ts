// The REST half of the Jupyter Server API, as @jupyterlab/services uses it. No private endpoints.
import { config, encodePath } from "./config";

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public reason: string | null = null,
  ) {
    super(message);
  }
}

/** Fired when requests start failing at the network level, and when they work again. */
export const connectivity = new EventTarget();
let online = true;
function setOnline(v: boolean) {
  if (v !== online) {
    online = v;
    connectivity.dispatchEvent(new CustomEvent("change", { detail: v }));
  }
}
export function isOnline() {
  return online;
}

export function xsrfToken(): string {
  const m = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : "";
}

/** What request() reads of a response (index.html's prefetch hands over such an object, not a Response). */
type FetchedResponse = Pick<Response, "ok" | "status" | "statusText" | "text">;

declare global {
  interface Window {
    /** index.html's prefetch of the page's notebook; a big one's cells come first, in batches (JSON arrays'
     * text), to onBatch or, until it is set, into batches; the response is then the model without them. */
    folioPrefetch?: { url: string; response: Promise<FetchedResponse>; batches: string[]; onBatch: ((json: string) => void) | null };
  }
}

/** The response to a GET that index.html started before the bundle loaded (a notebook page fetches its
 * notebook while the script downloads and compiles), once, if it is for this very URL. */
function takePrefetched(method: string, url: string): Promise<FetchedResponse> | null {
  const pre = window.folioPrefetch;
  if (method !== "GET" || !pre || pre.url !== url) return null;
  window.folioPrefetch = undefined;
  return pre.response;
}

export async function request<T = unknown>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const xsrf = xsrfToken();
  if (xsrf) headers["X-XSRFToken"] = xsrf;
  if (config.token) headers["Authorization"] = `token ${config.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const full = config.baseUrl + url.replace(/^\//, "");
  let resp: FetchedResponse;
  try {
    resp = await (takePrefetched(method, full) ??
      fetch(full, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      }));
  } catch (e) {
    setOnline(false);
    throw new ApiError(0, "The server cannot be reached");
  }
  setOnline(true);
  if (!resp.ok) {
    let message = `${resp.status} ${resp.statusText}`;
    let reason: string | null = null;
    try {
      const text = await resp.text();
      try {
        const j = JSON.parse(text);
        message = j.message || message;
        reason = j.reason ?? null;
      } catch {
        if (text) message = text;
      }
    } catch {
      /* keep the status line */
    }
    throw new ApiError(resp.status, message, reason);
  }
  if (resp.status === 204) return undefined as T;
  const text = await resp.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export interface ContentsModel {
  name: string;
  path: string;
  type: "file" | "notebook" | "directory";
  writable: boolean;
  created: string;
  last_modified: string;
  size: number | null;
  mimetype: string | null;
  content: any;
  format: string | null;
  hash?: string | null;
  hash_algorithm?: string | null;
}

export interface Checkpoint {
  id: string;
  last_modified: string;
}

function q(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? "?" + parts.join("&") : "";
}

const C = (path: string) => `api/contents/${encodePath(path)}`;

export const contents = {
  /** A notebook's model as its page opens it (with its hash). When index.html's prefetch streams it, the cells
   * are handed to onCells in batches as they arrive, and the model returned holds those same cell objects;
   * otherwise onCells is not called. */
  async openNotebook(path: string, onCells: (cells: any[]) => void): Promise<ContentsModel> {
    const url = C(path) + q({ type: "notebook", content: 1, hash: 1 });
    const pre = window.folioPrefetch;
    const streamed: any[] = [];
    let broken = false;
    if (pre && pre.url === config.baseUrl + url && pre.batches) {
      const take = (json: string) => {
        if (broken) return;
        try {
          const cells = JSON.parse(json);
          for (const c of cells) streamed.push(c);
          onCells(cells);
        } catch (e) {
          broken = true;
          console.error("folio: a batch of streamed cells failed", e);
        }
      };
      pre.onBatch = take;
      pre.batches.splice(0).forEach(take);
    }
    const model = await request<ContentsModel>("GET", url);
    if (streamed.length && Array.isArray(model.content?.cells) && model.content.cells.length === 0) {
      // A batch that failed leaves the cells incomplete: read the notebook again, whole.
      if (broken) return request<ContentsModel>("GET", url);
      model.content.cells = streamed;
    }
    return model;
  },
  get(path: string, opts: { type?: string; format?: string; content?: 0 | 1; hash?: 0 | 1 } = {}) {
    return request<ContentsModel>("GET", C(path) + q(opts));
  },
  newUntitled(dir: string, body: { type?: string; ext?: string }) {
    return request<ContentsModel>("POST", C(dir), body);
  },
  copy(fromPath: string, toDir: string) {
    return request<ContentsModel>("POST", C(toDir), { copy_from: fromPath });
  },
  save(path: string, model: Partial<ContentsModel> & { chunk?: number }) {
    return request<ContentsModel>("PUT", C(path), model);
  },
  rename(path: string, newPath: string) {
    return request<ContentsModel>("PATCH", C(path), { path: newPath });
  },
  delete(path: string) {
    return request<void>("DELETE", C(path));
  },
  listCheckpoints(path: string) {
    return request<Checkpoint[]>("GET", C(path) + "/checkpoints");
  },
  createCheckpoint(path: string) {
    return request<Checkpoint>("POST", C(path) + "/checkpoints");
  },
  restoreCheckpoint(path: string, id: string) {
    return request<void>("POST", C(path) + "/checkpoints/" + encodeURIComponent(id));
  },
  trust(path: string) {
    return request<void>("POST", C(path) + "/trust");
  },
};

export interface KernelSpec {
  name: string;
  spec: { display_name: string; language: string; argv: string[]; metadata?: any };
  resources: Record<string, string>;
}
export interface KernelSpecs {
  default: string;
  kernelspecs: Record<string, KernelSpec>;
}
export interface KernelModel {
  id: string;
  name: string;
  execution_state: string;
  last_activity?: string;
  connections?: number;
}
export interface SessionModel {
  id: string;
  path: string;
  name: string;
  type: string;
  kernel: KernelModel | null;
}

let specsCache: Promise<KernelSpecs> | null = null;
export const kernelspecs = {
  get(refresh = false) {
    if (!specsCache || refresh) {
      specsCache = request<KernelSpecs>("GET", "api/kernelspecs");
      specsCache.catch(() => (specsCache = null));
    }
    return specsCache;
  },
};

export const kernels = {
  get: (id: string) => request<KernelModel>("GET", `api/kernels/${id}`),
  list: () => request<KernelModel[]>("GET", "api/kernels"),
  interrupt: (id: string) => request<void>("POST", `api/kernels/${id}/interrupt`),
  restart: (id: string) => request<KernelModel>("POST", `api/kernels/${id}/restart`),
  shutdown: (id: string) => request<void>("DELETE", `api/kernels/${id}`),
};

export const sessions = {
  list: () => request<SessionModel[]>("GET", "api/sessions"),
  create: (path: string, kernelName: string) =>
    request<SessionModel>("POST", "api/sessions", {
      path,
      type: "notebook",
      name: path.split("/").pop() ?? "",
      kernel: { name: kernelName },
    }),
  patch: (id: string, body: Record<string, unknown>) => request<SessionModel>("PATCH", `api/sessions/${id}`, body),
  delete: (id: string) => request<void>("DELETE", `api/sessions/${id}`),
};

export function filesUrl(path: string, download = false): string {
  return `${config.baseUrl}files/${encodePath(path)}${download ? "?download=1" : ""}`;
}
