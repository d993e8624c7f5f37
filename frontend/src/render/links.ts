// Relative links and images in markdown and HTML outputs point at files next to the notebook, as in
// JupyterLab: images load from /files/<dir>/…, links to notebooks open /notebooks/…, other files /files/….
import { pageUrl } from "../config";

let documentDir = "";

export function setDocumentDir(dir: string) {
  documentDir = dir;
}

function isRelative(url: string): boolean {
  return url !== "" && !/^([a-z][a-z0-9+.-]*:|\/\/|\/|#|\?)/i.test(url);
}

function resolve(rel: string): string {
  const parts = (documentDir ? documentDir.split("/") : []).concat(rel.split("/"));
  const out: string[] = [];
  for (const p of parts) {
    if (p === "..") out.pop();
    else if (p !== "." && p !== "") out.push(p);
  }
  return out.join("/");
}

export function resolveLinks(root: HTMLElement) {
  root.querySelectorAll<HTMLImageElement>("img[src]").forEach((img) => {
    const src = img.getAttribute("src") ?? "";
    if (isRelative(src)) {
      const [path, query] = src.split(/(?=[?#])/);
      img.src = pageUrl("files", resolve(decodeURIComponent(path))) + (query ?? "");
    }
  });
  root.querySelectorAll<HTMLAnchorElement>("a[href]").forEach((a) => {
    const href = a.getAttribute("href") ?? "";
    if (!isRelative(href)) return;
    const [path, rest] = href.split(/(?=[?#])/);
    const target = resolve(decodeURIComponent(path));
    a.href = (target.endsWith(".ipynb") ? pageUrl("notebooks", target) : pageUrl("files", target)) + (rest ?? "");
    a.target = "_blank";
    a.rel = "noopener";
  });
}
