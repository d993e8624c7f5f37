// One cell: prompt, CodeMirror editor, rendered markdown, outputs, collapsers.
import { Extension } from "@codemirror/state";
import { CompletionSource } from "@codemirror/autocomplete";
import { createEditor, Editor, languageFor } from "../cm";
import { renderMarkdownInto } from "../render/markdown";
import { OutputArea, Output, joinText } from "./outputs";
import { h } from "../ui/dom";
import { uuid } from "../kernel";

export type CellType = "code" | "markdown" | "raw";
export type RunState = "idle" | "queued" | "running";

export interface CellJSON {
  id?: string;
  cell_type: CellType;
  source: string | string[];
  metadata?: Record<string, any>;
  outputs?: Output[];
  execution_count?: number | null;
  attachments?: Record<string, any>;
}

export interface CellHost {
  keys: (cell: CellView) => Extension;
  completion: CompletionSource;
  language: () => Extension;
  lineNumbers: () => boolean;
  onChange: (cell: CellView) => void;
  onFocus: (cell: CellView) => void;
  onSelect: (cell: CellView, extend: boolean) => void;
  onDoubleClickMarkdown: (cell: CellView) => void;
  onDragStart: (cell: CellView, ev: DragEvent) => void;
}

let nextPromptId = 0;

export class CellView {
  id: string;
  type: CellType;
  metadata: Record<string, any>;
  attachments: Record<string, any> | undefined;
  executionCount: number | null;
  runState: RunState = "idle";
  rendered = false;
  private mdPending = false; // rendered markdown not yet built (lazy cell far from the viewport)
  readonly el: HTMLElement;
  private _editor: Editor | null = null;
  private pendingSource: string;
  private edHost: HTMLElement;
  readonly outputs: OutputArea;
  private host: CellHost;
  private prompt: HTMLElement;
  private mdView: HTMLElement;
  private inputWrap: HTMLElement;
  private timing: HTMLElement;
  /** @internal the cell's output row (the measuring pass toggles its "scrolled" class). */
  outputWrap: HTMLElement;
  private inputPlaceholder: HTMLElement;
  private outputPlaceholder: HTMLElement;
  private outputPrompt: HTMLElement;
  startedAt = 0;
  timer = 0; // the elapsed-time ticker while running

