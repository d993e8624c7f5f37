// The notebook editor page: cells, command/edit modes, kernel, saving, trust, recovery.
import type { EditorView } from "@codemirror/view";
import type { Extension } from "@codemirror/state";
import type { CompletionContext, CompletionResult } from "@codemirror/autocomplete";
import { contents, sessions, kernels as kernelsApi, kernelspecs, SessionModel, KernelSpecs, ApiError, connectivity, filesUrl } from "../api";
import { config, pageUrl } from "../config";
import { KernelConnection, KernelStatus, Message } from "../kernel";
import { codeMirror, codeMirrorNow } from "../editorLoader";
import { CellView, CellJSON, CellType, CellHost } from "./cell";
import { OutputArea } from "./outputs";
import { ansiToHtml } from "../render/ansi";
import { h, relativeTime } from "../ui/dom";
import { dialog, confirm, prompt, toast, alertDialog, dialogOpen } from "../ui/dialog";
import { menubar, MenuItem } from "../ui/menu";
import { openSettings } from "../ui/settingsDialog";
import { loadSettings } from "../settings";
import { FindPanel } from "./find";
import { SHORTCUTS } from "./shortcuts";
import { icon, ICONS } from "../ui/icons";
import { setDocumentDir } from "../render/links";
import { warmUp as warmUpMarkdown } from "../render/markdown";

type Mode = "command" | "edit";

// Notebooks of more than LAZY_ABOVE cells build only the cells of the first screen at once; the others
// (their DOM, outputs, markdown and editor) as they come near the viewport.
const LAZY_ABOVE = 40;
// Browser storage holds about 5 M characters per site; a draft stays well under, leaving room for others.
const DRAFT_MAX_CHARS = 2_000_000;

interface Snapshot {
  cells: { view: CellView; type: CellType; source: string }[];
  active: number;
}

const STATUS_LABEL: Record<KernelStatus, string> = {
  unknown: "Connecting",
  starting: "Starting",
  idle: "Idle",
  busy: "Busy",
  restarting: "Restarting",
  dead: "Dead",
  disconnected: "Disconnected",
};

const FAVICON = (dot: string) =>
  "data:image/svg+xml," +
  encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#f37726"/>` +
      `<path d="M4 3h8v2H6v2h5v2H6v4H4z" fill="white"/>${dot}</svg>`,
  );
const ICON_IDLE = FAVICON("");
const ICON_BUSY = FAVICON('<circle cx="12" cy="12" r="3.5" fill="#222" stroke="white"/>');

/** Count code points (the protocol's cursor unit) in s[0:utf16Index]. */
function toCodePoints(s: string, idx: number): number {
  return Array.from(s.slice(0, idx)).length;
}
function fromCodePoints(s: string, cp: number): number {
  let i = 0;
  let n = 0;
  for (const ch of s) {
    if (n >= cp) break;
    i += ch.length;
    n++;
  }
  return i;
}

export class NotebookPanel {
  path: string;
  cells: CellView[] = [];
  active = 0;
  anchor = 0;
  mode: Mode = "command";
  dirty = false;
  lastModified = "";
  hash: string | null = null;
  metadata: Record<string, any> = {};
  nbformatMinor = 5;
  session: SessionModel | null = null;
  kernel: KernelConnection | null = null;
  specs: KernelSpecs | null = null;
  kernelName = "";
  clipboard: CellJSON[] = [];
  undoStack: Snapshot[] = [];
  private pendingKey = "";
  private pendingTimer = 0;
  private container!: HTMLElement;
  private statusEl!: HTMLElement;
  private kernelNameEl!: HTMLElement;
  private nameEl!: HTMLElement;
  private saveStateEl!: HTMLElement;
  private trustEl!: HTMLButtonElement;
  private bannerBox!: HTMLElement;
  private tocEl!: HTMLElement;
  private typeSelect!: HTMLSelectElement;
  private find!: FindPanel;
  private saving = false;
  private conflictOpen = false;
  private autosaveTimer = 0;
  private draftTimer = 0;
  private tocTimer = 0;
  private running = new Map<string, CellView>(); // execute msg_id → cell
  private inspectEl: HTMLElement | null = null;
  private dragCell: CellView | null = null;
  private loaded = false;
  lineNumbers = localStorage.getItem("folio:cell-line-numbers") === "1";
  private statusBar!: HTMLElement;
  private cellTools!: HTMLElement;

  constructor(private root: HTMLElement, path: string) {
    this.path = path;
  }

  get name() {
    return this.path.split("/").pop() ?? this.path;
  }

  get language(): string {
    return (
      this.kernel?.info?.language_info?.name ??
      this.metadata.language_info?.name ??
      this.metadata.kernelspec?.language ??
      this.specs?.kernelspecs[this.kernelName]?.spec.language ??
      "python"
    );
  }

  // ------------------------------------------------------------------ layout

  async start() {
    setDocumentDir(this.dir);
    this.buildLayout();
    window.setInterval(() => this.updateSaveState(), 30_000);
    document.title = `${this.name} - folio`;
    let model;
    try {
      let arrived = false;
      const pending = contents.openNotebook(this.path, (cells) => {
        arrived = true;
        this.appendStreamed(cells);
      });
      pending.then(() => (arrived = true), () => (arrived = true));
      warmUpMarkdown(() => arrived); // while the notebook is on the way
      codeMirror.then((m) => arrived || m.warmUp(), () => {});
      model = await pending;
    } catch (e) {
      this.streamed = null; // cells that came ahead of a failed load are dropped with it
      this.cells = [];
      this.container.removeAttribute("aria-busy");
      this.container.replaceChildren(h("div", { class: "load-error", role: "alert" }, `Could not open ${this.path}: ${(e as Error).message}`));
      return;
    }
    this.loadModel(model.content);
    this.lastModified = model.last_modified;
    this.hash = model.hash ?? null;
    this.loaded = true;
    this.offerDraft(model.content);
    this.selectCell(0, false);
    // In the next frame, with its layout: focusing now would lay out the whole new notebook here, and the
    // frame would then lay out again what changed since.
    this.setMode("command");
    requestAnimationFrame(() => {
      if (this.mode === "command" && (document.activeElement === document.body || !document.activeElement)) this.enterCommandMode();
    });
    this.scheduleAutosave();
    window.addEventListener("folio-settings", () => this.scheduleAutosave());
    window.addEventListener("beforeunload", (ev) => {
      if (this.dirty) {
        this.writeDraft();
        ev.preventDefault();
      }
    });
    window.addEventListener("pagehide", () => {
      if (this.dirty) this.writeDraft();
    });
    contents.listCheckpoints(this.path).then((cps) => {
      if (cps.length === 0) contents.createCheckpoint(this.path).catch(() => {});
    }).catch(() => {});
    this.startKernel();
  }

  private buildLayout() {
    this.nameEl = h("button", { class: "nb-name", type: "button", title: "Rename notebook", "aria-label": "Rename notebook" }, this.name);
    this.nameEl.addEventListener("click", () => this.rename());
    this.saveStateEl = h("span", { class: "save-state", "aria-live": "polite" });
    this.trustEl = h("button", { class: "trust-indicator", type: "button", "aria-label": "Notebook trust" });
    this.trustEl.addEventListener("click", () => this.trust());
    this.kernelNameEl = h("button", { class: "kernel-name", type: "button", title: "Change kernel", "aria-label": "Change kernel" }, "No kernel");
    this.kernelNameEl.addEventListener("click", () => this.changeKernel());
    this.statusEl = h("span", { class: "kernel-status", id: "kernel-status", role: "status", "aria-live": "polite", "data-status": "unknown" },
      h("span", { class: "dot", "aria-hidden": "true" }), h("span", { class: "label" }, "Connecting"));
    const header = h(
      "header",
      { class: "topbar" },
      h("a", { class: "logo", href: pageUrl("tree", this.path.split("/").slice(0, -1).join("/")), "aria-label": "File browser", title: "File browser" }, "folio"),
      this.nameEl,
      this.saveStateEl,
      h("span", { class: "spacer" }),
      this.trustEl,
      this.kernelNameEl,
      this.statusEl,
    );
    const menus = menubar(this.menus());
    const toolbar = this.buildToolbar();
    this.bannerBox = h("div", { class: "banners" });
    this.container = h("div", { class: "cells", tabindex: "-1", role: "region", "aria-label": "Notebook cells" });
    this.container.addEventListener("focus", () => this.container.classList.add("has-focus"));
    this.container.addEventListener("blur", () => this.container.classList.remove("has-focus"));
    this.container.addEventListener("dragover", (ev) => this.onDragOver(ev));
    this.container.addEventListener("drop", (ev) => this.onDrop(ev));
    this.container.addEventListener("dragleave", () => this.container.querySelectorAll(".drop-before,.drop-after").forEach((e) => e.classList.remove("drop-before", "drop-after")));
    this.tocEl = h("aside", { class: "toc hidden", "aria-label": "Table of contents" });
    this.find = new FindPanel(this);
    const main = h("div", { class: "nb-main" }, this.tocEl, h("main", { class: "nb-scroll" }, this.find.el, this.container));
    this.statusBar = h("footer", { class: "statusbar", "aria-label": "Status bar" });
    this.cellTools = this.buildCellTools();
    this.root.replaceChildren(h("div", { class: "notebook-app" }, header, menus, toolbar, this.bannerBox, main, this.statusBar));
    document.addEventListener("keydown", (ev) => this.onKeyDown(ev));
    // While a big notebook is still coming its cells are shown, not yet to be used (see appendStreamed).
    for (const type of ["mousedown", "click", "dblclick", "dragstart", "drop"]) {
      this.root.addEventListener(type, (ev) => {
        if (this.loading) {
          ev.preventDefault();
          ev.stopPropagation();
        }
      }, true);
    }
    connectivity.addEventListener("change", (ev) => {
      const on = (ev as CustomEvent).detail as boolean;
      this.banner("conn", on ? null : "The server cannot be reached. Reconnecting…");
    });
    this.updateTrust();
    this.updateSaveState();
  }

