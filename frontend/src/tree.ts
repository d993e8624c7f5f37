// The file browser: /tree/<folder>.
import { contents, kernelspecs, sessions, ContentsModel, filesUrl, ApiError } from "./api";
import { config, pageUrl } from "./config";
import { h, humanSize, relativeTime } from "./ui/dom";
import { confirm, prompt, toast, dialog } from "./ui/dialog";
import { openSettings } from "./ui/settingsDialog";
import { icon } from "./ui/icons";

type SortKey = "name" | "type" | "last_modified" | "size";

const CHUNK = 1024 * 1024; // uploads above this size go in 1 MiB chunks, like JupyterLab
const TEXT_EXT = /\.(txt|md|markdown|py|pyi|r|jl|js|mjs|ts|json|ya?ml|toml|ini|cfg|conf|csv|tsv|sh|bash|zsh|html?|css|xml|svg|sql|c|h|cpp|hpp|cc|java|scala|go|rs|rb|tex|rst|log|env|gitignore|dockerfile|makefile)$/i;

export function isTextFile(m: ContentsModel): boolean {
  if (m.mimetype?.startsWith("text/")) return true;
  if (m.mimetype && /json|javascript|xml|yaml|x-sh|x-python|toml/.test(m.mimetype)) return true;
  if (TEXT_EXT.test(m.name) || !m.name.includes(".")) return true;
  return false;
}

export function openUrl(m: ContentsModel): string {
  if (m.type === "directory") return pageUrl("tree", m.path);
  if (m.type === "notebook") return pageUrl("notebooks", m.path);
  if (isTextFile(m)) return pageUrl("edit", m.path);
  return filesUrl(m.path);
}

function b64FromBytes(bytes: Uint8Array): string {
  let s = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.length; i += step) s += String.fromCharCode(...bytes.subarray(i, i + step));
  return btoa(s);
}

export class FileBrowser {
  dir: string;
  items: ContentsModel[] = [];
  sort: { key: SortKey; asc: boolean } = { key: "name", asc: true };
  selected = new Set<string>();
  running = new Set<string>();
  private list!: HTMLElement;
  private crumbs!: HTMLElement;
  private status!: HTMLElement;
  private actions!: HTMLElement;
  private fileInput!: HTMLInputElement;
  private lastClicked = -1;

  constructor(private root: HTMLElement, dir: string) {
    this.dir = dir;
  }

  start() {
    this.build();
    window.addEventListener("popstate", () => {
      const m = location.pathname.match(/\/tree\/?(.*)$/);
      this.dir = m ? m[1].split("/").filter(Boolean).map(decodeURIComponent).join("/") : "";
      this.refresh();
    });
    window.addEventListener("focus", () => this.refresh(true));
    window.setInterval(() => {
      if (document.visibilityState === "visible") this.refresh(true);
    }, 10000);
    this.refresh();
  }

