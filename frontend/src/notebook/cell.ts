// One cell: prompt, CodeMirror editor, rendered markdown, outputs, collapsers.
import type { Extension } from "@codemirror/state";
import type { CompletionSource } from "@codemirror/autocomplete";
import type { Editor } from "../cm";
import { codeMirror, codeMirrorNow, withCodeMirror } from "../editorLoader";
import { renderMarkdownInto } from "../render/markdown";
import { OutputArea, Output, joinText, countLines } from "./outputs";
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
  language: (ready: () => void) => Extension;
  lineNumbers: () => boolean;
  onChange: (cell: CellView) => void;
  onFocus: (cell: CellView) => void;
  onSelect: (cell: CellView, extend: boolean) => void;
  onDoubleClickMarkdown: (cell: CellView) => void;
  onDragStart: (cell: CellView, ev: DragEvent) => void;
}

let nextPromptId = 0;

/** The DOM of a cell beyond its outer element; built when the cell comes near the viewport (see build). */
interface CellDom {
  prompt: HTMLElement;
  edHost: HTMLElement;
  mdView: HTMLElement;
  inputWrap: HTMLElement;
  timing: HTMLElement;
  outputWrap: HTMLElement;
  outputPrompt: HTMLElement;
}

export class CellView {
  id: string;
  type: CellType;
  metadata: Record<string, any>;
  attachments: Record<string, any> | undefined;
  executionCount: number | null;
  runState: RunState = "idle";
  rendered = false;
  private mdPending = false; // rendered markdown not yet built (lazy cell far from the viewport)
  /** The cell's outer element: always in the page, so order, selection and scrolling work on every cell. */
  readonly el: HTMLElement;
  private dom: CellDom | null = null;
  private _editor: Editor | null = null;
  private pendingSource: string;
  private startCursor: number | null = null; // where a click on the placeholder put the cursor
  private timingText = "";
  /** The outputs changed since the notebook was loaded (a draft must carry them; otherwise disk has them). */
  outputsTouched = false;
  readonly outputs: OutputArea;
  private host: CellHost;
  startedAt = 0;
  timer = 0; // the elapsed-time ticker while running

  /** lazy: build the cell's inner DOM, outputs and markdown only when it comes near the viewport (or is
   * used); until then the outer element holds the estimated height, so a notebook of thousands of cells
   * opens without creating tens of thousands of elements. */
  constructor(json: CellJSON, host: CellHost, trusted: boolean, lazy = false) {
    this.host = host;
    this.id = json.id || uuid().replace(/-/g, "").slice(0, 8) + uuid().slice(0, 4);
    this.type = json.cell_type === "markdown" || json.cell_type === "raw" ? json.cell_type : "code";
    this.metadata = { ...(json.metadata ?? {}) };
    delete this.metadata.trusted;
    this.attachments = json.attachments;
    this.executionCount = json.execution_count ?? null;
    this.pendingSource = joinText(json.source);
    this.el = document.createElement("div");
    this.el.className = "cell";
    this.el.setAttribute("role", "group");
    this.outputs = new OutputArea(trusted);
    this.outputs.onChange = () => {
      this.outputsTouched = true;
      this.updateOutputVisibility();
      host.onChange(this);
    };
    this.outputs.setOutputs(this.type === "code" ? json.outputs ?? [] : [], lazy);
    this.el.dataset.type = this.type;
    if (this.type === "markdown" && this.pendingSource.trim() !== "") {
      // Shown as rendered; the HTML is built when the cell comes near the viewport.
      this.mdPending = true;
      this.rendered = true;
      this.el.classList.add("rendered");
    }
    // A built cell off screen is skipped by layout (content-visibility: auto) and takes its intrinsic size,
    // and so is an on-screen one in its first frame: give it the estimate rather than a fixed 80 px, or cells
    // would jump by hundreds of px as they are shown, built or given their editor ("auto": once rendered,
    // the size it really had).
    const estimate = this.estimatedHeight();
    this.el.style.containIntrinsicSize = `auto ${estimate}px`;
    if (lazy) {
      this.el.classList.add("unbuilt");
      this.el.style.height = `${estimate}px`;
    } else this.materialize();
    observeLazily(this);
  }

