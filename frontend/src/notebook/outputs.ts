// The output area of one code cell: nbformat outputs, rendered by MIME priority.
import { ansiToHtml, fixConsole } from "../render/ansi";
import { renderLatexInto, renderMarkdownInto } from "../render/markdown";
import { sanitize } from "../render/sanitize";
import { jsonTree } from "../render/jsontree";
import { resolveLinks } from "../render/links";

export type Output =
  | { output_type: "stream"; name: string; text: string }
  | { output_type: "display_data"; data: Record<string, any>; metadata: Record<string, any>; transient?: any }
  | { output_type: "execute_result"; data: Record<string, any>; metadata: Record<string, any>; execution_count: number | null; transient?: any }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export const MIME_ORDER = [
  "application/vnd.jupyter.widget-view+json",
  "application/javascript",
  "text/html",
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/svg+xml",
  "text/markdown",
  "text/latex",
  "application/json",
  "application/pdf",
  "text/plain",
];

const MAX_TEXT_CHARS = 200_000; // beyond this, the view shows the head and a "show all" button
const MAX_OUTPUTS_SHOWN = 200;

export function joinText(v: unknown): string {
  return Array.isArray(v) ? v.join("") : typeof v === "string" ? v : v == null ? "" : JSON.stringify(v);
}

/** Registry of display_id → the output areas showing it (for update_display_data). */
const displays = new Map<string, Set<OutputArea>>();

export class OutputArea {
  readonly el: HTMLElement;
  outputs: Output[] = [];
  trusted: boolean;
  private rawStreams = new Map<number, string>();
  private clearPending = false;
  private inputBox: HTMLElement | null = null;
  /** Outputs set but not yet turned into DOM (a cell far from the viewport): see ensureRendered. */
  private deferred = false;
  onChange: () => void = () => {};

  constructor(trusted: boolean) {
    this.trusted = trusted;
    this.el = document.createElement("div");
    this.el.className = "output-area";
    this.el.setAttribute("role", "log");
    this.el.setAttribute("aria-label", "Cell output");
  }

  /** Replace the outputs; with defer, they are not rendered until ensureRendered (a big notebook opens
   * without rendering and sanitizing every output). */
  setOutputs(outputs: Output[], defer = false) {
    this.unregisterDisplays();
    this.outputs = outputs.map(normalize);
    this.rawStreams.clear();
    this.outputs.forEach((o, i) => {
      if (o.output_type === "stream") this.rawStreams.set(i, o.text);
      this.registerDisplay(o);
    });
    if (defer && this.outputs.length > 0 && !this.inputBox) {
      // Nothing in the DOM yet: the cell's outer element holds the estimated height meanwhile.
      this.flush();
      this.deferred = true;
      this.el.replaceChildren();
      this.el.classList.add("has-output");
    } else this.render();
  }

  /** A cheap guess at the rendered height of the outputs (px). */
  estimatedHeight(): number {
    return this.outputs.length ? estimateHeight(this.outputs) : 0;
  }

  /** Whether the rendered outputs are surely taller (true) or surely shorter (false) than px, judged
   * from the estimate where it is reliable: text by its lines, PNGs by their header. null: measure them. */
  surelyTaller(px: number): boolean | null {
    for (const o of this.outputs) {
      if (o.output_type === "stream" || o.output_type === "error") continue;
      const d = o.data;
      if (d["image/png"] && !d["text/html"] && !d["application/javascript"] && !d["application/vnd.jupyter.widget-view+json"]) continue;
      if (Object.keys(d).every((k) => k === "text/plain")) continue;
      return null;
    }
    // These estimates are within a few percent; text that wraps is taller than its lines say, so "shorter"
    // also needs few enough characters that 100 a line would fit.
    const est = estimateHeight(this.outputs);
    if (est > 1.5 * px) return true;
    const chars = this.outputs.reduce((n, o) => n + textLength(o), 0);
    if (est < 0.75 * px && chars < ((0.75 * px) / 17.5) * 100) return false;
    return null;
  }

  get isDeferred(): boolean {
    return this.deferred;
  }

  /** Build the DOM of deferred outputs (no-op when already rendered). */
  ensureRendered() {
    if (this.deferred) this.render();
  }

  clear(wait = false) {
    if (wait) {
      this.clearPending = true;
      return;
    }
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.dirtyStream = -1;
    this.clearPending = false;
    this.unregisterDisplays();
    this.outputs = [];
    this.rawStreams.clear();
    this.render();
    this.onChange();
  }

  private unregisterDisplays() {
    for (const set of displays.values()) set.delete(this);
  }

