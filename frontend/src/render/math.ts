// Math in markdown ($…$, $$…$$) and in text/latex outputs, typeset by KaTeX. KaTeX is the largest part of
// the bundle, so it is a chunk of its own: until it has arrived, math is written as a placeholder holding
// its TeX, and fillMath typesets an element's placeholders when it comes (once here, math is typeset at once).
import type { MarkedExtension, Tokens } from "marked";
import { sanitize } from "./sanitize";

type Katex = typeof import("./katexChunk").default;
let katex: Katex | null = null;
let loading: Promise<Katex> | null = null;

/** Start fetching KaTeX (idempotent; a failed fetch is tried again next time). */
export function loadMath(): Promise<Katex> {
  loading ??= import("./katexChunk").then(
    (m) => (katex = m.default),
    (e) => {
      loading = null;
      throw e;
    },
  );
  return loading;
}

/** HTML for one formula: KaTeX's when it is here (not sanitized: callers sanitize the whole), else a
 * placeholder showing the TeX. */
export function typeset(tex: string, display: boolean): string {
  if (katex) return katex.renderToString(tex, { displayMode: display, throwOnError: false, output: "html" });
  const span = document.createElement("span");
  span.className = "math-pending";
  span.dataset.display = display ? "1" : "0";
  span.textContent = tex;
  return span.outerHTML;
}

/** Typeset the placeholders in el once KaTeX is here (those still in el then: it may have been re-rendered). */
export function fillMath(el: HTMLElement) {
  const pending = [...el.querySelectorAll<HTMLElement>(".math-pending")];
  if (!pending.length) return;
  loadMath().then(
    () => pending.forEach((p) => {
      if (el.contains(p)) p.outerHTML = sanitize(typeset(p.textContent ?? "", p.dataset.display === "1"));
    }),
    () => {}, // no KaTeX (server unreachable): the TeX stays readable
  );
}

// The delimiters of marked-katex-extension with its nonStandard option (what Jupyter users type: $x$ and
// $$x$$ anywhere in a line, $$ on lines of their own for a block); it imports KaTeX eagerly, hence these.
const INLINE = /^(\${1,2})(?!\$)((?:\\.|[^\\\n])*?(?:\\.|[^\\\n$]))\1/;
const BLOCK = /^(\${1,2})\n((?:\\[^]|[^\\])+?)\n\1(?:\n|$)/;

interface MathToken extends Tokens.Generic {
  text: string;
  displayMode: boolean;
}

export function markedMath(): MarkedExtension {
  const render = (t: Tokens.Generic, nl: string) => typeset((t as MathToken).text, (t as MathToken).displayMode) + nl;
  return {
    extensions: [
      {
        name: "inlineMath",
        level: "inline",
        start(src: string) {
          for (let i = src.indexOf("$"); i !== -1; i = src.indexOf("$", i + 1)) {
            if (INLINE.test(src.slice(i))) return i;
            while (src[i + 1] === "$") i++;
          }
          return undefined;
        },
        tokenizer(src: string) {
          const m = src.match(INLINE);
          if (m) return { type: "inlineMath", raw: m[0], text: m[2].trim(), displayMode: m[1].length === 2 };
          return undefined;
        },
        renderer: (t) => render(t, ""),
      },
      {
        name: "blockMath",
        level: "block",
        tokenizer(src: string) {
          const m = src.match(BLOCK);
          if (m) return { type: "blockMath", raw: m[0], text: m[2].trim(), displayMode: m[1].length === 2 };
          return undefined;
        },
        renderer: (t) => render(t, "\n"),
      },
    ],
  };
}