  /** A cheap guess at the built cell's height (px), held by the outer element until it is built. */
  estimatedHeight(): number {
    const md = this.type === "markdown" && this.rendered;
    const lines = this.metadata.jupyter?.source_hidden ? 1 : countLines(this.pendingSource);
    const input = md ? lines * 18 + 16 : lines * 18 + 10;
    let out = this.type === "code" && !this.metadata.jupyter?.outputs_hidden ? this.outputs.estimatedHeight() : 0;
    // Outputs over TALL_OUTPUT scroll in a box 36em high (measureAll, .output-row.scrolled).
    const scrolls = this.metadata.scrolled === true || (this.metadata.scrolled === undefined && out > TALL_OUTPUT);
    if (scrolls) out = Math.min(out, 470);
    return input + out + 10;
  }

  /** The inner DOM, built on first use. */
  private get d(): CellDom {
    return this.dom ?? this.build();
  }

  /** @internal the output row, once built (the measuring pass toggles its "scrolled" class). */
  get outputRow(): HTMLElement | null {
    return this.dom?.outputWrap ?? null;
  }

  get isBuilt(): boolean {
    return this.dom !== null;
  }

  private build(): CellDom {
    const host = this.host;
    const promptId = `prompt-${nextPromptId++}`;
    const prompt = h("div", { class: "prompt", id: promptId, draggable: "true", title: "Drag to move the cell" });
    prompt.addEventListener("dragstart", (ev) => host.onDragStart(this, ev));
    const edHost = h("div", { class: "editor" });
    const mdView = h("div", { class: "rendered-md", tabindex: "-1" });
    mdView.addEventListener("dblclick", () => host.onDoubleClickMarkdown(this));
    const inputPlaceholder = h("button", { class: "collapsed-placeholder", type: "button", "aria-label": "Show hidden input" }, "⋯");
    inputPlaceholder.addEventListener("click", () => this.setInputHidden(false));
    const inputWrap = h(
      "div",
      { class: "input-row" },
      h("button", { class: "collapser", type: "button", "aria-label": "Collapse input", title: "Collapse input", onclick: () => this.setInputHidden(!this.inputHidden) }),
      prompt,
      h("div", { class: "input-area" }, edHost, mdView, inputPlaceholder),
    );
    const timing = h("div", { class: "cell-timing", "aria-live": "off" }, this.timingText);
    const outputPlaceholder = h("button", { class: "collapsed-placeholder", type: "button", "aria-label": "Show hidden output" }, "⋯ output hidden");
    outputPlaceholder.addEventListener("click", () => this.setOutputHidden(false));
    const outputPrompt = h("div", { class: "output-prompt" });
    const outputWrap = h(
      "div",
      { class: "output-row" },
      h("button", { class: "collapser", type: "button", "aria-label": "Collapse output", title: "Collapse output (double-click: toggle scrolling)", onclick: () => this.setOutputHidden(!this.outputHidden), ondblclick: () => this.toggleScrolled() }),
      outputPrompt,
      h("div", { class: "output-wrap" }, this.outputs.el, outputPlaceholder),
    );
    inputWrap.classList.toggle("hidden-input", this.inputHidden);
    outputWrap.classList.toggle("hidden-output", this.outputHidden);
    if (this.metadata.scrolled === true) outputWrap.classList.add("scrolled");
    const dom: CellDom = { prompt, edHost, mdView, inputWrap, timing, outputWrap, outputPrompt };
    this.dom = dom;
    this.el.setAttribute("aria-labelledby", promptId);
    this.el.addEventListener("mousedown", (ev) => {
      const t = ev.target as HTMLElement;
      if (t.closest(".cm-editor, input, button, a, select")) host.onFocus(this);
      else host.onSelect(this, ev.shiftKey);
    });
    // The CodeMirror editor is made when the cell comes near the viewport (or is used): until then the
    // source shows as plain text of the same size.
    const pre = h("pre", { class: "editor-placeholder", "aria-label": "Cell source" });
    pre.textContent = this.pendingSource || " ";
    edHost.appendChild(pre);
    edHost.addEventListener("mousedown", (ev) => {
      if (this._editor) return;
      // The editor takes the placeholder's place: the click is for it now (the cell's own mousedown
      // handler would see a detached target and go to command mode); put the cursor where it was. The
      // position is read from the placeholder's text, laid out already, rather than from the new editor,
      // which would be laid out just for that (tens of ms in a big notebook).
      ev.preventDefault();
      ev.stopPropagation();
      const { clientX: x, clientY: y } = ev;
      const at = placeholderOffset(pre, x, y);
      withCodeMirror(() => {
        if (!this._editor) this.startCursor = at ?? null;
        this.editor.view.focus();
      });
    }, { capture: true });
    // append, not replace: the panel may have put its cell toolbar in the outer element already.
    this.el.append(inputWrap, timing, outputWrap);
    this.el.classList.remove("unbuilt");
    this.el.style.removeProperty("height");
    this.applyType();
    this.updatePrompt();
    return dom;
  }