  private registerDisplay(o: Output) {
    const id = (o as any).transient?.display_id;
    if (id) {
      if (!displays.has(id)) displays.set(id, new Set());
      displays.get(id)!.add(this);
    }
  }

  private frame = 0;
  private dirtyStream = -1;

  private flushStream() {
    this.frame = 0;
    const i = this.dirtyStream;
    this.dirtyStream = -1;
    const o = this.outputs[i];
    if (o?.output_type !== "stream") return;
    o.text = fixConsole(this.rawStreams.get(i) ?? o.text);
    this.renderOne(i, true);
  }

  /** Apply pending stream text now (before saving or reading outputs). */
  flush() {
    if (this.frame) {
      cancelAnimationFrame(this.frame);
      this.flushStream();
    }
  }

  add(o: Output) {
    this.ensureRendered();
    if (this.clearPending) this.clear(false);
    o = normalize(o);
    const last = this.outputs.length - 1;
    const prev = this.outputs[last];
    if (o.output_type === "stream" && prev?.output_type === "stream" && prev.name === o.name) {
      const raw = (this.rawStreams.get(last) ?? prev.text) + o.text;
      this.rawStreams.set(last, raw);
      this.dirtyStream = last;
      // Chatty streams arrive in many small chunks: fix up and re-render at most once per frame.
      if (!this.frame) {
        this.frame = requestAnimationFrame(() => this.flushStream());
      }
      this.onChange();
      return;
    } else {
      this.outputs.push(o);
      if (o.output_type === "stream") {
        this.rawStreams.set(this.outputs.length - 1, o.text);
        o.text = fixConsole(o.text);
      }
      this.registerDisplay(o);
      this.renderOne(this.outputs.length - 1, false);
    }
    this.onChange();
  }

  /** update_display_data: replace every output carrying this display_id, in every cell. */
  static updateDisplay(displayId: string, data: Record<string, any>, metadata: Record<string, any>) {
    for (const area of displays.get(displayId) ?? []) {
      area.ensureRendered();
      area.outputs.forEach((o, i) => {
        if ((o.output_type === "display_data" || o.output_type === "execute_result") && o.transient?.display_id === displayId) {
          o.data = data;
          o.metadata = metadata;
          area.renderOne(i, true);
        }
      });
      area.onChange();
    }
  }

  render() {
    this.flush();
    this.deferred = false;
    this.el.replaceChildren();
    const n = Math.min(this.outputs.length, MAX_OUTPUTS_SHOWN);
    for (let i = 0; i < n; i++) this.renderOne(i, false);
    if (this.outputs.length > MAX_OUTPUTS_SHOWN) {
      const more = document.createElement("button");
      more.className = "show-all";
      more.textContent = `Show all ${this.outputs.length} outputs`;
      more.onclick = () => {
        more.remove();
        for (let i = MAX_OUTPUTS_SHOWN; i < this.outputs.length; i++) this.renderOne(i, false);
      };
      this.el.appendChild(more);
    }
    if (this.inputBox) this.el.appendChild(this.inputBox);
  }

  private renderOne(i: number, replace: boolean) {
    const node = document.createElement("div");
    node.className = "output";
    node.dataset.index = String(i);
    renderOutput(node, this.outputs[i], this.trusted);
    const existing = this.el.querySelector(`:scope > .output[data-index="${i}"]`);
    if (replace && existing) existing.replaceWith(node);
    else if (this.inputBox && this.inputBox.parentNode === this.el) this.el.insertBefore(node, this.inputBox);
    else this.el.appendChild(node);
    this.el.classList.toggle("has-output", this.outputs.length > 0 || !!this.inputBox);
  }

  /** An input() prompt: resolves with the typed value (password masked). */
  askInput(prompt: string, password: boolean): Promise<string> {
    this.ensureRendered();
    return new Promise((resolve) => {
      const box = document.createElement("div");
      box.className = "output stdin";
      const label = document.createElement("label");
      label.textContent = prompt;
      const input = document.createElement("input");
      input.type = password ? "password" : "text";
      input.className = "stdin-input";
      input.setAttribute("aria-label", prompt || "Input requested by the kernel");
      input.autocomplete = "off";
      label.appendChild(input);
      box.appendChild(label);
      this.inputBox = box;
      this.el.appendChild(box);
      this.el.classList.add("has-output");
      this.onChange();
      input.addEventListener("keydown", (ev) => {
        ev.stopPropagation();
        if (ev.key === "Enter") {
          ev.preventDefault();
          const value = input.value;
          box.remove();
          this.inputBox = null;
          // Echo as Jupyter does: the prompt and the answer (masked) become part of stdout.
          this.add({ output_type: "stream", name: "stdout", text: `${prompt}${password ? "········" : value}\n` });
          resolve(value);
        }
      });
      window.setTimeout(() => input.focus(), 0);
    });
  }

