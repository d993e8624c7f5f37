// Find and replace across all cells' sources.
import { h } from "../ui/dom";
import type { NotebookPanel } from "./panel";
import type { CellView } from "./cell";

interface Match {
  cell: CellView;
  from: number;
  to: number;
}

export class FindPanel {
  readonly el: HTMLElement;
  private findInput: HTMLInputElement;
  private replaceInput: HTMLInputElement;
  private caseBox: HTMLInputElement;
  private regexBox: HTMLInputElement;
  private count: HTMLElement;
  private matches: Match[] = [];
  private current = -1;

  constructor(private nb: NotebookPanel) {
    this.findInput = h("input", { type: "search", class: "text-input", placeholder: "Find", "aria-label": "Find" });
    this.replaceInput = h("input", { type: "text", class: "text-input", placeholder: "Replace", "aria-label": "Replace" });
    this.caseBox = h("input", { type: "checkbox", "aria-label": "Match case" });
    this.regexBox = h("input", { type: "checkbox", "aria-label": "Regular expression" });
    this.count = h("span", { class: "find-count", "aria-live": "polite" });
    const btn = (label: string, text: string, f: () => void) => h("button", { class: "btn plain small", type: "button", "aria-label": label, title: label, onclick: f }, text);
    this.el = h(
      "div",
      { class: "find-panel hidden", role: "search", "aria-label": "Find and replace in notebook" },
      this.findInput,
      btn("Previous match", "↑", () => this.step(-1)),
      btn("Next match", "↓", () => this.step(1)),
      this.count,
      h("label", { class: "chk" }, this.caseBox, "Aa"),
      h("label", { class: "chk" }, this.regexBox, ".*"),
      this.replaceInput,
      btn("Replace", "Replace", () => this.replaceOne()),
      btn("Replace all", "All", () => this.replaceAll()),
      btn("Close find", "✕", () => this.close()),
    );
    this.findInput.addEventListener("input", () => {
      this.search();
      this.current = -1;
      this.step(1);
    });
    this.caseBox.addEventListener("change", () => this.search());
    this.regexBox.addEventListener("change", () => this.search());
    this.el.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        this.close();
      } else if (ev.key === "Enter" && ev.target === this.findInput) {
        ev.preventDefault();
        this.step(ev.shiftKey ? -1 : 1);
      } else if (ev.key === "Enter" && ev.target === this.replaceInput) {
        ev.preventDefault();
        this.replaceOne();
      }
    });
  }

  open() {
    this.el.classList.remove("hidden");
    const cur = this.nb.cells[this.nb.active];
    const sel = cur?.hasEditor ? cur.editor.view.state : undefined;
    if (sel) {
      const r = sel.selection.main;
      const text = sel.sliceDoc(r.from, r.to);
      if (text && !text.includes("\n")) this.findInput.value = text;
    }
    this.findInput.focus();
    this.findInput.select();
    this.search();
  }

  close() {
    this.el.classList.add("hidden");
    this.nb.enterCommandMode();
  }

  private regex(): RegExp | null {
    const q = this.findInput.value;
    if (!q) return null;
    try {
      return new RegExp(this.regexBox.checked ? q : q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), this.caseBox.checked ? "g" : "gi");
    } catch {
      return null;
    }
  }

  search() {
    this.matches = [];
    const re = this.regex();
    if (re) {
      for (const cell of this.nb.cells) {
        const src = cell.source;
        for (const m of src.matchAll(re)) {
          if (m[0].length === 0) break;
          this.matches.push({ cell, from: m.index!, to: m.index! + m[0].length });
        }
      }
    }
    this.updateCount();
  }

  private updateCount() {
    this.count.textContent = this.matches.length ? `${this.current + 1 > 0 ? this.current + 1 : "?"} of ${this.matches.length}` : this.findInput.value ? "No results" : "";
  }

  step(dir: 1 | -1) {
    if (!this.matches.length) return this.updateCount();
    this.current = (this.current + dir + this.matches.length) % this.matches.length;
    const m = this.matches[this.current];
    const i = this.nb.cells.indexOf(m.cell);
    this.nb.selectCell(i, false);
    m.cell.unrender();
    m.cell.editor.view.dispatch({ selection: { anchor: m.from, head: m.to }, scrollIntoView: true });
    m.cell.el.scrollIntoView({ block: "nearest" });
    this.updateCount();
  }

  replaceOne() {
    const m = this.matches[this.current];
    if (!m) return this.step(1);
    const re = this.regex();
    const matched = m.cell.source.slice(m.from, m.to);
    const replacement = re && this.regexBox.checked ? matched.replace(new RegExp(re.source, re.flags.replace("g", "")), this.replaceInput.value) : this.replaceInput.value;
    m.cell.editor.view.dispatch({ changes: { from: m.from, to: m.to, insert: replacement } });
    const keep = this.current;
    this.search();
    this.current = keep - 1;
    this.step(1);
  }

  replaceAll() {
    const re = this.regex();
    if (!re) return;
    let n = 0;
    for (const cell of this.nb.cells) {
      const src = cell.source;
      const next = src.replace(re, (...args) => {
        n++;
        return this.regexBox.checked ? (args[0] as string).replace(new RegExp(re.source, re.flags.replace("g", "")), this.replaceInput.value) : this.replaceInput.value;
      });
      if (next !== src) {
        cell.source = next;
        if (cell.type === "markdown" && cell.rendered) cell.renderMarkdown();
      }
    }
    this.search();
    this.count.textContent = `Replaced ${n}`;
  }
}
