// Markdown (GitHub-flavoured, via marked), code highlighting (highlight.js), math (KaTeX),
// always sanitized with DOMPurify: markdown cells are never trusted, as in Jupyter.
import { Marked } from "marked";
import { markedHighlight } from "marked-highlight";
import markedKatex from "marked-katex-extension";
import katex from "katex";
import "katex/dist/katex.min.css";
import hljs from "highlight.js/lib/core";
import python from "highlight.js/lib/languages/python";
import javascript from "highlight.js/lib/languages/javascript";
import typescript from "highlight.js/lib/languages/typescript";
import bash from "highlight.js/lib/languages/bash";
import json from "highlight.js/lib/languages/json";
import r from "highlight.js/lib/languages/r";
import julia from "highlight.js/lib/languages/julia";
import sql from "highlight.js/lib/languages/sql";
import yaml from "highlight.js/lib/languages/yaml";
import cpp from "highlight.js/lib/languages/cpp";
import xml from "highlight.js/lib/languages/xml";
import plaintext from "highlight.js/lib/languages/plaintext";
import { sanitize } from "./sanitize";
import { resolveLinks } from "./links";

for (const [name, lang] of Object.entries({ python, javascript, typescript, bash, json, r, julia, sql, yaml, cpp, xml, plaintext })) {
  hljs.registerLanguage(name, lang);
}
hljs.registerAliases(["py", "ipython", "ipython3"], { languageName: "python" });
hljs.registerAliases(["sh", "shell", "console"], { languageName: "bash" });
hljs.registerAliases(["js"], { languageName: "javascript" });
hljs.registerAliases(["ts"], { languageName: "typescript" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });

const marked = new Marked(
  { gfm: true, breaks: false },
  markedHighlight({
    emptyLangClass: "hljs",
    langPrefix: "hljs language-",
    highlight(code, lang) {
      const language = hljs.getLanguage(lang) ? lang : "plaintext";
      return hljs.highlight(code, { language }).value;
    },
  }),
  markedKatex({ throwOnError: false, nonStandard: true, output: "html" }),
);

export function renderMarkdown(src: string): string {
  const html = marked.parse(src, { async: false }) as string;
  return sanitize(html);
}

/** Run the markdown, math and sanitizer code once on a sample: their first use compiles regular expressions
 * and fills caches (tens of ms). The notebook page calls this while its notebook is still on the way. */
export function warmUp() {
  renderMarkdown("# a\n\n*b* **c** `d` [e](f) $x^2$\n\n- g\n\n| h |\n|---|\n| i |");
  sanitize("<table><tr><td>1</td></tr></table>");
}

/** Render markdown into el, with heading ids (for the table of contents). */
export function renderMarkdownInto(el: HTMLElement, src: string) {
  el.innerHTML = renderMarkdown(src);
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

/** text/latex output: display math if wrapped in $$ or \[ \], else as markdown with math. */
export function renderLatex(src: string): string {
  const s = src.trim();
  const m = s.match(/^\$\$([\s\S]*)\$\$$/) ?? s.match(/^\\\[([\s\S]*)\\\]$/);
  if (m) {
    return sanitize(katex.renderToString(m[1], { displayMode: true, throwOnError: false }));
  }
  const inl = s.match(/^\$([^$]*)\$$/);
  if (inl) return sanitize(katex.renderToString(inl[1], { displayMode: false, throwOnError: false }));
  if (/^\\begin\{/.test(s)) return sanitize(katex.renderToString(s, { displayMode: true, throwOnError: false }));
  return renderMarkdown(s);
}