  private buildToolbar(): HTMLElement {
    const b = (label: string, ic: keyof typeof ICONS, action: () => void, cls = "") =>
      h("button", { class: "tb " + cls, type: "button", title: label, "aria-label": label, onclick: (ev: Event) => {
        const btn = ev.currentTarget as HTMLElement;
        action();
        // Back to command mode, unless the action put the focus somewhere (a dialog, the find box).
        if (document.activeElement === btn || document.activeElement === document.body) this.container.focus({ preventScroll: true });
      } }, icon(ic));
    this.typeSelect = h(
      "select",
      { class: "cell-type", "aria-label": "Cell type" },
      h("option", { value: "code" }, "Code"),
      h("option", { value: "markdown" }, "Markdown"),
      h("option", { value: "raw" }, "Raw"),
    );
    this.typeSelect.addEventListener("change", () => {
      this.changeType(this.typeSelect.value as CellType);
      this.container.focus();
    });
    return h(
      "div",
      { class: "toolbar", role: "toolbar", "aria-label": "Notebook actions" },
      b("Save (Ctrl-S)", "save", () => this.save()),
      b("Insert cell below (B)", "plus", () => this.insert(1)),
      b("Cut cells (X)", "cut", () => this.cut()),
      b("Copy cells (C)", "copy", () => this.copy()),
      b("Paste cells below (V)", "paste", () => this.paste(1)),
      b("Move cells up", "up", () => this.moveSelection(-1)),
      b("Move cells down", "down", () => this.moveSelection(1)),
      h("span", { class: "tb-sep" }),
      b("Run cell and advance (Shift-Enter)", "run", () => this.runSelected("advance")),
      b("Interrupt the kernel (I, I)", "stop", () => this.interrupt()),
      b("Restart the kernel (0, 0)", "restart", () => this.restart(true)),
      b("Restart the kernel and run all cells", "restartRun", () => this.restartRunAll(true)),
      h("span", { class: "tb-sep" }),
      this.typeSelect,
      h("span", { class: "tb-sep" }),
      b("Find and replace (Ctrl-F)", "search", () => this.find.open()),
      b("Table of contents", "toc", () => this.toggleToc()),
      b("Keyboard shortcuts (H)", "keyboard", () => this.showShortcuts()),
    );
  }

  private menus(): Record<string, MenuItem[]> {
    const one = () => this.cells.length > 0;
    return {
      File: [
        { label: "New notebook", action: () => this.newNotebook() },
        { label: "Open file browser", action: () => window.open(pageUrl("tree", this.dir), "_blank") },
        { label: "Save", shortcut: "Ctrl+S", action: () => this.save(), separatorBefore: true },
        { label: "Rename…", action: () => this.rename() },
        { label: "Revert to checkpoint…", action: () => this.revertToCheckpoint() },
        { label: "Download", action: () => this.download() },
        { label: "Trust notebook", action: () => this.trust(), separatorBefore: true },
        { label: "Settings…", action: () => openSettings() },
        { label: "Close and shut down kernel", action: () => this.closeAndShutdown(), separatorBefore: true },
      ],
      Edit: [
        { label: "Undo cell operation", shortcut: "Z", action: () => this.undo() },
        { label: "Cut cells", shortcut: "X", action: () => this.cut(), separatorBefore: true },
        { label: "Copy cells", shortcut: "C", action: () => this.copy() },
        { label: "Paste cells below", shortcut: "V", action: () => this.paste(1) },
        { label: "Paste cells above", shortcut: "Shift+V", action: () => this.paste(0) },
        { label: "Delete cells", shortcut: "D, D", action: () => this.deleteSelected(), enabled: one },
        { label: "Move cells up", action: () => this.moveSelection(-1), separatorBefore: true },
        { label: "Move cells down", action: () => this.moveSelection(1) },
        { label: "Merge selected cells", shortcut: "Shift+M", action: () => this.merge() },
        { label: "Split cell at cursor", shortcut: "Ctrl+Shift+-", action: () => this.split() },
        { label: "Clear outputs of selected cells", action: () => this.clearOutputs(false), separatorBefore: true },
        { label: "Clear all outputs", action: () => this.clearOutputs(true) },
        { label: "Find and replace…", shortcut: "Ctrl+F", action: () => this.find.open(), separatorBefore: true },
      ],
      View: [
        { label: "Table of contents", action: () => this.toggleToc() },
        { label: "Toggle line numbers", shortcut: "Shift+L", action: () => this.toggleLineNumbers() },
        { label: "Collapse selected inputs", action: () => this.selected().forEach((c) => c.setInputHidden(true)), separatorBefore: true },
        { label: "Expand selected inputs", action: () => this.selected().forEach((c) => c.setInputHidden(false)) },
        { label: "Collapse selected outputs", shortcut: "O", action: () => this.selected().forEach((c) => c.setOutputHidden(true)) },
        { label: "Expand selected outputs", action: () => this.selected().forEach((c) => c.setOutputHidden(false)) },
        { label: "Toggle output scrolling", action: () => this.selected().forEach((c) => c.toggleScrolled()) },
        { label: "Expand all", action: () => this.cells.forEach((c) => { c.setInputHidden(false); c.setOutputHidden(false); }) },
      ],
      Run: [
        { label: "Run selected cells", shortcut: "Shift+Enter", action: () => this.runSelected("advance") },
        { label: "Run selected cells and insert below", shortcut: "Alt+Enter", action: () => this.runSelected("insert") },
        { label: "Run all cells", action: () => this.runAll(), separatorBefore: true },
        { label: "Run all above selected cell", action: () => this.runRange(0, this.active) },
        { label: "Run selected cell and all below", action: () => this.runRange(this.active, this.cells.length) },
        { label: "Restart kernel and run all cells…", action: () => this.restartRunAll(true), separatorBefore: true },
      ],
      Kernel: [
        { label: "Interrupt kernel", shortcut: "I, I", action: () => this.interrupt() },
        { label: "Restart kernel…", shortcut: "0, 0", action: () => this.restart(true) },
        { label: "Restart kernel and clear outputs…", action: () => this.restart(true, true) },
        { label: "Restart kernel and run all cells…", action: () => this.restartRunAll(true) },
        { label: "Reconnect to kernel", action: () => this.kernel?.reconnect() },
        { label: "Change kernel…", action: () => this.changeKernel(), separatorBefore: true },
        { label: "Shut down kernel", action: () => this.shutdownKernel() },
      ],
      Help: [{ label: "Keyboard shortcuts", shortcut: "H", action: () => this.showShortcuts() }],
    };
  }

  private get dir() {
    return this.path.split("/").slice(0, -1).join("/");
  }

  banner(key: string, message: string | null, actions: { label: string; action: () => void; primary?: boolean }[] = [], kind = "warn") {
    this.bannerBox.querySelector(`[data-key="${key}"]`)?.remove();
    if (message === null) return;
    const el = h(
      "div",
      { class: `banner ${kind}`, "data-key": key, role: "alert" },
      h("span", { class: "msg" }, message),
      ...actions.map((a) =>
        h("button", { class: "btn " + (a.primary ? "primary" : "plain"), type: "button", onclick: () => a.action() }, a.label),
      ),
    );
    this.bannerBox.appendChild(el);
  }

  // ------------------------------------------------------------------ model