  cancelInput() {
    this.inputBox?.remove();
    this.inputBox = null;
  }

  setTrusted(t: boolean) {
    if (t !== this.trusted) {
      this.trusted = t;
      if (!this.deferred) this.render();
    }
  }

  /** The outputs as nbformat JSON (transient keys dropped). */
  toJSON(): any[] {
    this.flush();
    return this.outputs.map((o) => {
      const c: any = { ...o };
      delete c.transient;
      if (c.output_type === "stream") c.text = c.text;
      return c;
    });
  }
}

function textLength(o: Output): number {
  if (o.output_type === "stream") return o.text.length;
  if (o.output_type === "error") return o.traceback.reduce((n, t) => n + t.length, 0);
  return o.data["text/plain"] && !o.data["image/png"] ? joinText(o.data["text/plain"]).length : 0;
}

/** A cheap guess at the rendered height of outputs (px), for the placeholder of deferred ones. */
function estimateHeight(outputs: Output[]): number {
  const LINE = 17.5; // .output pre: 13 px × line-height 1.35
  let h = 0;
  for (const o of outputs) {
    if (o.output_type === "stream") h += countLines(o.text) * LINE + 4;
    else if (o.output_type === "error") h += o.traceback.reduce((n, t) => n + countLines(t), 0) * LINE + 4;
    else {
      const d = o.data;
      const meta = (o.metadata ?? {}) as Record<string, any>;
      if (d["text/html"] !== undefined) h += Math.min(2000, countRows(joinText(d["text/html"])) * 22 + 10);
      else if (d["image/png"] || d["image/jpeg"] || d["image/gif"] || d["image/svg+xml"]) {
        const m = Object.values(meta).find((v: any) => v && typeof v === "object" && v.height) as any;
        const png = d["image/png"] ? pngHeight(joinText(d["image/png"])) : null;
        h += (m?.height ?? meta.height ?? png ?? 250) + 4;
      } else h += countLines(joinText(d["text/plain"] ?? "")) * LINE + 4;
    }
  }
  return Math.min(h, 3000);
}

/** The displayed height of a base64 PNG, from its header (width and height are bytes 16-23), scaled to
 * the output column; null if it is not a PNG. */
function pngHeight(b64: string): number | null {
  try {
    const s = atob(b64.slice(0, 64).replace(/\s/g, "").slice(0, 32));
    if (s.slice(1, 4) !== "PNG") return null;
    const int = (i: number) => ((s.charCodeAt(i) << 24) | (s.charCodeAt(i + 1) << 16) | (s.charCodeAt(i + 2) << 8) | s.charCodeAt(i + 3)) >>> 0;
    const [w, hh] = [int(16), int(20)];
    const column = 1000;
    return w > column ? Math.round((hh * column) / w) : hh;
  } catch {
    return null;
  }
}

/** Table rows in some HTML, counted up to the 91 that reach the estimate's cap (not a regex over all of it:
 * a big notebook estimates every cell at load). */
function countRows(html: string): number {
  let n = 0;
  for (let i = html.indexOf("<tr"); i >= 0 && n < 91; i = html.indexOf("<tr", i + 3)) n++;
  return Math.max(n, 1);
}