  /** lazy: render outputs and markdown only when the cell comes near the viewport (see materialize). */
  constructor(json: CellJSON, host: CellHost, trusted: boolean, lazy = false) {
    this.host = host;
    this.id = json.id || uuid().replace(/-/g, "").slice(0, 8) + uuid().slice(0, 4);
    this.type = json.cell_type === "markdown" || json.cell_type === "raw" ? json.cell_type : "code";
    this.metadata = { ...(json.metadata ?? {}) };
    delete this.metadata.trusted;
    this.attachments = json.attachments;
    this.executionCount = json.execution_count ?? null;
    const promptId = `prompt-${nextPromptId++}`;
    this.prompt = h("div", { class: "prompt", id: promptId, draggable: "true", title: "Drag to move the cell" });
    this.prompt.addEventListener("dragstart", (ev) => host.onDragStart(this, ev));
    const edHost = h("div", { class: "editor" });
    this.edHost = edHost;
    this.pendingSource = joinText(json.source);
    this.mdView = h("div", { class: "rendered-md", tabindex: "-1" });
    this.mdView.addEventListener("dblclick", () => host.onDoubleClickMarkdown(this));
    this.inputPlaceholder = h("button", { class: "collapsed-placeholder", type: "button", "aria-label": "Show hidden input" }, "⋯");
    this.inputPlaceholder.addEventListener("click", () => this.setInputHidden(false));
    this.inputWrap = h(
      "div",
      { class: "input-row" },
      h("button", { class: "collapser", type: "button", "aria-label": "Collapse input", title: "Collapse input", onclick: () => this.setInputHidden(!this.inputHidden) }),
      this.prompt,
      h("div", { class: "input-area" }, edHost, this.mdView, this.inputPlaceholder),
    );
    this.timing = h("div", { class: "cell-timing", "aria-live": "off" });
    this.outputs = new OutputArea(trusted);
    this.outputs.onChange = () => {
      this.updateOutputVisibility();
      host.onChange(this);
    };
    this.outputPlaceholder = h("button", { class: "collapsed-placeholder", type: "button", "aria-label": "Show hidden output" }, "⋯ output hidden");
    this.outputPlaceholder.addEventListener("click", () => this.setOutputHidden(false));
    this.outputPrompt = h("div", { class: "output-prompt" });
    this.outputWrap = h(
      "div",
      { class: "output-row" },
      h("button", { class: "collapser", type: "button", "aria-label": "Collapse output", title: "Collapse output (double-click: toggle scrolling)", onclick: () => this.setOutputHidden(!this.outputHidden), ondblclick: () => this.toggleScrolled() }),
      this.outputPrompt,
      h("div", { class: "output-wrap" }, this.outputs.el, this.outputPlaceholder),
    );
    this.el = h("div", { class: "cell", role: "group", "aria-labelledby": promptId }, this.inputWrap, this.timing, this.outputWrap);
    this.el.addEventListener("mousedown", (ev) => {
      const t = ev.target as HTMLElement;
      if (t.closest(".cm-editor, input, button, a, select")) host.onFocus(this);
      else host.onSelect(this, ev.shiftKey);
    });
    // The CodeMirror editor is made when the cell comes near the viewport (or is used): a notebook
    // with thousands of cells opens without building thousands of editors. Until then the source
    // shows as plain text of the same size.
    const pre = h("pre", { class: "editor-placeholder", "aria-label": "Cell source" });
    pre.textContent = this.pendingSource || " ";
    edHost.appendChild(pre);
    edHost.addEventListener("mousedown", (ev) => {
      if (this._editor) return;
      ev.preventDefault();
      this.editor.view.focus();
    }, { capture: true });
    this.outputs.setOutputs(this.type === "code" ? json.outputs ?? [] : [], lazy);
    this.applyType();
    if (this.type === "markdown" && this.source.trim() !== "") {
      if (lazy) {
        // Shown as rendered; the HTML is built when the cell comes near the viewport.
        this.mdPending = true;
        this.rendered = true;
        this.el.classList.add("rendered");
      } else this.renderMarkdown();
    }
    observeLazily(this);
    this.setInputHidden(!!this.metadata.jupyter?.source_hidden);
    this.setOutputHidden(!!this.metadata.jupyter?.outputs_hidden);
    if (this.metadata.scrolled === true) this.outputWrap.classList.add("scrolled");
    this.updatePrompt();
  }

  /** Build whatever was deferred (outputs, rendered markdown). */
  materialize() {
    if (this.mdPending) {
      this.mdPending = false;
      if (this.rendered) this.renderMarkdown();
    }
    if (this.outputs.isDeferred) {
      this.outputs.ensureRendered();
      this.updateOutputVisibility();
    }
  }

  get editor(): Editor {
    if (!this._editor) {
      this.materialize();
      unobserve(this);
      this.edHost.replaceChildren();
      this._editor = createEditor(this.edHost, {
        doc: this.pendingSource,
        language: this.languageExt(),
        keys: this.host.keys(this),
        completion: this.host.completion,
        onChange: () => this.host.onChange(this),
        onFocus: () => this.host.onFocus(this),
        label: "Cell editor",
        lineNumbers: this.host.lineNumbers(),
      });
    }
    return this._editor;
  }

  get hasEditor(): boolean {
    return this._editor !== null;
  }

  private languageExt(): Extension {
    return this.type === "code" ? this.host.language() : this.type === "markdown" ? languageFor("markdown") : [];
  }

  /** Re-apply the kernel language (no-op until the editor exists; it reads it when made). */
  refreshLanguage() {
    this._editor?.setLanguage(this.languageExt());
  }

  setLineNumbers(on: boolean) {
    this._editor?.setLineNumbers(on);
  }

  get source(): string {
    return this._editor ? this._editor.view.state.doc.toString() : this.pendingSource;
  }