  private host(): CellHost {
    return {
      keys: (cell) => this.editorKeys(cell),
      completion: (ctx) => this.complete(ctx),
      language: (ready) => codeMirrorNow()!.languageFor(this.language, ready), // asked when an editor is made
      lineNumbers: () => this.lineNumbers,
      onChange: () => this.markDirty(),
      onFocus: (cell) => {
        const i = this.cells.indexOf(cell);
        if (i < 0) return;
        if (cell.hasEditor && cell.editor.view.hasFocus) {
          this.selectCell(i, false);
          this.setMode("edit");
        } else if (i !== this.active) this.selectCell(i, false);
      },
      onSelect: (cell, extend) => {
        // A click on the prompt, output or rendered markdown selects the cell in command mode.
        const i = this.cells.indexOf(cell);
        if (i < 0) return;
        this.selectCell(i, extend);
        window.setTimeout(() => {
          if (!window.getSelection()?.toString()) this.enterCommandMode();
        }, 0);
      },
      onDoubleClickMarkdown: (cell) => {
        this.selectCell(this.cells.indexOf(cell), false);
        this.enterEditMode();
      },
      onDragStart: (cell, ev) => {
        this.dragCell = cell;
        ev.dataTransfer?.setData("application/x-folio-cell", cell.id);
        if (ev.dataTransfer) ev.dataTransfer.effectAllowed = "move";
      },
    };
  }

  private makeCell(json: CellJSON, trusted?: boolean, lazy = false): CellView {
    const t = trusted ?? (json.cell_type === "code" ? json.metadata?.trusted === true || (json.outputs ?? []).length === 0 : true);
    return new CellView(json, this.host(), t, lazy);
  }

  /** The cells of a big notebook that came before the rest of it (api.ts openNotebook), in the order they
   * came; null once loadModel has taken them (or when the notebook did not come so). */
  private streamed: { json: CellJSON[]; y: number } | null = null;

  /** Cells of the notebook being opened, ahead of its model: shown (lazily built, the first screen at once)
   * as they arrive. The page ignores edits and commands until loadModel has the whole notebook. */
  private appendStreamed(list: CellJSON[]) {
    let st = this.streamed;
    if (!st) {
      st = this.streamed = { json: [], y: 0 };
      this.cells = [];
      this.container.replaceChildren();
      this.container.setAttribute("aria-busy", "true");
    }
    const views = list.map((c) => this.makeCell(c, undefined, true));
    st.y = this.buildFirstScreen(views, st.y);
    for (const c of list) st.json.push(c);
    for (const v of views) this.cells.push(v);
    this.container.append(...views.map((v) => v.el));
    if (st.json.length === list.length) this.updateSelectionClasses();
  }

  /** Build the lazy cells that the first screen shows, the first of them starting y px down, so that it
   * paints whole (estimates are enough to know where it ends); the y after them. */
  private buildFirstScreen(views: CellView[], y: number): number {
    for (const v of views) {
      if (y > window.innerHeight) break;
      y += v.estimatedHeight();
      v.materialize();
    }
    return y;
  }

  /** While a streamed notebook is still coming: its cells are shown but not to be edited yet. */
  get loading(): boolean {
    return this.streamed !== null;
  }

  loadModel(nb: any) {
    this.metadata = nb.metadata ?? {};
    this.nbformatMinor = Math.max(nb.nbformat_minor ?? 5, 5);
    const list: CellJSON[] = nb.cells ?? [];
    const st = this.streamed;
    this.streamed = null;
    this.container.removeAttribute("aria-busy");
    if (st && st.json.length === list.length && list.every((c, i) => c === st.json[i])) {
      // The cells came ahead (appendStreamed) and are in the page already.
      if (this.cells.length === 0) {
        this.cells.push(this.makeCell({ cell_type: "code", source: "" }));
        this.container.append(this.cells[0].el);
      }
    } else {
      const lazy = list.length > LAZY_ABOVE;
      this.cells = list.map((c) => this.makeCell(c, undefined, lazy));
      if (lazy) this.buildFirstScreen(this.cells, 0);
      if (this.cells.length === 0) this.cells.push(this.makeCell({ cell_type: "code", source: "" }));
      this.container.replaceChildren(...this.cells.map((c) => c.el));
    }
    this.active = Math.min(this.active, this.cells.length - 1);
    this.anchor = this.active;
    this.updateSelectionClasses();
    this.updateTrust();
    this.refreshToc();
  }

  toJSON(): any {
    const metadata = { ...this.metadata };
    return { cells: this.cells.map((c) => c.toJSON()), metadata, nbformat: 4, nbformat_minor: this.nbformatMinor };
  }

  /** Put the cells' elements in the page, in order. */
  private syncDom() {
    this.container.replaceChildren(...this.cells.map((c) => c.el));
    this.updateSelectionClasses();
  }

  private changeGen = 0; // bumped on every edit, so a save knows whether edits came in while it ran

  markDirty() {
    if (!this.loaded) return;
    this.changeGen++;
    if (!this.dirty) {
      this.dirty = true;
      this.updateSaveState();
    }
    window.clearTimeout(this.draftTimer);
    this.draftTimer = window.setTimeout(() => this.writeDraft(), 800);
    window.clearTimeout(this.tocTimer);
    this.tocTimer = window.setTimeout(() => this.refreshToc(), 400);
  }

  private updateSaveState(extra?: string) {
    document.title = `${this.dirty ? "● " : ""}${this.name} - folio`;
    this.nameEl.textContent = this.name;
    this.nameEl.classList.toggle("dirty", this.dirty);
    this.saveStateEl.textContent = extra ?? (this.dirty ? "Unsaved changes" : this.lastModified ? `Saved ${relativeTime(this.lastModified)}` : "");
  }

  // ------------------------------------------------------------------ selection and modes

  selected(): CellView[] {
    const [a, b] = [Math.min(this.anchor, this.active), Math.max(this.anchor, this.active)];
    return this.cells.slice(a, b + 1);
  }

  selectCell(i: number, extend: boolean) {
    if (this.cells.length === 0) return;
    i = Math.max(0, Math.min(this.cells.length - 1, i));
    this.active = i;
    if (!extend) this.anchor = i;
    this.updateSelectionClasses();
    this.typeSelect.value = this.cells[i].type;
  }

  private marked = new Set<CellView>(); // cells whose element carries active/selected classes

  private updateSelectionClasses() {
    const [a, b] = [Math.min(this.anchor, this.active), Math.max(this.anchor, this.active)];
    // Touch only the cells whose state changes: big notebooks stay fast to navigate.
    const want = new Set<CellView>(this.cells.slice(a, b + 1));
    if (this.cells[this.active]) want.add(this.cells[this.active]);
    for (const c of this.marked) {
      if (!want.has(c)) {
        c.el.classList.remove("active", "selected");
        c.el.removeAttribute("aria-current");
      }
    }
    for (const c of want) {
      const i = this.cells.indexOf(c);
      c.el.classList.toggle("active", i === this.active);
      c.el.classList.toggle("selected", a !== b);
      if (i === this.active) c.el.setAttribute("aria-current", "true");
      else c.el.removeAttribute("aria-current");
    }
    this.marked = want;
    const cur = this.cells[this.active];
    if (cur && this.cellTools && this.cellTools.parentElement !== cur.el) cur.el.prepend(this.cellTools);
    this.updateStatusBar();
  }

  /** The small per-cell toolbar on the active cell (as JupyterLab 4): move, duplicate, insert, delete. */
  private buildCellTools(): HTMLElement {
    const b = (label: string, ic: keyof typeof ICONS, f: () => void) =>
      h("button", { class: "ct", type: "button", title: label, "aria-label": label, onclick: (ev: Event) => { ev.stopPropagation(); f(); } }, icon(ic));
    const el = h("div", { class: "cell-tools", role: "toolbar", "aria-label": "Cell actions" },
      b("Move cell up", "up", () => this.moveSelection(-1)),
      b("Move cell down", "down", () => this.moveSelection(1)),
      b("Duplicate cell", "copy", () => { this.copy(); this.paste(1); }),
      b("Insert cell below", "plus", () => this.insert(1)),
      b("Delete cell", "trash", () => this.deleteSelected()),
    );
    el.addEventListener("mousedown", (ev) => ev.stopPropagation());
    return el;
  }

  private updateStatusBar() {
    if (!this.statusBar) return;
    const k = this.specs?.kernelspecs[this.kernelName]?.spec.display_name ?? "No kernel";
    const st = STATUS_LABEL[(this.statusEl?.dataset.status as KernelStatus) ?? "unknown"];
    const sel = this.selected().length;
    this.statusBar.textContent = `${this.mode === "edit" ? "Edit" : "Command"} mode · Cell ${this.active + 1} of ${this.cells.length}${sel > 1 ? ` (${sel} selected)` : ""} · ${k} | ${st}`;
  }

  private setMode(m: Mode) {
    this.mode = m;
    this.root.querySelector(".notebook-app")?.classList.toggle("edit-mode", m === "edit");
    this.root.querySelector(".notebook-app")?.classList.toggle("command-mode", m === "command");
    this.updateStatusBar();
  }

  enterCommandMode() {
    this.setMode("command");
    this.hideInspect();
    const c = this.cells[this.active];
    if (c?.type === "markdown" && !c.rendered && document.activeElement && c.el.contains(document.activeElement)) {
      // JupyterLab leaves markdown unrendered on Esc; keep it that way.
    }
    this.container.focus({ preventScroll: true });
  }