  /** Build whatever was deferred (the DOM, outputs, rendered markdown). */
  materialize() {
    void this.d;
    if (this.mdPending) {
      this.mdPending = false;
      if (this.rendered) this.renderMarkdown();
    }
    if (this.outputs.isDeferred) {
      this.outputs.ensureRendered();
      this.updateOutputVisibility();
    }
  }

  /** Near the viewport: build what was deferred; in view, the editor too (for markdown only when it is
   * being edited: rendered markdown shows no editor). */
  warm(inView: boolean) {
    this.materialize();
    if (this.type === "markdown" && this.rendered) unobserve(this);
    else if (inView) {
      if (codeMirrorNow()) void this.editor;
      else awaitEditor(this);
    }
  }

  /** The cell's CodeMirror editor, made on first use. Only once CodeMirror has loaded (editorLoader):
   * before that, callers wait for it (focusEditor) or skip what needs an editor. */
  get editor(): Editor {
    if (!this._editor) {
      const cm = codeMirrorNow();
      if (!cm) throw new Error("CodeMirror has not loaded yet");
      this.materialize();
      unobserve(this);
      const edHost = this.d.edHost;
      edHost.replaceChildren();
      this._editor = cm.createEditor(edHost, {
        doc: this.pendingSource,
        language: this.languageExt(),
        keys: this.host.keys(this),
        completion: this.host.completion,
        onChange: () => this.host.onChange(this),
        onFocus: () => this.host.onFocus(this),
        label: "Cell editor",
        lineNumbers: this.host.lineNumbers(),
        cursor: this.startCursor ?? undefined,
      });
      this.startCursor = null;
    }
    return this._editor;
  }

  get hasEditor(): boolean {
    return this._editor !== null;
  }

