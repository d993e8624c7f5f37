// Page configuration: the server embeds a small JSON blob in index.html (see
// src/folio/server/routes/ui.py). Everything else comes from the URL, like Notebook 7.

export interface PageConfig {
  baseUrl: string; // always ends with "/"
  token: string; // only when the page load was authenticated; "" otherwise
  appName: string;
  version: string;
  authEnabled: boolean;
}

function readConfig(): PageConfig {
  const el = document.getElementById("folio-page-config");
  let raw: Partial<PageConfig> = {};
  if (el?.textContent) {
    try {
      raw = JSON.parse(el.textContent);
    } catch {
      /* fall through to defaults */
    }
  }
  let baseUrl = raw.baseUrl ?? "/";
  if (!baseUrl.endsWith("/")) baseUrl += "/";
  return { baseUrl, token: raw.token ?? "", appName: raw.appName ?? "folio", version: raw.version ?? "", authEnabled: raw.authEnabled ?? false };
}

export const config = readConfig();

export type Page =
  | { kind: "tree"; path: string }
  | { kind: "notebook"; path: string }
  | { kind: "edit"; path: string };

/** Which page the current URL names: /tree/<dir>, /notebooks/<path>, /edit/<path>. */
export function currentPage(): Page {
  let rel = location.pathname;
  const base = config.baseUrl;
  if (rel.startsWith(base)) rel = rel.slice(base.length);
  else rel = rel.replace(/^\//, "");
  const [head, ...rest] = rel.split("/");
  const path = rest.filter((s) => s !== "").map(decodeURIComponent).join("/");
  if (head === "notebooks") return { kind: "notebook", path };
  if (head === "edit") return { kind: "edit", path };
  return { kind: "tree", path };
}

export function encodePath(path: string): string {
  return path
    .split("/")
    .filter((s) => s !== "")
    .map(encodeURIComponent)
    .join("/");
}

export function pageUrl(kind: "tree" | "notebooks" | "edit" | "files", path: string): string {
  const p = encodePath(path);
  return `${config.baseUrl}${kind}${p ? "/" + p : ""}`;
}