  enterEditMode() {
    const c = this.cells[this.active];
    if (!c) return;
    this.setMode("edit");
    c.focusEditor();
  }

  private scrollToActive() {
    this.cells[this.active]?.el.scrollIntoView({ block: "nearest" });
  }

  // ------------------------------------------------------------------ keyboard

  /** The notebook's bindings for a cell editor (made only once CodeMirror has loaded). */
  private editorKeys(cell: CellView): Extension {
    const { keymap, completionStatus, startCompletion, indentLess } = codeMirrorNow()!;
    const at = () => this.cells.indexOf(cell);
    const run = (how: "advance" | "stay" | "insert") => () => {
      this.selectCell(at(), false);
      this.runSelected(how);
      return true;
    };
    return keymap.of([
      { key: "Shift-Enter", run: run("advance") },
      { key: "Mod-Enter", run: run("stay") },
      { key: "Alt-Enter", run: run("insert") },
      {
        key: "Escape",
        run: (v) => {
          if (completionStatus(v.state) === "active") return false;
          if (this.inspectEl) {
            this.hideInspect();
            return true;
          }
          this.selectCell(at(), false);
          this.enterCommandMode();
          return true;
        },
      },
      {
        key: "Tab",
        run: (v) => {
          const sel = v.state.selection.main;
          if (!sel.empty || v.state.selection.ranges.length > 1) return false;
          const line = v.state.doc.lineAt(sel.head);
          const before = line.text.slice(0, sel.head - line.from);
          if (/^\s*$/.test(before)) return false; // indent
          if (completionStatus(v.state) === "active") return false;
          return startCompletion(v);
        },
      },
      {
        key: "Shift-Tab",
        run: (v) => {
          const sel = v.state.selection.main;
          const line = v.state.doc.lineAt(sel.head);
          const before = line.text.slice(0, sel.head - line.from);
          if (/^\s*$/.test(before) || !sel.empty) return indentLess(v);
          this.inspect(v);
          return true;
        },
      },
      { key: "Mod-s", run: () => (this.save(), true) },
      { key: "Mod-f", run: () => (this.find.open(), true) },
      { key: "Ctrl-Shift--", run: () => (this.selectCell(at(), false), this.split(), true) },
      {
        key: "ArrowUp",
        run: (v) => {
          const sel = v.state.selection.main;
          if (!sel.empty || v.state.doc.lineAt(sel.head).number !== 1 || completionStatus(v.state) === "active") return false;
          const i = at();
          if (i === 0) return false;
          this.selectCell(i - 1, false);
          const prev = this.cells[i - 1];
          prev.focusEditor();
          const end = prev.editor.view.state.doc.length;
          prev.editor.view.dispatch({ selection: { anchor: end } });
          return true;
        },
      },
      {
        key: "ArrowDown",
        run: (v) => {
          const sel = v.state.selection.main;
          if (!sel.empty || v.state.doc.lineAt(sel.head).number !== v.state.doc.lines || completionStatus(v.state) === "active") return false;
          const i = at();
          if (i >= this.cells.length - 1) return false;
          this.selectCell(i + 1, false);
          const next = this.cells[i + 1];
          next.focusEditor();
          next.editor.view.dispatch({ selection: { anchor: 0 } });
          return true;
        },
      },
    ]);
  }