  private languageExt(): Extension {
    const ready = () => this.refreshLanguage();
    return this.type === "code" ? this.host.language(ready) : this.type === "markdown" ? codeMirrorNow()!.languageFor("markdown", ready) : [];
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
      const pre = this.dom?.edHost.querySelector("pre");
      if (pre) pre.textContent = s || " ";
      this.host.onChange(this);
      return;
    }
    const v = this._editor.view;
    if (s !== v.state.doc.toString()) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: s } });
  }

  get inputHidden(): boolean {
    return !!this.metadata.jupyter?.source_hidden;
  }
  get outputHidden(): boolean {
    return !!this.metadata.jupyter?.outputs_hidden;
  }

  setInputHidden(v: boolean) {
    const changed = v !== this.inputHidden;
    this.dom?.inputWrap.classList.toggle("hidden-input", v);
    this.setJupyterMeta("source_hidden", v);
    if (changed) this.host.onChange(this);
  }

  setOutputHidden(v: boolean) {
    const changed = v !== this.outputHidden;
    this.dom?.outputWrap.classList.toggle("hidden-output", v);
    this.setJupyterMeta("outputs_hidden", v);
    if (changed) this.host.onChange(this);
  }

  toggleScrolled() {
    const on = !this.d.outputWrap.classList.contains("scrolled");
    this.d.outputWrap.classList.toggle("scrolled", on);
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
    const d = this.dom;
    if (!d) return; // build() applies it
    d.outputWrap.classList.toggle("empty", !has && !this.outputs.el.querySelector(".stdin"));
    const res = this.outputs.outputs.find((o) => o.output_type === "execute_result") as { execution_count?: number | null } | undefined;
    d.outputPrompt.textContent = res ? `[${res.execution_count ?? " "}]:` : "";
    // Long outputs scroll instead of pushing the notebook down (like JupyterLab's auto-scroll).
    // Judged from the estimate where that is sure (no layout to read); otherwise measured in one pass per
    // frame for every cell that asked (all reads, then all writes: one layout). Deferred outputs are judged
    // once rendered.
    if (has && this.metadata.scrolled === undefined && !this.outputs.isDeferred) {
      const tall = this.outputs.surelyTaller(TALL_OUTPUT);
      if (tall === null) scheduleMeasure(this);
      else if (tall) d.outputWrap.classList.add("scrolled");
    }
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
    const mdView = this.d.mdView;
    if (src.trim() === "") mdView.innerHTML = '<p class="placeholder">Empty markdown cell; double-click to edit.</p>';
    else renderMarkdownInto(mdView, src);
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
    withCodeMirror(() => this.editor.view.focus());
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
    this.timingText = text;
    if (this.dom) this.dom.timing.textContent = text;
  }

  private updatePrompt() {
    const prompt = this.dom?.prompt;
    if (!prompt) return; // build() applies it
    if (this.type !== "code") {
      prompt.textContent = "";
      prompt.setAttribute("aria-label", `${this.type} cell`);
      return;
    }
    const n = this.runState !== "idle" ? "*" : this.executionCount ?? " ";
    prompt.textContent = `[${n}]:`;
    prompt.setAttribute("aria-label", `Code cell, execution ${n === " " ? "none" : n}`);
  }

  setTrusted(t: boolean) {
    this.outputs.setTrusted(t);
  }

  /** The cell for a browser-storage draft: like toJSON, but outputs only when they changed since load
   * (untouched ones are on disk, and a 10 MB notebook's outputs would not fit in storage anyway). */
  draftJSON(): any {
    const base: any = { id: this.id, cell_type: this.type, metadata: this.metadata, source: this.source };
    if (this.type === "code") {
      base.execution_count = this.executionCount;
      if (this.outputsTouched) base.outputs = this.outputs.toJSON();
    } else if (this.attachments && Object.keys(this.attachments).length) base.attachments = this.attachments;
    return base;
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

/** Outputs taller than this (px) scroll in a box (.output-row.scrolled), like JupyterLab's auto-scroll. */
const TALL_OUTPUT = 1200;
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
  const tall = cells.map((c) => c.metadata.scrolled === undefined && c.outputs.el.scrollHeight > TALL_OUTPUT);
  cells.forEach((c, i) => {
    if (tall[i]) c.outputRow?.classList.add("scrolled");
  });
}

const lazyCells = new WeakMap<Element, CellView>();
const MARGIN = 800;
const toBuild = new Set<CellView>(); // near the viewport: DOM, outputs and markdown, between frames
const toEdit = new Set<CellView>(); // in view: the editor too, between frames
let pumpTimer = 0;
const waitingForEditor = new Set<CellView>(); // in view before CodeMirror came: their editors, once it has

/** Made by the pump once CodeMirror has loaded, a few per slice: all the first screen's editors in the
 * task that CodeMirror arrives in would be one long task (~70 ms). */
function awaitEditor(cell: CellView) {
  if (!waitingForEditor.size) {
    codeMirror.then(() => {
      for (const c of waitingForEditor) toEdit.add(c);
      waitingForEditor.clear();
      schedulePump();
    }, () => waitingForEditor.clear());
  }
  waitingForEditor.add(cell);
}

/** Work through the queues in idle time, a few ms at a time, so that scrolling or a jump (say to the end of a
 * big notebook) never builds dozens of cells in one long task, and clicks, keys and frames come first: the
 * cells in view are already shown (their DOM is built when they come into view); what waits here is their
 * editors and the cells in the margin. */
