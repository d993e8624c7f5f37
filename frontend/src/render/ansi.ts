import { AnsiUp } from "ansi_up";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };

/** ANSI escape codes to HTML spans (classes ansi-*-fg/bg), HTML-escaped. */
export function ansiToHtml(text: string): string {
  // Most output has no escape codes: escape it as ansi_up would, without making one (its constructor
  // builds colour palettes: ~10 µs each, 10 ms over a big notebook's first screen of outputs).
  if (!text.includes("\x1b")) return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
  // Fresh state per call: colours must not leak from one output into the next.
  const a = new AnsiUp();
  a.use_classes = true;
  a.escape_html = true;
  return a.ansi_to_html(text);
}

/**
 * Terminal-like handling of carriage returns and backspaces in stream text:
 * `\r` (not followed by `\n`) rewinds to the line start and later text overwrites it;
 * `\b` deletes the previous character on the line.
 */
export function fixConsole(text: string): string {
  if (!/[\r\b]/.test(text)) return text;
  const out: string[] = [];
  let line: string[] = [];
  let col = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\n") {
      out.push(line.join(""), "\n");
      line = [];
      col = 0;
    } else if (ch === "\r") {
      if (text[i + 1] === "\n") continue;
      col = 0;
      // tqdm and friends redraw the whole line: treat the rewind as clearing what follows.
      const rest = text.slice(i + 1);
      const nl = rest.search(/[\r\n]/);
      const seg = nl === -1 ? rest : rest.slice(0, nl);
      if (seg.length > 0) line = [];
    } else if (ch === "\b") {
      if (col > 0) {
        col--;
        line.splice(col, 1);
      }
    } else {
      line[col] = ch;
      col++;
    }
  }
  out.push(line.join(""));
  return out.join("");
}