  private build() {
    this.crumbs = h("nav", { class: "breadcrumbs", "aria-label": "Folder path" });
    this.status = h("div", { class: "fb-status", role: "status", "aria-live": "polite" });
    this.fileInput = h("input", { type: "file", multiple: true, class: "hidden", "aria-label": "Files to upload" });
    this.fileInput.addEventListener("change", () => {
      this.upload(Array.from(this.fileInput.files ?? []));
      this.fileInput.value = "";
    });
    const newMenu = h("div", { class: "dropdown" });
    const newBtn = h("button", { class: "btn primary", type: "button", "aria-haspopup": "true", "aria-expanded": "false" }, "New ▾");
    const newList = h("div", { class: "dropdown-list", role: "menu", "aria-label": "New" });
    newBtn.addEventListener("click", async () => {
      const open = !newMenu.classList.contains("open");
      newMenu.classList.toggle("open", open);
      newBtn.setAttribute("aria-expanded", String(open));
      if (open) await this.fillNewMenu(newList, () => {
        newMenu.classList.remove("open");
        newBtn.setAttribute("aria-expanded", "false");
      });
    });
    document.addEventListener("mousedown", (ev) => {
      if (!newMenu.contains(ev.target as Node)) newMenu.classList.remove("open");
    });
    newMenu.append(newBtn, newList);
    this.actions = h("div", { class: "fb-selection-actions" });
    const toolbar = h(
      "div",
      { class: "fb-toolbar", role: "toolbar", "aria-label": "File actions" },
      newMenu,
      h("button", { class: "btn plain", type: "button", onclick: () => this.fileInput.click() }, "Upload"),
      h("button", { class: "btn plain", type: "button", "aria-label": "Refresh the file list", title: "Refresh", onclick: () => this.refresh() }, icon("refresh")),
      this.actions,
      h("span", { class: "spacer" }),
      h("button", { class: "btn plain", type: "button", "aria-label": "Settings", title: "Settings", onclick: () => openSettings() }, icon("settings")),
      this.fileInput,
    );
    this.list = h("div", { class: "fb-list", role: "grid", "aria-label": "Files" });
    // Arrow keys move between entries, Space selects, Enter opens (the focused link).
    this.list.addEventListener("keydown", (ev) => {
      const links = Array.from(this.list.querySelectorAll<HTMLAnchorElement>("a.fb-name"));
      const i = links.indexOf(document.activeElement as HTMLAnchorElement);
      if (i < 0) return;
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        ev.preventDefault();
        links[Math.max(0, Math.min(links.length - 1, i + (ev.key === "ArrowDown" ? 1 : -1)))].focus();
      } else if (ev.key === " ") {
        ev.preventDefault();
        const path = links[i].dataset.path;
        if (!path) return;
        if (this.selected.has(path)) this.selected.delete(path);
        else this.selected.add(path);
        this.renderList();
        this.list.querySelector<HTMLAnchorElement>(`a.fb-name[data-path="${CSS.escape(path)}"]`)?.focus();
      }
    });
    const drop = h("div", { class: "fb-drop" }, this.list, h("div", { class: "drop-hint" }, "Drop files to upload them here"));
    drop.addEventListener("dragover", (ev) => {
      if (!ev.dataTransfer?.types.includes("Files")) return;
      ev.preventDefault();
      drop.classList.add("dragging");
    });
    drop.addEventListener("dragleave", (ev) => {
      if (!drop.contains(ev.relatedTarget as Node)) drop.classList.remove("dragging");
    });
    drop.addEventListener("drop", (ev) => {
      drop.classList.remove("dragging");
      if (!ev.dataTransfer?.files.length) return;
      ev.preventDefault();
      this.upload(Array.from(ev.dataTransfer.files));
    });
    this.root.replaceChildren(
      h(
        "div",
        { class: "tree-app" },
        h("header", { class: "topbar" }, h("a", { class: "logo", href: pageUrl("tree", ""), "aria-label": "folio home" }, "folio"), h("span", { class: "title" }, "Files"), h("span", { class: "spacer" }),
          config.authEnabled ? h("a", { class: "btn plain", href: `${config.baseUrl}logout` }, "Log out") : ""),
        h("main", { class: "fb" }, this.crumbs, toolbar, drop, this.status),
      ),
    );
    document.addEventListener("keydown", (ev) => {
      if (document.querySelector(".overlay") || ev.target instanceof HTMLInputElement) return;
      if (ev.key === "Delete" && this.selected.size) this.deleteSelected();
      if (ev.key === "F2" && this.selected.size === 1) this.renameSelected();
    });
  }

  private async fillNewMenu(list: HTMLElement, close: () => void) {
    list.replaceChildren(h("div", { class: "muted small" }, "Loading kernels…"));
    let specs;
    try {
      specs = await kernelspecs.get();
    } catch (e) {
      list.replaceChildren(h("div", { class: "muted" }, "Kernels unavailable"));
      return;
    }
    const item = (label: string, f: () => void) =>
      h("button", { class: "menu-item", role: "menuitem", type: "button", onclick: () => { close(); f(); } }, label);
    const names = Object.keys(specs.kernelspecs).sort((a, b) => (a === specs.default ? -1 : b === specs.default ? 1 : a.localeCompare(b)));
    list.replaceChildren(
      h("div", { class: "menu-heading" }, "Notebook"),
      ...names.map((n) => item(specs.kernelspecs[n].spec.display_name, () => this.newNotebook(n))),
      h("div", { class: "menu-heading" }, "Other"),
      item("Text file", () => this.newFile()),
      item("Folder", () => this.newFolder()),
    );
    (list.querySelector("button") as HTMLButtonElement | null)?.focus();
  }

  async refresh(quiet = false) {
    let model: ContentsModel;
    try {
      model = await contents.get(this.dir, { type: "directory", content: 1 });
    } catch (e) {
      if (!quiet) {
        this.items = [];
        this.renderCrumbs();
        this.list.replaceChildren(h("div", { class: "fb-empty", role: "alert" }, e instanceof ApiError && e.status === 404 ? `No such folder: ${this.dir}` : `Could not list the folder: ${(e as Error).message}`));
      }
      return;
    }
    this.items = model.content as ContentsModel[];
    try {
      this.running = new Set((await sessions.list()).map((s) => s.path));
    } catch {
      this.running = new Set();
    }
    const names = new Set(this.items.map((i) => i.path));
    for (const p of this.selected) if (!names.has(p)) this.selected.delete(p);
    document.title = `${this.dir || "Files"} - folio`;
    this.renderCrumbs();
    this.renderList();
  }

  navigate(dir: string) {
    this.dir = dir;
    this.selected.clear();
    history.pushState(null, "", pageUrl("tree", dir));
    this.refresh();
  }

  private renderCrumbs() {
    const parts = this.dir.split("/").filter(Boolean);
    const link = (label: string, path: string, current: boolean) => {
      const a = h("a", { href: pageUrl("tree", path), class: "crumb", "aria-current": current ? "page" : undefined }, label);
      a.addEventListener("click", (ev) => {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
        ev.preventDefault();
        this.navigate(path);
      });
      return a;
    };
    const home = link("", "", parts.length === 0);
    home.replaceChildren(icon("home"));
    home.setAttribute("aria-label", "Root folder");
    const nodes: (Node | string)[] = [home];
    parts.forEach((p, i) => {
      nodes.push(h("span", { class: "sep", "aria-hidden": "true" }, "/"));
      nodes.push(link(p, parts.slice(0, i + 1).join("/"), i === parts.length - 1));
    });
    this.crumbs.replaceChildren(...nodes);
  }

  private sorted(): ContentsModel[] {
    const { key, asc } = this.sort;
    const typeRank = (m: ContentsModel) => (m.type === "directory" ? 0 : 1);
    return [...this.items].sort((a, b) => {
      const d = typeRank(a) - typeRank(b);
      if (d !== 0) return d;
      let r = 0;
      if (key === "name") r = a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: "base" });
      else if (key === "type") r = this.typeLabel(a).localeCompare(this.typeLabel(b)) || a.name.localeCompare(b.name);
      else if (key === "size") r = (a.size ?? -1) - (b.size ?? -1);
      else r = Date.parse(a.last_modified) - Date.parse(b.last_modified);
      return asc ? r : -r;
    });
  }

  private typeLabel(m: ContentsModel): string {
    if (m.type === "directory") return "Folder";
    if (m.type === "notebook") return "Notebook";
    const ext = m.name.includes(".") ? m.name.split(".").pop()!.toUpperCase() : "";
    return ext ? `${ext} file` : "File";
  }

  private icon(m: ContentsModel): HTMLElement {
    if (m.type === "directory") return icon("folder");
    if (m.type === "notebook") return icon("notebook");
    if (/^image\//.test(m.mimetype ?? "")) return icon("image");
    return icon("file");
  }

  private renderList() {
    const header = (label: string, key: SortKey) => {
      const active = this.sort.key === key;
      const b = h(
        "button",
        { class: "col-head" + (active ? " active" : ""), type: "button", "aria-sort": active ? (this.sort.asc ? "ascending" : "descending") : "none", "data-sort": key },
        label,
        active ? (this.sort.asc ? " ▲" : " ▼") : "",
      );
      b.addEventListener("click", () => {
        this.sort = { key, asc: active ? !this.sort.asc : true };
        this.renderList();
      });
      return h("div", { role: "columnheader", class: "col-" + key }, b);
    };
    const allBox = h("input", { type: "checkbox", "aria-label": "Select all" });
    allBox.checked = this.items.length > 0 && this.selected.size === this.items.length;
    allBox.addEventListener("change", () => {
      this.selected = allBox.checked ? new Set(this.items.map((i) => i.path)) : new Set();
      this.renderList();
    });
    const rows: HTMLElement[] = [
      h("div", { class: "fb-row fb-head", role: "row" }, h("div", { class: "col-check" }, allBox), header("Name", "name"), header("Type", "type"), header("Modified", "last_modified"), header("Size", "size")),
    ];
    if (this.dir) {
      const parent = this.dir.split("/").slice(0, -1).join("/");
      const a = h("a", { href: pageUrl("tree", parent), class: "fb-name", "aria-label": "Parent folder" }, icon("folder"), h("span", { class: "label" }, ".."));
      a.addEventListener("click", (ev) => {
        ev.preventDefault();
        this.navigate(parent);
      });
      rows.push(h("div", { class: "fb-row", role: "row" }, h("div", { class: "col-check" }), h("div", { class: "col-name" }, a), h("div", {}), h("div", {}), h("div", {})));
    }
    const sorted = this.sorted();
    sorted.forEach((m, idx) => {
      const box = h("input", { type: "checkbox", "aria-label": `Select ${m.name}` });
      box.checked = this.selected.has(m.path);
      box.addEventListener("click", (ev) => {
        if ((ev as MouseEvent).shiftKey && this.lastClicked >= 0) {
          const [a, b] = [Math.min(this.lastClicked, idx), Math.max(this.lastClicked, idx)];
          for (let i = a; i <= b; i++) this.selected.add(sorted[i].path);
        } else if (box.checked) this.selected.add(m.path);
        else this.selected.delete(m.path);
        this.lastClicked = idx;
        this.renderList();
      });
      const a = h("a", { href: openUrl(m), class: "fb-name", "data-path": m.path, target: m.type === "file" && !isTextFile(m) ? "_blank" : undefined },
        this.icon(m), h("span", { class: "label" }, m.name));
      if (m.type === "directory") {
        a.addEventListener("click", (ev) => {
          if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
          ev.preventDefault();
          this.navigate(m.path);
        });
      }
      const row = h(
        "div",
        { class: "fb-row" + (this.selected.has(m.path) ? " selected" : ""), role: "row", "data-name": m.name },
        h("div", { class: "col-check" }, box),
        h("div", { class: "col-name" }, a, this.running.has(m.path) ? h("span", { class: "running-badge", title: "A kernel is running for this notebook" }, "Running") : ""),
        h("div", { class: "col-type muted" }, this.typeLabel(m)),
        h("div", { class: "col-last_modified muted", title: new Date(m.last_modified).toLocaleString() }, relativeTime(m.last_modified)),
        h("div", { class: "col-size muted" }, m.type === "directory" ? "" : humanSize(m.size)),
      );
      row.addEventListener("click", (ev) => {
        if ((ev.target as HTMLElement).closest("a,input")) return;
        if (!(ev.ctrlKey || ev.metaKey)) this.selected.clear();
        if (this.selected.has(m.path)) this.selected.delete(m.path);
        else this.selected.add(m.path);
        this.lastClicked = idx;
        this.renderList();
      });
      row.addEventListener("dblclick", (ev) => {
        if ((ev.target as HTMLElement).closest("a,input")) return;
        a.click();
      });
      rows.push(row);
    });
    if (sorted.length === 0) rows.push(h("div", { class: "fb-empty" }, "This folder is empty. Create a notebook with New, or drop files here."));
    this.list.replaceChildren(...rows);
    this.renderActions();
  }

  private renderActions() {
    const sel = this.items.filter((i) => this.selected.has(i.path));
    if (!sel.length) {
      this.actions.replaceChildren();
      return;
    }
    const btn = (label: string, f: () => void, cls = "plain") => h("button", { class: `btn ${cls}`, type: "button", onclick: f }, label);
    const files = sel.filter((s) => s.type !== "directory");
    this.actions.replaceChildren(
      h("span", { class: "muted" }, `${sel.length} selected`),
      sel.length === 1 ? btn("Rename", () => this.renameSelected()) : "",
      files.length === sel.length ? btn("Download", () => this.downloadSelected()) : "",
      files.length === sel.length ? btn("Duplicate", () => this.duplicateSelected()) : "",
      sel.some((s) => this.running.has(s.path)) ? btn("Shut down", () => this.shutdownSelected()) : "",
      btn("Delete", () => this.deleteSelected(), "danger"),
    );
  }

  private async act<T>(what: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f();
    } catch (e) {
      toast(`${what} failed: ${(e as Error).message}`, "error", 6000);
      return undefined;
    }
  }

  async newNotebook(kernelName: string) {
    const m = await this.act("Creating the notebook", () => contents.newUntitled(this.dir, { type: "notebook" }));
    if (!m) return;
    const specs = await kernelspecs.get();
    const spec = specs.kernelspecs[kernelName];
    const nb = {
      cells: [],
      metadata: { kernelspec: { display_name: spec.spec.display_name, language: spec.spec.language, name: kernelName } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    await this.act("Setting the kernel", () => contents.save(m.path, { type: "notebook", format: "json", content: nb }));
    location.href = pageUrl("notebooks", m.path);
  }

  async newFile() {
    const m = await this.act("Creating the file", () => contents.newUntitled(this.dir, { type: "file", ext: ".txt" }));
    if (m) location.href = pageUrl("edit", m.path);
  }

  async newFolder() {
    const m = await this.act("Creating the folder", () => contents.newUntitled(this.dir, { type: "directory" }));
    if (!m) return;
    await this.refresh();
    this.selected = new Set([m.path]);
    this.renderList();
    this.renameSelected();
  }

  async renameSelected() {
    const [path] = [...this.selected];
    const m = this.items.find((i) => i.path === path);
    if (!m) return;
    const name = await prompt(`Rename ${m.type === "directory" ? "folder" : "file"}`, "New name", m.name, "Rename");
    if (!name || name === m.name) return;
    if (name.includes("/")) {
      toast("A name cannot contain '/'.", "error");
      return;
    }
    const target = this.dir ? `${this.dir}/${name}` : name;
    const r = await this.act("Rename", () => contents.rename(m.path, target));
    if (r) this.selected = new Set([r.path]);
    this.refresh();
  }

  async deleteSelected() {
    const sel = this.items.filter((i) => this.selected.has(i.path));
    if (!sel.length) return;
    const body = h("div", {}, h("p", {}, `Delete ${sel.length === 1 ? `"${sel[0].name}"` : `${sel.length} items`}? This cannot be undone from folio.`),
      sel.length > 1 ? h("ul", { class: "delete-list" }, ...sel.slice(0, 10).map((s) => h("li", {}, s.name))) : "");
    if (!(await confirm("Delete", body, "Delete", true))) return;
    for (const s of sel) await this.act(`Deleting ${s.name}`, () => contents.delete(s.path));
    this.selected.clear();
    this.refresh();
  }

  downloadSelected() {
    for (const s of this.items.filter((i) => this.selected.has(i.path) && i.type !== "directory")) {
      const a = h("a", { href: filesUrl(s.path, true), download: s.name });
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
  }

  async duplicateSelected() {
    for (const s of this.items.filter((i) => this.selected.has(i.path))) await this.act("Duplicate", () => contents.copy(s.path, this.dir));
    this.refresh();
  }

  async shutdownSelected() {
    const all = await sessions.list();
    for (const s of all.filter((x) => this.selected.has(x.path))) await this.act("Shut down", () => sessions.delete(s.id));
    this.refresh();
  }

  async upload(files: File[]) {
    for (const f of files) {
      const path = this.dir ? `${this.dir}/${f.name}` : f.name;
      if (this.items.some((i) => i.name === f.name)) {
        const r = await dialog("File exists", `"${f.name}" already exists. Overwrite it?`, [
          { label: "Skip", value: "skip" },
          { label: "Overwrite", value: "ok", kind: "danger" },
        ]);
        if (r !== "ok") continue;
      }
      const ok = await this.act(`Uploading ${f.name}`, () => this.uploadOne(f, path));
      if (ok !== undefined) toast(`Uploaded ${f.name}`);
    }
    this.status.textContent = "";
    this.refresh();
  }

  private async uploadOne(f: File, path: string) {
    const isNb = f.name.endsWith(".ipynb") && f.size < 50 * CHUNK;
    if (isNb) {
      const text = await f.text();
      let nb;
      try {
        nb = JSON.parse(text);
      } catch {
        nb = null;
      }
      if (nb) {
        this.status.textContent = `Uploading ${f.name}…`;
        return contents.save(path, { type: "notebook", format: "json", content: nb, name: f.name });
      }
    }
    if (f.size <= CHUNK) {
      this.status.textContent = `Uploading ${f.name}…`;
      const bytes = new Uint8Array(await f.arrayBuffer());
      return contents.save(path, { type: "file", format: "base64", content: b64FromBytes(bytes), name: f.name });
    }
    let last;
    for (let start = 0; start < f.size; start += CHUNK) {
      const end = Math.min(f.size, start + CHUNK);
      const bytes = new Uint8Array(await f.slice(start, end).arrayBuffer());
      const chunk = end >= f.size ? -1 : start / CHUNK + 1;
      this.status.textContent = `Uploading ${f.name}: ${Math.round((100 * end) / f.size)}%`;
      last = await contents.save(path, { type: "file", format: "base64", content: b64FromBytes(bytes), name: f.name, chunk });
    }
    return last;
  }
}