export function countLines(s: string): number {
  let n = 1;
  for (let i = s.indexOf("\n"); i >= 0 && i < s.length - 1 && n < 200; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

function normalize(o: any): Output {
  const c = { ...o };
  if (c.output_type === "stream") c.text = joinText(c.text);
  if (c.output_type === "display_data" || c.output_type === "execute_result") {
    const data: Record<string, any> = {};
    for (const [k, v] of Object.entries(c.data ?? {})) data[k] = Array.isArray(v) && !k.includes("json") ? v.join("") : v;
    c.data = data;
    c.metadata = c.metadata ?? {};
  }
  if (c.output_type === "error") c.traceback = c.traceback ?? [];
  return c as Output;
}

function textBlock(text: string, cls: string): HTMLElement {
  const pre = document.createElement("pre");
  pre.className = cls;
  if (text.length > MAX_TEXT_CHARS) {
    pre.innerHTML = ansiToHtml(text.slice(0, MAX_TEXT_CHARS));
    const wrap = document.createElement("div");
    const btn = document.createElement("button");
    btn.className = "show-all";
    btn.textContent = `Output truncated (${Math.round(text.length / 1024)} KiB). Show all`;
    btn.onclick = () => {
      pre.innerHTML = ansiToHtml(text);
      btn.remove();
    };
    wrap.append(pre, btn);
    return wrap;
  }
  pre.innerHTML = ansiToHtml(text);
  return pre;
}

export function pickMime(data: Record<string, any>, trusted: boolean): string | null {
  for (const m of MIME_ORDER) {
    if (!(m in data)) continue;
    if (m === "application/javascript" && !trusted) continue;
    if (m === "application/vnd.jupyter.widget-view+json") continue; // no widget manager: fall back
    return m;
  }
  const keys = Object.keys(data);
  return keys.length ? keys[0] : null;
}

function renderOutput(node: HTMLElement, o: Output, trusted: boolean) {
  switch (o.output_type) {
    case "stream":
      node.classList.add("stream", o.name === "stderr" ? "stderr" : "stdout");
      node.appendChild(textBlock(o.text, "stream-text"));
      return;
    case "error":
      node.classList.add("error");
      node.appendChild(textBlock((o.traceback.length ? o.traceback : [`${o.ename}: ${o.evalue}`]).join("\n"), "traceback"));
      return;
    default:
      node.classList.add(o.output_type === "execute_result" ? "execute-result" : "display-data");
      renderMime(node, o.data, o.metadata ?? {}, trusted);
  }
}

export function renderMime(node: HTMLElement, data: Record<string, any>, metadata: Record<string, any>, trusted: boolean) {
  const mime = pickMime(data, trusted);
  if (!mime) return;
  node.dataset.mime = mime;
  const value = data[mime];
  const meta = metadata[mime] ?? metadata;
  switch (mime) {
    case "text/html": {
      const div = document.createElement("div");
      div.className = "html-output";
      if (trusted) {
        div.innerHTML = joinText(value);
        runScripts(div);
      } else div.innerHTML = sanitize(joinText(value));
      resolveLinks(div);
      node.appendChild(div);
      return;
    }
    case "application/javascript": {
      const div = document.createElement("div");
      div.className = "js-output";
      node.appendChild(div);
      const s = document.createElement("script");
      s.textContent = joinText(value);
      div.appendChild(s);
      return;
    }
    case "image/png":
    case "image/jpeg":
    case "image/gif": {
      const img = document.createElement("img");
      img.src = `data:${mime};base64,${joinText(value).replace(/\s/g, "")}`;
      img.alt = data["text/plain"] ? joinText(data["text/plain"]).slice(0, 200) : "image output";
      if (meta?.width) img.width = meta.width;
      if (meta?.height) img.height = meta.height;
      node.appendChild(img);
      return;
    }
    case "image/svg+xml": {
      const svg = joinText(value);
      if (trusted) {
        const div = document.createElement("div");
        div.className = "svg-output";
        div.innerHTML = svg;
        node.appendChild(div);
      } else {
        // An <img> never runs script inside the SVG.
        const img = document.createElement("img");
        img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
        img.alt = "SVG output";
        node.appendChild(img);
      }
      return;
    }
    case "text/markdown": {
      const div = document.createElement("div");
      div.className = "markdown-output rendered-md";
      renderMarkdownInto(div, joinText(value));
      node.appendChild(div);
      return;
    }
    case "text/latex": {
      const div = document.createElement("div");
      div.className = "latex-output";
      renderLatexInto(div, joinText(value));
      node.appendChild(div);
      return;
    }
    case "application/json": {
      const div = document.createElement("div");
      div.className = "json-output";
      div.appendChild(jsonTree(typeof value === "string" ? safeParse(value) : value));
      node.appendChild(div);
      return;
    }
    case "application/pdf": {
      const a = document.createElement("a");
      const bytes = Uint8Array.from(atob(joinText(value).replace(/\s/g, "")), (c) => c.charCodeAt(0));
      a.href = URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
      a.target = "_blank";
      a.textContent = "Open PDF output";
      node.appendChild(a);
      return;
    }
    default:
      node.appendChild(textBlock(joinText(value), "text-output"));
  }
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** innerHTML never runs <script>; trusted HTML needs its scripts re-created, as JupyterLab does. */
function runScripts(root: HTMLElement) {
  root.querySelectorAll("script").forEach((old) => {
    const s = document.createElement("script");
    for (const a of Array.from(old.attributes)) s.setAttribute(a.name, a.value);
    s.textContent = old.textContent;
    old.replaceWith(s);
  });
}