  set source(s: string) {
    if (!this._editor) {
      if (s === this.pendingSource) return;
      this.pendingSource = s;
      const pre = this.edHost.querySelector("pre");
      if (pre) pre.textContent = s || " ";
      this.host.onChange(this);
      return;
    }
    const v = this._editor.view;
    if (s !== v.state.doc.toString()) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: s } });
  }

  get inputHidden() {
    return this.inputWrap.classList.contains("hidden-input");
  }
  get outputHidden() {
    return this.outputWrap.classList.contains("hidden-output");
  }

  setInputHidden(v: boolean) {
    const changed = v !== this.inputHidden;
    this.inputWrap.classList.toggle("hidden-input", v);
    this.setJupyterMeta("source_hidden", v);
    if (changed) this.host.onChange(this);
  }

  setOutputHidden(v: boolean) {
    const changed = v !== this.outputHidden;
    this.outputWrap.classList.toggle("hidden-output", v);
    this.setJupyterMeta("outputs_hidden", v);
    if (changed) this.host.onChange(this);
  }

  toggleScrolled() {
    const on = !this.outputWrap.classList.contains("scrolled");
    this.outputWrap.classList.toggle("scrolled", on);
    if (on) this.metadata.scrolled = true;
    else delete this.metadata.scrolled;
    this.host.onChange(this);
  }

  private setJupyterMeta(key: string, v: boolean) {
    const j = { ...(this.metadata.jupyter ?? {}) };
    if (v) j[key] = true;
    else delete j[key];
    if (Object.keys(j).length) this.metadata.jupyter = j;
    else delete this.metadata.jupyter;
  }

  setType(t: CellType) {
    if (t === this.type) return;
    this.type = t;
    if (t !== "code") {
      this.outputs.setOutputs([]);
      this.executionCount = null;
      this.setRunState("idle");
    }
    this.rendered = false;
    this.applyType();
    this.refreshLanguage();
    this.updatePrompt();
  }

  private applyType() {
    this.el.dataset.type = this.type;
    this.el.classList.toggle("rendered", this.rendered);
    this.updateOutputVisibility();
  }

  private updateOutputVisibility() {
    const has = this.type === "code" && this.outputs.outputs.length > 0;
    this.outputWrap.classList.toggle("empty", !has && !this.outputs.el.querySelector(".stdin"));
    const res = this.outputs.outputs.find((o) => o.output_type === "execute_result") as { execution_count?: number | null } | undefined;
    this.outputPrompt.textContent = res ? `[${res.execution_count ?? " "}]:` : "";
    // Long outputs scroll instead of pushing the notebook down (like JupyterLab's auto-scroll).
    // Measured in one pass per frame for every cell that asked (all reads, then all writes: one layout);
    // deferred outputs are measured once rendered.
    if (has && this.metadata.scrolled === undefined && !this.outputs.isDeferred) scheduleMeasure(this);
  }

  renderMarkdown() {
    if (this.type !== "markdown") return;
    let src = this.source;
    if (this.attachments) {
      src = src.replace(/attachment:([^\s)"']+)/g, (m, name) => {
        const a = this.attachments?.[name];
        if (!a) return m;
        const mime = Object.keys(a)[0];
        return `data:${mime};base64,${joinText(a[mime])}`;
      });
    }
    this.mdPending = false;
    if (src.trim() === "") this.mdView.innerHTML = '<p class="placeholder">Empty markdown cell; double-click to edit.</p>';
    else renderMarkdownInto(this.mdView, src);
    this.rendered = true;
    this.applyType();
  }

  unrender() {
    if (this.type !== "markdown" || !this.rendered) return;
    this.rendered = false;
    this.applyType();
  }

  focusEditor() {
    if (this.inputHidden) this.setInputHidden(false);
    this.unrender();
    this.editor.view.focus();
  }

  headings(): { level: number; text: string; id: string }[] {
    if (this.type !== "markdown") return [];
    const out: { level: number; text: string; id: string }[] = [];
    let inFence = false;
    for (const line of this.source.split("\n")) {
      if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
      if (inFence) continue;
      const m = line.match(/^(#{1,6})\s+(.*?)\s*#*\s*$/);
      if (m) out.push({ level: m[1].length, text: m[2].replace(/[*_`]/g, ""), id: "" });
    }
    return out;
  }

  setRunState(s: RunState) {
    this.runState = s;
    this.el.classList.toggle("queued", s === "queued");
    this.el.classList.toggle("running", s === "running");
    this.updatePrompt();
  }

  setExecutionCount(n: number | null) {
    this.executionCount = n;
    this.updatePrompt();
  }

  setTiming(text: string) {
    this.timing.textContent = text;
  }

  private updatePrompt() {
    if (this.type !== "code") {
      this.prompt.textContent = "";
      this.prompt.setAttribute("aria-label", `${this.type} cell`);
      return;
    }
    const n = this.runState !== "idle" ? "*" : this.executionCount ?? " ";
    this.prompt.textContent = `[${n}]:`;
    this.prompt.setAttribute("aria-label", `Code cell, execution ${n === " " ? "none" : n}`);
  }

  setTrusted(t: boolean) {
    this.outputs.setTrusted(t);
  }

  toJSON(): any {
    const src = this.source;
    const base: any = { id: this.id, cell_type: this.type, metadata: { ...this.metadata }, source: src };
    if (this.type === "code") {
      base.execution_count = this.executionCount;
      base.outputs = this.outputs.toJSON();
      base.metadata.trusted = this.outputs.trusted;
    } else if (this.attachments && Object.keys(this.attachments).length) base.attachments = this.attachments;
    return base;
  }
}

const toMeasure = new Set<CellView>();
let measureFrame = 0;

function scheduleMeasure(cell: CellView) {
  toMeasure.add(cell);
  if (!measureFrame) measureFrame = requestAnimationFrame(measureAll);
}

function measureAll() {
  measureFrame = 0;
  const cells = [...toMeasure];
  toMeasure.clear();
  const tall = cells.map((c) => c.metadata.scrolled === undefined && c.outputs.el.scrollHeight > 1200);
  cells.forEach((c, i) => {
    if (tall[i]) c.outputWrap.classList.add("scrolled");
  });
}

const lazyCells = new WeakMap<Element, CellView>();
const MARGIN = 1500;
const queued = new Set<CellView>(); // near the viewport, not built yet
let pumpTimer = 0;

function pump() {
  pumpTimer = 0;
  const end = performance.now() + 20;
  for (const c of queued) {
    queued.delete(c);
    if (lazyCells.get(c.el) !== c) continue; // built meanwhile
    c.materialize();
    void c.editor;
    if (performance.now() > end) break;
  }
  if (queued.size) pumpTimer = window.setTimeout(pump, 0);
}
let observer: IntersectionObserver | null = null;

function observeLazily(cell: CellView) {
  if (typeof IntersectionObserver === "undefined") {
    void cell.editor;
    return;
  }
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const c = lazyCells.get(e.target);
        if (!c) continue;
        if (!e.isIntersecting) {
          queued.delete(c); // scrolled away before its turn came
          continue;
        }
        // In view: build it now. In the margin only: build it in small slices between frames, so a jump
        // (say to the end of a big notebook) does not build dozens of editors in one long task.
        const rb = e.rootBounds;
        const r = e.boundingClientRect;
        const visible = !rb || (r.bottom > rb.top + MARGIN && r.top < rb.bottom - MARGIN);
        if (visible) {
          queued.delete(c);
          c.materialize();
          void c.editor;
        } else queued.add(c);
      }
      if (queued.size && !pumpTimer) pumpTimer = window.setTimeout(pump, 0);
    },
    // The notebook scrolls inside .nb-scroll: observe against it, so the margin pre-builds nearby cells.
    { root: document.querySelector(".nb-scroll"), rootMargin: `${MARGIN}px 0px` },
  );
  lazyCells.set(cell.el, cell);
  observer.observe(cell.el);
}

function unobserve(cell: CellView) {
  queued.delete(cell);
  observer?.unobserve(cell.el);
  lazyCells.delete(cell.el);
}
