// Markdown (GitHub-flavoured, via marked), math (KaTeX), code highlighting (highlight.js, loaded on first
// use), always sanitized with DOMPurify: markdown cells are never trusted, as in Jupyter.
import { Marked } from "marked";
import { sanitize } from "./sanitize";
import { fillMath, loadMath, markedMath, typeset } from "./math";
import { resolveLinks } from "./links";

const marked = new Marked({ gfm: true, breaks: false }, markedMath());

type CodeHighlight = typeof import("./codeHighlight");
let codeHighlight: Promise<CodeHighlight> | null = null;

/** Fenced code gets its colours from highlight.js, a chunk loaded when the first code block shows up. */
function highlightCodeIn(el: HTMLElement) {
  const blocks = [...el.querySelectorAll<HTMLElement>("pre > code")];
  if (!blocks.length) return;
  codeHighlight ??= import("./codeHighlight");
  codeHighlight.then(
    (m) => blocks.forEach((b) => el.contains(b) && m.highlightCode(b)), // unless re-rendered meanwhile
    () => (codeHighlight = null), // a failed fetch (server restarting): plain code now, colours next time
  );
}

export function renderMarkdown(src: string): string {
  const html = marked.parse(src, { async: false }) as string;
  return sanitize(html);
}

/** Run the markdown, math and sanitizer code on samples: their first use compiles regular expressions and
 * fills caches (tens of ms). The notebook page calls this while its notebook is on the way; each sample is
 * its own task, and none runs once `done()` says the wait is over, so a notebook that arrives mid-way
 * waits for one sample at most. */
export function warmUp(done: () => boolean = () => false) {
  const steps = [
    () => void loadMath().catch(() => {}),
    () => renderMarkdown("# a\n\n*b* **c** `d` [e](f) $x^2$"),
    () => renderMarkdown("- g\n\n> h\n\n1. i"),
    () => renderMarkdown("| h |\n|---|\n| i |"),
    () => sanitize("<table><tr><td>1</td></tr></table>"),
  ];
  const next = () => {
    const step = steps.shift();
    if (!step || done()) return;
    step();
    window.setTimeout(next, 0);
  };
  next();
}

/** Render markdown into el, with heading ids (for the table of contents). */
export function renderMarkdownInto(el: HTMLElement, src: string) {
  el.innerHTML = renderMarkdown(src);
  fillMath(el);
  highlightCodeIn(el);
  el.querySelectorAll("h1,h2,h3,h4,h5,h6").forEach((h) => {
    if (!h.id) h.id = slug(h.textContent ?? "");
  });
  resolveLinks(el);
  el.querySelectorAll("a[href]").forEach((a) => {
    const href = a.getAttribute("href") ?? "";
    if (/^https?:/i.test(href)) {
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", "noopener noreferrer");
    }
  });
}

export function slug(s: string): string {
  return s.trim().replace(/\s+/g, "-").replace(/[^\w\-À-￿]/g, "");
}

/** text/latex output into el: display math if wrapped in $$ or \[ \], else as markdown with math. */
export function renderLatexInto(el: HTMLElement, src: string) {
  const s = src.trim();
  const m = s.match(/^\$\$([\s\S]*)\$\$$/) ?? s.match(/^\\\[([\s\S]*)\\\]$/);
  const inl = s.match(/^\$([^$]*)\$$/);
  if (m) el.innerHTML = sanitize(typeset(m[1], true));
  else if (inl) el.innerHTML = sanitize(typeset(inl[1], false));
  else if (/^\\begin\{/.test(s)) el.innerHTML = sanitize(typeset(s, true));
  else el.innerHTML = renderMarkdown(s);
  fillMath(el);
}