  private onKeyDown(ev: KeyboardEvent) {
    if (dialogOpen()) return;
    const t = ev.target as HTMLElement;
    const inEditor = !!t.closest?.(".cm-editor");
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && ev.key.toLowerCase() === "s") {
      ev.preventDefault();
      if (!inEditor) this.save();
      return;
    }
    if (this.loading) return;
    if (inEditor) return;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable) return;
    if (t.closest?.(".menubar, .toolbar, .topbar, .banners, .find-panel, .toc") && (ev.key === "Enter" || ev.key === " ")) return;
    if (mod && ev.key.toLowerCase() === "f") {
      ev.preventDefault();
      this.find.open();
      return;
    }
    if (ev.altKey && !mod && ev.key !== "Enter") return;
    if (mod && ev.key !== "Enter") return;
    const key = (ev.shiftKey ? "Shift-" : "") + (ev.altKey ? "Alt-" : "") + (mod ? "Mod-" : "") + (ev.key.length === 1 ? ev.key.toLowerCase() : ev.key);
    const double = (k: string, f: () => void) => {
      if (this.pendingKey === k) {
        this.pendingKey = "";
        f();
      } else {
        this.pendingKey = k;
        window.clearTimeout(this.pendingTimer);
        this.pendingTimer = window.setTimeout(() => (this.pendingKey = ""), 800);
      }
    };
    const actions: Record<string, () => void> = {
      Enter: () => this.enterEditMode(),
      "Shift-Enter": () => this.runSelected("advance"),
      "Mod-Enter": () => this.runSelected("stay"),
      "Alt-Enter": () => this.runSelected("insert"),
      a: () => this.insert(0),
      b: () => this.insert(1),
      d: () => double("d", () => this.deleteSelected()),
      x: () => this.cut(),
      c: () => this.copy(),
      v: () => this.paste(1),
      "Shift-v": () => this.paste(0),
      z: () => this.undo(),
      m: () => this.changeType("markdown"),
      y: () => this.changeType("code"),
      r: () => this.changeType("raw"),
      "Shift-m": () => this.merge(),
      ArrowUp: () => (this.selectCell(this.active - 1, false), this.scrollToActive()),
      k: () => (this.selectCell(this.active - 1, false), this.scrollToActive()),
      ArrowDown: () => (this.selectCell(this.active + 1, false), this.scrollToActive()),
      j: () => (this.selectCell(this.active + 1, false), this.scrollToActive()),
      "Shift-ArrowUp": () => (this.selectCell(this.active - 1, true), this.scrollToActive()),
      "Shift-k": () => (this.selectCell(this.active - 1, true), this.scrollToActive()),
      "Shift-ArrowDown": () => (this.selectCell(this.active + 1, true), this.scrollToActive()),
      "Shift-j": () => (this.selectCell(this.active + 1, true), this.scrollToActive()),
      "0": () => double("0", () => this.restart(true)),
      i: () => double("i", () => this.interrupt()),
      o: () => this.selected().forEach((c) => c.setOutputHidden(!c.outputHidden)),
      "Shift-o": () => this.selected().forEach((c) => c.toggleScrolled()),
      "Shift-l": () => this.toggleLineNumbers(),
      h: () => this.showShortcuts(),
      Home: () => (this.selectCell(0, false), this.scrollToActive()),
      End: () => (this.selectCell(this.cells.length - 1, false), this.scrollToActive()),
    };
    const f = actions[key];
    if (f) {
      ev.preventDefault();
      if (key !== "d" && key !== "0" && key !== "i") this.pendingKey = "";
      f();
    }
  }

  // ------------------------------------------------------------------ cell operations

  private snapshot() {
    this.undoStack.push({ cells: this.cells.map((view) => ({ view, type: view.type, source: view.source })), active: this.active });
    if (this.undoStack.length > 100) this.undoStack.shift();
  }

  undo() {
    const s = this.undoStack.pop();
    if (!s) return;
    for (const { view, type, source } of s.cells) {
      if (view.type !== type) view.setType(type);
      if (view.source !== source) view.source = source;
      if (type === "markdown" && !view.rendered && source.trim()) view.renderMarkdown();
    }
    this.cells = s.cells.map((c) => c.view);
    this.syncDom();
    this.selectCell(s.active, false);
    this.markDirty();
  }

  insert(offset: 0 | 1, type: CellType = "code", edit = false): CellView {
    this.snapshot();
    const cell = this.makeCell({ cell_type: type, source: "" }, true);
    const at = this.cells.length === 0 ? 0 : (offset === 0 ? Math.min(this.anchor, this.active) : Math.max(this.anchor, this.active) + 1);
    this.cells.splice(at, 0, cell);
    this.syncDom();
    this.selectCell(at, false);
    this.scrollToActive();
    this.markDirty();
    if (edit) this.enterEditMode();
    return cell;
  }

  deleteSelected() {
    if (this.cells.length === 0) return;
    this.snapshot();
    const start = Math.min(this.anchor, this.active);
    const removed = this.cells.splice(start, this.selected().length || 1);
    removed.forEach((c) => c.outputs.cancelInput());
    if (this.cells.length === 0) this.cells.push(this.makeCell({ cell_type: "code", source: "" }, true));
    this.syncDom();
    this.selectCell(Math.min(start, this.cells.length - 1), false);
    this.markDirty();
  }

  copy() {
    this.clipboard = this.selected().map((c) => {
      const j = c.toJSON();
      delete j.id;
      return j;
    });
    // Shared with the other notebooks open in this browser, as JupyterLab's cell clipboard is.
    try {
      localStorage.setItem("folio:cell-clipboard", JSON.stringify(this.clipboard));
    } catch {
      /* too big for storage: this tab keeps it */
    }
  }

  cut() {
    this.copy();
    this.deleteSelected();
  }

  paste(offset: 0 | 1) {
    try {
      const shared = JSON.parse(localStorage.getItem("folio:cell-clipboard") ?? "null");
      if (Array.isArray(shared) && shared.length) this.clipboard = shared;
    } catch {
      /* keep this tab's clipboard */
    }
    if (!this.clipboard.length) return;
    this.snapshot();
    const at = offset === 0 ? Math.min(this.anchor, this.active) : Math.max(this.anchor, this.active) + 1;
    const views = this.clipboard.map((j) => this.makeCell(structuredClone(j), j.metadata?.trusted ?? true));
    this.cells.splice(at, 0, ...views);
    this.syncDom();
    this.selectCell(at + views.length - 1, false);
    this.markDirty();
  }

  changeType(t: CellType) {
    const sel = this.selected();
    if (sel.every((c) => c.type === t)) return;
    this.snapshot();
    for (const c of sel) c.setType(t);
    this.typeSelect.value = t;
    this.markDirty();
  }

  moveSelection(delta: -1 | 1) {
    const a = Math.min(this.anchor, this.active);
    const b = Math.max(this.anchor, this.active);
    if ((delta < 0 && a === 0) || (delta > 0 && b === this.cells.length - 1)) return;
    this.snapshot();
    const block = this.cells.splice(a, b - a + 1);
    this.cells.splice(a + delta, 0, ...block);
    this.anchor += delta;
    this.active += delta;
    this.syncDom();
    this.scrollToActive();
    this.markDirty();
  }

  moveCellTo(cell: CellView, index: number) {
    const from = this.cells.indexOf(cell);
    if (from < 0 || index === from || index === from + 1) return;
    this.snapshot();
    this.cells.splice(from, 1);
    const to = index > from ? index - 1 : index;
    this.cells.splice(to, 0, cell);
    this.syncDom();
    this.selectCell(to, false);
    this.markDirty();
  }

  merge() {
    let sel = this.selected();
    if (sel.length === 1) {
      if (this.active >= this.cells.length - 1) return;
      sel = [this.cells[this.active], this.cells[this.active + 1]];
    }
    this.snapshot();
    const first = sel[0];
    first.source = sel.map((c) => c.source).join("\n\n");
    first.outputs.setOutputs([]);
    const start = this.cells.indexOf(first);
    this.cells.splice(start + 1, sel.length - 1);
    if (first.type === "markdown") first.renderMarkdown();
    this.syncDom();
    this.selectCell(start, false);
    this.markDirty();
  }

  split() {
    const cell = this.cells[this.active];
    if (!cell?.hasEditor) return; // no editor, no cursor to split at
    const v = cell.editor.view;
    const ranges = v.state.selection.ranges;
    const cuts = [0, ...ranges.map((r) => r.from), v.state.doc.length];
    const src = cell.source;
    const parts = cuts.slice(1).map((end, i) => src.slice(cuts[i], end).replace(/^\n+|\n+$/g, "")).filter((p, i) => p !== "" || i === 0);
    if (parts.length < 2) return;
    this.snapshot();
    cell.source = parts[0];
    const news = parts.slice(1).map((p) => this.makeCell({ cell_type: cell.type, source: p }, true));
    this.cells.splice(this.active + 1, 0, ...news);
    this.syncDom();
    this.selectCell(this.active + news.length, false);
    this.enterEditMode();
    this.markDirty();
  }

  clearOutputs(all: boolean) {
    for (const c of all ? this.cells : this.selected()) {
      if (c.type === "code") {
        c.outputs.clear();
        c.setExecutionCount(null);
        c.setTiming("");
      }
    }
    this.markDirty();
  }

  // ------------------------------------------------------------------ drag and drop of cells

  private dropIndex(ev: DragEvent): number {
    for (let i = 0; i < this.cells.length; i++) {
      const r = this.cells[i].el.getBoundingClientRect();
      if (ev.clientY < r.top + r.height / 2) return i;
    }
    return this.cells.length;
  }

  private onDragOver(ev: DragEvent) {
    if (!this.dragCell) return;
    ev.preventDefault();
    const i = this.dropIndex(ev);
    this.container.querySelectorAll(".drop-before,.drop-after").forEach((e) => e.classList.remove("drop-before", "drop-after"));
    if (i < this.cells.length) this.cells[i].el.classList.add("drop-before");
    else this.cells[this.cells.length - 1]?.el.classList.add("drop-after");
  }

  private onDrop(ev: DragEvent) {
    if (!this.dragCell) return;
    ev.preventDefault();
    const i = this.dropIndex(ev);
    this.container.querySelectorAll(".drop-before,.drop-after").forEach((e) => e.classList.remove("drop-before", "drop-after"));
    this.moveCellTo(this.dragCell, i);
    this.dragCell = null;
  }

  // ------------------------------------------------------------------ running

  runSelected(how: "advance" | "stay" | "insert") {
    const sel = this.selected();
    for (const c of sel) this.execute(c);
    const last = this.cells.indexOf(sel[sel.length - 1]);
    if (how === "advance") {
      if (last === this.cells.length - 1) {
        this.selectCell(last, false);
        this.insert(1);
        this.enterEditMode();
        return;
      }
      this.selectCell(last + 1, false);
      const next = this.cells[last + 1];
      if (this.mode === "edit" && !(next.type === "markdown" && next.rendered)) this.enterEditMode();
      else this.enterCommandMode();
      this.scrollToActive();
    } else if (how === "insert") {
      this.selectCell(last, false);
      this.insert(1);
      this.enterEditMode();
    } else {
      this.selectCell(last, false);
      this.enterCommandMode();
    }
  }

  runAll() {
    this.runRange(0, this.cells.length);
  }

  runRange(from: number, to: number) {
    for (const c of this.cells.slice(from, to)) this.execute(c);
  }

  execute(cell: CellView) {
    if (cell.type === "markdown") {
      cell.renderMarkdown();
      this.refreshToc();
      return;
    }
    if (cell.type !== "code") return;
    const code = cell.source;
    cell.outputs.cancelInput();
    cell.outputs.clear();
    cell.setTrusted(true); // outputs you produce yourself are trusted
    cell.setTiming("");
    if (!code.trim()) {
      cell.setExecutionCount(null);
      return;
    }
    if (!this.kernel || this.kernel.status === "dead") {
      toast(this.kernel ? "The kernel is dead: restart it (Kernel → Restart kernel)." : "No kernel is running; start one from the Kernel menu.", "error");
      return;
    }
    cell.setRunState("queued");
    this.markDirty();
    window.clearInterval(cell.timer);
    let idleSeen = false;
    let replied = false;
    let inputCount: number | null = null;
    const finish = () => {
      window.clearInterval(cell.timer);
      if (this.kernel) this.kernel.forget(msgId);
      this.running.delete(msgId);
      this.saveRunning();
    };
    const msgId = this.kernel.send(
      "shell",
      "execute_request",
      { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true },
      {
        onIOPub: (msg) => {
          this.handleOutput(cell, msg);
          if (msg.header.msg_type === "status") {
            if (msg.content.execution_state === "busy") {
              if (replied) return; // iopub and shell are separate streams: busy can come after the reply
              cell.setRunState("running");
              cell.startedAt = Date.now();
              window.clearInterval(cell.timer);
              cell.timer = window.setInterval(() => cell.setTiming(`${Math.round((Date.now() - cell.startedAt) / 1000)}s`), 1000);
            } else if (msg.content.execution_state === "idle") {
              idleSeen = true;
              if (replied) finish();
              else {
                // The reply travels on the shell channel and can be lost in a reconnect race; iopub
                // already said the cell is done, so settle it with the count from execute_input.
                window.setTimeout(() => {
                  if (replied || !this.running.has(msgId)) return;
                  cell.setRunState("idle");
                  cell.setExecutionCount(inputCount);
                  const secs = cell.startedAt ? (Date.now() - cell.startedAt) / 1000 : 0;
                  cell.setTiming(`${secs.toFixed(2)}s`);
                  finish();
                }, 2000);
              }
            }
          } else if (msg.header.msg_type === "execute_input" && typeof msg.content.execution_count === "number") {
            inputCount = msg.content.execution_count;
          }
        },
        onReply: (msg) => {
          replied = true;
          const c = msg.content;
          cell.setRunState("idle");
          if (c.status === "aborted") cell.setExecutionCount(null);
          else cell.setExecutionCount(c.execution_count ?? null);
          window.clearInterval(cell.timer);
          const secs = cell.startedAt ? (Date.now() - cell.startedAt) / 1000 : 0;
          const ok = c.status === "ok";
          cell.setTiming(c.status === "aborted" ? "aborted" : `${ok ? "✓" : "✗"} ${secs < 10 ? secs.toFixed(2) : secs.toFixed(1)}s`);
          cell.el.classList.toggle("errored", c.status === "error");
          // ipykernel puts page output (`?`/`??`) in payloads
          for (const p of c.payload ?? []) {
            if (p.source === "page" && p.data) cell.outputs.add({ output_type: "display_data", data: p.data, metadata: {} });
            if (p.source === "set_next_input" && p.text && !p.replace) {
              const i = this.cells.indexOf(cell);
              const nc = this.makeCell({ cell_type: "code", source: p.text }, true);
              this.cells.splice(i + 1, 0, nc);
              this.syncDom();
            }
          }
          this.markDirty();
          if (idleSeen) finish();
        },
        onStdin: (msg) => this.askInput(cell, msg),
      },
      { cellId: cell.id },
    );
    this.running.set(msgId, cell);
    this.saveRunning();
  }

  private handleOutput(cell: CellView, msg: Message) {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case "stream":
        cell.outputs.add({ output_type: "stream", name: c.name, text: c.text });
        break;
      case "display_data":
        cell.outputs.add({ output_type: "display_data", data: c.data, metadata: c.metadata ?? {}, transient: c.transient });
        break;
      case "execute_result":
        cell.outputs.add({ output_type: "execute_result", data: c.data, metadata: c.metadata ?? {}, execution_count: c.execution_count, transient: c.transient });
        break;
      case "error":
        cell.outputs.add({ output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback ?? [] });
        break;
      case "update_display_data":
        if (c.transient?.display_id) OutputArea.updateDisplay(c.transient.display_id, c.data, c.metadata ?? {});
        break;
      case "clear_output":
        cell.outputs.clear(!!c.wait);
        break;
    }
  }

  /** Remember which requests are in flight, so a reload in this tab can route replayed outputs. */
  private saveRunning() {
    const map: Record<string, string> = {};
    for (const [id, cell] of this.running) map[id] = cell.id;
    sessionStorage.setItem(`folio:running:${this.path}`, JSON.stringify(map));
  }

  private adoptRunning() {
    let map: Record<string, string> = {};
    try {
      map = JSON.parse(sessionStorage.getItem(`folio:running:${this.path}`) ?? "{}");
    } catch {
      /* nothing to adopt */
    }
    for (const [msgId, cellId] of Object.entries(map)) {
      const cell = this.cells.find((c) => c.id === cellId);
      if (!cell || !this.kernel) continue;
      let replied = false;
      let inputCount: number | null = null;
      const done = () => {
        this.kernel?.forget(msgId);
        this.running.delete(msgId);
        this.saveRunning();
      };
      this.kernel.adopt(msgId, {
        onIOPub: (msg) => {
          if (msg.header.msg_type === "execute_input" && typeof msg.content.execution_count === "number") inputCount = msg.content.execution_count;
          this.handleOutput(cell, msg);
          if (msg.header.msg_type === "status" && msg.content.execution_state === "idle") {
            cell.setRunState("idle");
            // The reply comes on the shell channel and may arrive after this: keep listening a moment.
            if (!replied) {
              if (inputCount !== null) cell.setExecutionCount(inputCount);
              window.setTimeout(done, 5000);
            }
          }
          this.markDirty();
        },
        onReply: (msg) => {
          replied = true;
          cell.setRunState("idle");
          cell.setExecutionCount(msg.content.execution_count ?? null);
          done();
          this.markDirty();
        },
        onStdin: (msg) => this.askInput(cell, msg),
      });
      this.running.set(msgId, cell);
    }
    // A prompt that was pending when the page went away is asked again (the kernel is still waiting).
    try {
      const pending = JSON.parse(sessionStorage.getItem(`folio:stdin:${this.path}`) ?? "null");
      const cell = pending && this.cells.find((c) => c.id === pending.cellId);
      if (cell && Object.values(map).includes(pending.cellId)) {
        cell.setRunState("running");
        this.askInput(cell, { header: pending.header, content: pending.content } as Message);
      }
    } catch {
      /* nothing pending */
    }
  }

  private async askInput(cell: CellView, msg: Message) {
    if (msg.header.msg_type !== "input_request") return;
    const key = `folio:stdin:${this.path}`;
    sessionStorage.setItem(key, JSON.stringify({ cellId: cell.id, header: msg.header, content: msg.content }));
    const value = await cell.outputs.askInput(msg.content.prompt ?? "", !!msg.content.password);
    sessionStorage.removeItem(key);
    this.kernel?.sendInputReply(value, msg.header);
  }

  private resetRunning(note: string) {
    for (const cell of this.running.values()) {
      window.clearInterval(cell.timer);
      cell.setRunState("idle");
      cell.outputs.cancelInput();
      cell.setTiming(note);
    }
    this.running.clear();
    this.saveRunning();
    sessionStorage.removeItem(`folio:stdin:${this.path}`);
    this.kernel?.clearHandlers();
  }

  // ------------------------------------------------------------------ kernel

  private clientId(): string {
    const key = `folio:client:${this.path}`;
    let id = sessionStorage.getItem(key);
    if (!id) {
      id = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
      sessionStorage.setItem(key, id);
    }
    return id;
  }

  async startKernel(forceName?: string) {
    try {
      this.specs = await kernelspecs.get();
    } catch (e) {
      this.banner("kernel", `Could not list kernels: ${(e as Error).message}`, [{ label: "Retry", action: () => this.startKernel() }], "error");
      return;
    }
    const wanted = forceName ?? this.metadata.kernelspec?.name;
    this.kernelName = wanted && this.specs.kernelspecs[wanted] ? wanted : this.specs.default;
    if (wanted && !this.specs.kernelspecs[wanted]) toast(`Kernel "${wanted}" is not installed; using ${this.specs.default}.`, "error", 8000);
    this.setStatus("starting");
    try {
      const existing = forceName ? undefined : (await sessions.list()).find((s) => s.path === this.path && s.kernel);
      this.session = existing ?? (await sessions.create(this.path, this.kernelName));
    } catch (e) {
      this.setStatus("dead");
      this.banner("kernel", `Could not start a kernel: ${(e as Error).message}`, [{ label: "Retry", action: () => this.startKernel(), primary: true }], "error");
      return;
    }
    this.banner("kernel", null);
    this.kernelName = this.session.kernel!.name;
    this.updateKernelSpecMetadata();
    if (this.kernel) {
      this.kernel.switchTo(this.session.kernel!.id);
      return;
    }
    const k = new KernelConnection(this.session.kernel!.id, this.clientId());
    this.kernel = k;
    k.addEventListener("status", (ev) => this.onKernelStatus((ev as CustomEvent).detail));
    k.addEventListener("info", (ev) => this.onKernelInfo((ev as CustomEvent).detail));
    k.addEventListener("lost", (ev) => this.onKernelLost((ev as CustomEvent).detail));
    k.addEventListener("forbidden", () => {
      this.writeDraft();
      this.banner("auth", "The server no longer accepts this browser's login (it restarted with a new token?).", [
        { label: "Log in again", primary: true, action: () => (location.href = `${config.baseUrl}login?next=${encodeURIComponent(location.pathname)}`) },
      ], "error");
    });
    k.addEventListener("autorestart", () => {
      this.resetRunning("kernel restarted");
      this.banner("kernel", "The kernel died and was restarted automatically.", [{ label: "Dismiss", action: () => this.banner("kernel", null) }]);
    });
    k.addEventListener("iopub", (ev) => {
      const msg = (ev as CustomEvent).detail as Message;
      if (msg.header.msg_type === "update_display_data" && msg.content.transient?.display_id) {
        OutputArea.updateDisplay(msg.content.transient.display_id, msg.content.data, msg.content.metadata ?? {});
      }
    });
    this.adoptRunning();
    k.connect();
  }

  private updateKernelSpecMetadata() {
    const spec = this.specs?.kernelspecs[this.kernelName];
    if (!spec) return;
    const prev = this.metadata.kernelspec;
    const next = { display_name: spec.spec.display_name, language: spec.spec.language, name: spec.name };
    if (!prev || prev.name !== next.name || prev.display_name !== next.display_name) {
      this.metadata.kernelspec = next;
      if (prev) this.markDirty();
    }
    this.kernelNameEl.textContent = spec.spec.display_name;
  }

  private onKernelInfo(info: any) {
    const li = info?.language_info;
    if (!li) return;
    const prev = this.metadata.language_info?.name;
    this.metadata.language_info = { ...li };
    if (prev !== li.name) {
      this.cells.forEach((c) => c.refreshLanguage());
    }
  }

  private setStatus(s: KernelStatus) {
    this.statusEl.dataset.status = s;
    const label = this.statusEl.querySelector(".label")!;
    label.textContent = STATUS_LABEL[s];
    this.statusEl.setAttribute("aria-label", `Kernel status: ${STATUS_LABEL[s]}`);
    this.statusEl.title = `Kernel ${STATUS_LABEL[s].toLowerCase()}`;
    // The tab shows a busy kernel too, as Notebook 7's favicon does.
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (link) link.href = s === "busy" ? ICON_BUSY : ICON_IDLE;
    this.updateStatusBar();
  }

  private onKernelStatus(s: KernelStatus) {
    this.setStatus(s);
    if (s === "disconnected") this.banner("conn", "Connection to the kernel lost. Reconnecting…");
    else if (s !== "dead") this.banner("conn", null);
    if (s === "idle" || s === "busy") this.banner("dead", null);
  }

  private async onKernelLost(why: string) {
    this.resetRunning("kernel died");
    this.banner("conn", null);
    if (why === "gone-after-outage") {
      toast("The server was restarted; a new kernel was started. Variables from before are gone.", "info", 8000);
      this.session = null;
      await this.startKernel(this.kernelName);
      return;
    }
    this.setStatus("dead");
    this.banner("dead", "The kernel has died.", [{ label: "Restart kernel", action: () => this.restart(false), primary: true }], "error");
  }

  async interrupt() {
    if (!this.kernel) return;
    try {
      await kernelsApi.interrupt(this.kernel.kernelId);
    } catch (e) {
      toast(`Interrupt failed: ${(e as Error).message}`, "error");
    }
  }

  async restart(ask: boolean, clear = false): Promise<boolean> {
    if (ask && !(await confirm("Restart kernel?", "Do you want to restart the kernel? All variables will be lost.", "Restart", true))) return false;
    this.banner("dead", null);
    this.resetRunning("");
    if (clear) this.clearOutputs(true);
    if (!this.kernel || !this.session) {
      await this.startKernel(this.kernelName);
      return true;
    }
    this.setStatus("restarting");
    try {
      await kernelsApi.restart(this.kernel.kernelId);
      this.kernel.reconnect();
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 410)) {
        // The kernel is gone (killed, culled, server restarted): start a fresh session.
        try {
          await sessions.delete(this.session.id);
        } catch {
          /* already gone */
        }
        this.session = null;
        await this.startKernel(this.kernelName);
      } else {
        toast(`Restart failed: ${(e as Error).message}`, "error");
        return false;
      }
    }
    // Wait until the kernel answers, so "restart and run all" does not race the new kernel.
    await this.waitForIdle(30000);
    return true;
  }

  private waitForIdle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const k = this.kernel;
      if (!k) return resolve();
      const done = () => {
        k.removeEventListener("info", done);
        window.clearTimeout(t);
        resolve();
      };
      const t = window.setTimeout(done, ms);
      k.addEventListener("info", done);
    });
  }

  async restartRunAll(ask: boolean) {
    if (await this.restart(ask)) this.runAll();
  }

  async changeKernel() {
    const specs = await kernelspecs.get(true);
    const select = h("select", { class: "text-input", "aria-label": "Kernel" },
      ...Object.values(specs.kernelspecs).map((s) => h("option", { value: s.name }, s.spec.display_name)));
    select.value = this.kernelName || specs.default;
    const r = await dialog("Select kernel", h("label", { class: "field" }, h("span", {}, "Kernel for this notebook"), select), [
      { label: "Cancel", value: "cancel" },
      { label: "Select", value: "ok", kind: "primary" },
    ], { focus: select });
    if (r !== "ok") return;
    const name = select.value;
    this.resetRunning("");
    this.setStatus("starting");
    try {
      if (this.session) {
        this.session = await sessions.patch(this.session.id, { kernel: { name } });
        this.kernelName = name;
        this.updateKernelSpecMetadata();
        this.markDirty();
        this.kernel?.switchTo(this.session.kernel!.id);
      } else {
        this.kernelName = name;
        await this.startKernel(name);
      }
    } catch (e) {
      toast(`Could not change kernel: ${(e as Error).message}`, "error");
    }
  }

  async shutdownKernel() {
    if (!this.session) return;
    this.resetRunning("");
    try {
      await sessions.delete(this.session.id);
    } catch {
      /* already gone */
    }
    this.session = null;
    this.kernel?.dispose();
    this.kernel = null;
    this.setStatus("dead");
    this.kernelNameEl.textContent = "No kernel";
    this.banner("dead", "The kernel is shut down.", [{ label: "Start kernel", action: () => { this.banner("dead", null); this.startKernel(this.kernelName); }, primary: true }]);
  }

  // ------------------------------------------------------------------ completion and inspection

  private async complete(ctx: CompletionContext): Promise<CompletionResult | null> {
    if (!this.kernel || !ctx.explicit) return null;
    const code = ctx.state.doc.toString();
    try {
      const reply = await this.kernel.requestReply("shell", "complete_request", { code, cursor_pos: toCodePoints(code, ctx.pos) }, 5000);
      const c = reply.content;
      if (c.status !== "ok" || !c.matches?.length) return null;
      const types: Record<string, string> = {};
      for (const t of c.metadata?._jupyter_types_experimental ?? []) types[t.text] = t.type;
      return {
        from: fromCodePoints(code, c.cursor_start),
        to: fromCodePoints(code, c.cursor_end),
        options: c.matches.map((m: string) => ({ label: m, type: mapType(types[m]) })),
        filter: false,
      };
    } catch {
      return null;
    }
  }

  private async inspect(view: EditorView) {
    if (!this.kernel) return;
    const code = view.state.doc.toString();
    const pos = view.state.selection.main.head;
    try {
      const reply = await this.kernel.requestReply("shell", "inspect_request", { code, cursor_pos: toCodePoints(code, pos), detail_level: 0 }, 5000);
      const c = reply.content;
      this.hideInspect();
      if (c.status !== "ok" || !c.found) {
        toast("No documentation found.");
        return;
      }
      const text = c.data["text/plain"] ?? "";
      const coords = view.coordsAtPos(pos);
      const el = h("div", { class: "inspect-tooltip", role: "tooltip" });
      el.innerHTML = `<pre>${ansiToHtml(text)}</pre>`;
      el.style.left = `${Math.max(8, coords?.left ?? 100)}px`;
      el.style.top = `${(coords?.bottom ?? 100) + 4}px`;
      document.body.appendChild(el);
      this.inspectEl = el;
      const off = (ev: Event) => {
        if (!el.contains(ev.target as Node)) {
          this.hideInspect();
          document.removeEventListener("mousedown", off);
        }
      };
      document.addEventListener("mousedown", off);
    } catch {
      /* kernel busy */
    }
  }

  private hideInspect() {
    this.inspectEl?.remove();
    this.inspectEl = null;
  }

  // ------------------------------------------------------------------ saving

  private changedOnDisk(m: { last_modified: string; hash?: string | null }): boolean {
    if (m.hash && this.hash) return m.hash !== this.hash;
    return Date.parse(m.last_modified) - Date.parse(this.lastModified) > 500;
  }

  async save(opts: { auto?: boolean; force?: boolean } = {}): Promise<boolean> {
    if (this.saving || !this.loaded) return false;
    this.saving = true;
    this.updateSaveState("Saving…");
    try {
      if (!opts.force) {
        let disk;
        try {
          disk = await contents.get(this.path, { content: 0, hash: 1 });
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
        }
        if (disk && this.changedOnDisk(disk)) {
          if (this.conflictOpen) return false;
          this.conflictOpen = true;
          const r = await dialog(
            "File changed on disk",
            `"${this.name}" has changed on disk since it was opened or last saved. Overwrite it with your version, or reload the version on disk (your changes are lost)?`,
            [
              { label: "Cancel", value: "cancel" },
              { label: "Reload from disk", value: "reload" },
              { label: "Overwrite", value: "overwrite", kind: "danger" },
            ],
          );
          this.conflictOpen = false;
          if (r === "reload") {
            await this.reload();
            return false;
          }
          if (r !== "overwrite") return false;
        }
      }
      const gen = this.changeGen;
      await contents.save(this.path, { type: "notebook", format: "json", content: this.toJSON() });
      const after = await contents.get(this.path, { content: 0, hash: 1 });
      this.lastModified = after.last_modified;
      this.hash = after.hash ?? null;
      this.dirty = this.changeGen !== gen; // edits made while saving are still unsaved
      if (!this.dirty) this.clearDraft();
      if (!opts.auto) contents.createCheckpoint(this.path).catch(() => {});
      return true;
    } catch (e) {
      toast(`Saving failed: ${(e as Error).message}. Your changes are kept in this browser.`, "error", 8000);
      this.writeDraft();
      return false;
    } finally {
      this.saving = false;
      this.updateSaveState();
    }
  }

  async reload() {
    const model = await contents.get(this.path, { type: "notebook", content: 1, hash: 1 });
    this.loaded = false;
    this.loadModel(model.content);
    this.lastModified = model.last_modified;
    this.hash = model.hash ?? null;
    this.dirty = false;
    this.loaded = true;
    this.clearDraft();
    this.selectCell(Math.min(this.active, this.cells.length - 1), false);
    this.updateSaveState();
  }

  private scheduleAutosave() {
    window.clearInterval(this.autosaveTimer);
    const s = loadSettings().autosaveSeconds;
    if (s > 0) {
      this.autosaveTimer = window.setInterval(() => {
        if (this.dirty && !this.conflictOpen) this.save({ auto: true });
      }, s * 1000);
    }
  }

  private draftKey() {
    return `folio:draft:${location.host}:${this.path}`;
  }

  writeDraft() {
    if (!this.dirty) return;
    // Code cells without "outputs" mean "as on disk" (see restoreDraft). Cheap for any notebook size: a
    // draft is written a moment after every edit.
    const cells = this.cells.map((c) => c.draftJSON());
    let text = JSON.stringify({ v: 2, time: new Date().toISOString(), lastModified: this.lastModified, metadata: this.metadata, cells });
    if (text.length > DRAFT_MAX_CHARS) {
      // New outputs too big for browser storage: keep the edits, which are what a draft is for.
      for (const c of cells) delete c.outputs;
      text = JSON.stringify({ v: 2, time: new Date().toISOString(), lastModified: this.lastModified, metadata: this.metadata, cells });
    }
    try {
      localStorage.setItem(this.draftKey(), text);
    } catch {
      /* storage full: nothing more to do */
    }
  }

  /** The notebook a draft stands for: its cells, with the outputs it left out taken from disk by cell id. */
  private draftNotebook(draft: any, diskNb: any): any {
    if (draft.v !== 2) return draft.nb; // a draft from before outputs were left out: the whole notebook
    const disk = new Map<string, any>((diskNb.cells ?? []).map((c: any) => [c.id, c]));
    const cells = (draft.cells ?? []).map((c: any) =>
      c.cell_type === "code" && c.outputs === undefined ? { ...c, outputs: disk.get(c.id)?.outputs ?? [] } : c,
    );
    return { cells, metadata: draft.metadata ?? {}, nbformat: 4, nbformat_minor: this.nbformatMinor };
  }

  private clearDraft() {
    localStorage.removeItem(this.draftKey());
  }

  private offerDraft(diskNb: any) {
    let draft: any;
    try {
      draft = JSON.parse(localStorage.getItem(this.draftKey()) ?? "null");
    } catch {
      draft = null;
    }
    if (!draft?.nb && !draft?.cells) return;
    const draftNb = this.draftNotebook(draft, diskNb);
    const strip = (nb: any) => JSON.stringify((nb.cells ?? []).map((c: any) => [c.cell_type, Array.isArray(c.source) ? c.source.join("") : c.source]));
    if (strip(draftNb) === strip(diskNb)) {
      this.clearDraft();
      return;
    }
    this.banner(
      "draft",
      `Unsaved changes from ${new Date(draft.time).toLocaleString()} were kept in this browser.`,
      [
        {
          label: "Restore them",
          primary: true,
          action: () => {
            this.loaded = false;
            this.loadModel(draftNb);
            this.loaded = true;
            // Outputs the draft carried are not the ones on disk: the next draft must carry them again.
            const own = new Set((draft.v === 2 ? draft.cells ?? [] : draftNb.cells ?? []).filter((c: any) => c.outputs !== undefined).map((c: any) => c.id));
            for (const c of this.cells) if (own.has(c.id)) c.outputsTouched = true;
            this.dirty = false;
            this.markDirty();
            this.banner("draft", null);
            this.selectCell(0, false);
          },
        },
        { label: "Discard", action: () => { this.clearDraft(); this.banner("draft", null); } },
      ],
      "info",
    );
  }

  async revertToCheckpoint() {
    const cps = await contents.listCheckpoints(this.path);
    if (!cps.length) {
      await alertDialog("No checkpoints", "This notebook has no checkpoint yet. Saving creates one.");
      return;
    }
    const select = h("select", { class: "text-input", "aria-label": "Checkpoint" },
      ...cps.map((c) => h("option", { value: c.id }, `${new Date(c.last_modified).toLocaleString()} (${relativeTime(c.last_modified)})`)));
    const r = await dialog("Revert to checkpoint", h("label", { class: "field" }, h("span", {}, "Checkpoint to restore (unsaved changes are lost)"), select), [
      { label: "Cancel", value: "cancel" },
      { label: "Revert", value: "ok", kind: "danger" },
    ], { focus: select });
    if (r !== "ok") return;
    await contents.restoreCheckpoint(this.path, select.value);
    await this.reload();
    toast("Reverted to the checkpoint.");
  }

  // ------------------------------------------------------------------ trust

  get trusted(): boolean {
    return this.cells.every((c) => c.type !== "code" || c.outputs.trusted);
  }

  updateTrust() {
    const t = this.trusted;
    this.trustEl.textContent = t ? "Trusted" : "Not trusted";
    this.trustEl.classList.toggle("untrusted", !t);
    this.trustEl.title = t ? "Outputs of this notebook may run JavaScript" : "HTML outputs are sanitized and scripts do not run. Click to trust.";
    this.trustEl.setAttribute("aria-label", t ? "Notebook is trusted" : "Notebook is not trusted; click to trust it");
  }

  async trust() {
    if (this.trusted) {
      toast("This notebook is already trusted.");
      return;
    }
    const ok = await confirm(
      "Trust this notebook?",
      "A trusted notebook's HTML and JavaScript outputs run in your browser with your credentials. Only trust notebooks you wrote or whose source you trust.",
      "Trust",
      true,
    );
    if (!ok) return;
    if (this.dirty && !(await this.save())) return;
    try {
      await contents.trust(this.path);
    } catch (e) {
      toast(`Could not trust the notebook: ${(e as Error).message}`, "error");
      return;
    }
    this.cells.forEach((c) => c.setTrusted(true));
    this.updateTrust();
    // The signature covers the file as saved; refresh hash so the next save does not see a conflict.
    const after = await contents.get(this.path, { content: 0, hash: 1 });
    this.lastModified = after.last_modified;
    this.hash = after.hash ?? null;
    toast("The notebook is now trusted.");
  }

  // ------------------------------------------------------------------ file actions

  async rename() {
    const name = await prompt("Rename notebook", "New name", this.name, "Rename");
    if (!name || name === this.name) return;
    const newName = name.endsWith(".ipynb") ? name : name + ".ipynb";
    const newPath = this.dir ? `${this.dir}/${newName}` : newName;
    try {
      await contents.rename(this.path, newPath);
    } catch (e) {
      toast(`Rename failed: ${(e as Error).message}`, "error");
      return;
    }
    this.clearDraft();
    this.path = newPath;
    setDocumentDir(this.dir);
    if (this.session) sessions.patch(this.session.id, { path: newPath, name: newName }).catch(() => {});
    history.replaceState(null, "", pageUrl("notebooks", newPath));
    this.updateSaveState();
  }

  async newNotebook() {
    const m = await contents.newUntitled(this.dir, { type: "notebook" });
    window.open(pageUrl("notebooks", m.path), "_blank");
  }

  download() {
    const a = h("a", { href: filesUrl(this.path, true), download: this.name });
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  async closeAndShutdown() {
    if (this.dirty && !(await confirm("Unsaved changes", "Close without saving?", "Close", true))) return;
    this.dirty = false;
    await this.shutdownKernel();
    location.href = pageUrl("tree", this.dir);
  }

  // ------------------------------------------------------------------ panels

  toggleLineNumbers() {
    this.lineNumbers = !this.lineNumbers;
    localStorage.setItem("folio:cell-line-numbers", this.lineNumbers ? "1" : "0");
    this.cells.forEach((c) => c.setLineNumbers(this.lineNumbers));
  }

  toggleToc() {
    this.tocEl.classList.toggle("hidden");
    this.refreshToc();
  }

  refreshToc() {
    if (this.tocEl.classList.contains("hidden")) return;
    const items: HTMLElement[] = [h("h2", {}, "Contents")];
    for (const cell of this.cells) {
      for (const hd of cell.headings()) {
        const a = h("button", { class: `toc-item level-${hd.level}`, type: "button" }, hd.text);
        a.addEventListener("click", () => {
          this.selectCell(this.cells.indexOf(cell), false);
          cell.el.scrollIntoView({ block: "start" });
          this.enterCommandMode();
        });
        items.push(a);
      }
    }
    if (items.length === 1) items.push(h("p", { class: "muted" }, "No headings. Add markdown cells with # headings."));
    this.tocEl.replaceChildren(...items);
  }

  showShortcuts() {
    const table = h("table", { class: "shortcuts" },
      ...SHORTCUTS.map(([mode, keys, what]) => h("tr", {}, h("td", { class: "mode" }, mode), h("td", {}, h("kbd", {}, keys)), h("td", {}, what))));
    dialog("Keyboard shortcuts", h("div", { class: "shortcut-scroll" }, table), [{ label: "Close", value: "ok", kind: "primary" }]);
  }
}

function mapType(t: string | undefined): string | undefined {
  switch (t) {
    case "function": case "builtin_function_or_method": return "function";
    case "class": case "type": return "class";
    case "module": return "namespace";
    case "keyword": return "keyword";
    case "instance": case "statement": return "variable";
    case "path": return "text";
    default: return t;
  }
}