function pump(deadline?: IdleDeadline) {
  pumpTimer = 0;
  const end = performance.now() + 12;
  const more = () => (deadline ? deadline.timeRemaining() > 2 || deadline.didTimeout : true) && performance.now() < end;
  for (const [queue, inView] of [[toEdit, true], [toBuild, false]] as const) {
    for (const c of queue) {
      queue.delete(c);
      if (lazyCells.get(c.el) === c) c.warm(inView);
      if (!more()) break;
    }
    if (!more()) break;
  }
  schedulePump();
}

function schedulePump() {
  if ((!toEdit.size && !toBuild.size) || pumpTimer) return;
  if (typeof requestIdleCallback === "function") pumpTimer = requestIdleCallback(pump, { timeout: 500 });
  else pumpTimer = window.setTimeout(pump, 0);
}

/** Which lazy cells are near the viewport, found by a binary search over the cells' positions after each
 * frame that scrolled or changed the notebook's size or cells. (An IntersectionObserver did this, but it
 * recomputed all of a big notebook's ~1,000 targets in every frame that changed layout: 2–7 ms a frame.) */
let checkQueued = false;
let watched: HTMLElement | null = null;

function scheduleCheck() {
  if (checkQueued) return;
  checkQueued = true;
  // After the frame: its layout is done, so reading positions costs nothing.
  requestAnimationFrame(() => window.setTimeout(checkNearViewport, 0));
}

function watch(scroller: HTMLElement, list: HTMLElement) {
  if (watched === list) return;
  watched = list;
  scroller.addEventListener("scroll", scheduleCheck, { passive: true });
  window.addEventListener("resize", scheduleCheck);
  if (typeof ResizeObserver !== "undefined") new ResizeObserver(scheduleCheck).observe(list); // cells grew or shrank
  new MutationObserver(scheduleCheck).observe(list, { childList: true }); // cells added, removed or moved
}

function checkNearViewport() {
  checkQueued = false;
  // The notebook scrolls inside .nb-scroll; cells are the children of its .cells, top to bottom.
  const scroller = document.querySelector<HTMLElement>(".nb-scroll");
  const list = scroller?.querySelector<HTMLElement>(".cells");
  if (!scroller || !list) return;
  watch(scroller, list);
  const view = scroller.getBoundingClientRect();
  const kids = list.children;
  let lo = 0;
  let hi = kids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (kids[mid].getBoundingClientRect().bottom < view.top - MARGIN) lo = mid + 1;
    else hi = mid;
  }
  const near = new Set<CellView>();
  for (let i = lo; i < kids.length; i++) {
    const r = kids[i].getBoundingClientRect();
    if (r.top > view.bottom + MARGIN) break;
    const c = lazyCells.get(kids[i]);
    if (!c) continue;
    near.add(c);
    // In view: its content now (it is on screen), its editor soon. In the margin: its content soon.
    if (r.bottom > view.top && r.top < view.bottom) {
      toBuild.delete(c);
      c.materialize();
      toEdit.add(c);
    } else if (!toEdit.has(c)) toBuild.add(c);
  }
  for (const queue of [toBuild, toEdit, waitingForEditor]) {
    for (const c of queue) if (!near.has(c)) queue.delete(c); // scrolled away before its turn came
  }
  schedulePump();
}

function observeLazily(cell: CellView) {
  lazyCells.set(cell.el, cell);
  scheduleCheck();
}

function unobserve(cell: CellView) {
  toBuild.delete(cell);
  toEdit.delete(cell);
  waitingForEditor.delete(cell);
  lazyCells.delete(cell.el);
}

/** The offset in the placeholder's text under (x, y), or undefined (no text there, or no caret API). */
function placeholderOffset(pre: HTMLElement, x: number, y: number): number | undefined {
  const d = document as Document & { caretPositionFromPoint?: (x: number, y: number) => { offsetNode: Node; offset: number } | null };
  let node: Node | null = null;
  let offset = 0;
  if (d.caretPositionFromPoint) {
    const p = d.caretPositionFromPoint(x, y);
    if (p) [node, offset] = [p.offsetNode, p.offset];
  } else if (document.caretRangeFromPoint) {
    const r = document.caretRangeFromPoint(x, y);
    if (r) [node, offset] = [r.startContainer, r.startOffset];
  }
  // The placeholder holds one text node: the source itself.
  return node && node.parentNode === pre ? offset : undefined;
}
