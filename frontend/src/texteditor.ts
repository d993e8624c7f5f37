// /edit/<path>: a plain text editor with save (and the same on-disk conflict check as notebooks).
import { contents, ApiError, filesUrl } from "./api";
import { pageUrl } from "./config";
import type { Editor } from "./cm";
import { codeMirror } from "./editorLoader";
import { h, relativeTime } from "./ui/dom";
import { dialog, toast } from "./ui/dialog";
import { loadSettings } from "./settings";

export class TextEditorPage {
  private editor!: Editor;
  private dirty = false;
  private lastModified = "";
  private hash: string | null = null;
  private format: "text" | "base64" = "text";
  private state!: HTMLElement;
  private saving = false;

  constructor(private root: HTMLElement, private path: string) {}

  get name() {
    return this.path.split("/").pop() ?? this.path;
  }

  async start() {
    const dir = this.path.split("/").slice(0, -1).join("/");
    this.state = h("span", { class: "save-state", "aria-live": "polite" });
    const host = h("div", { class: "text-editor" });
    const saveBtn = h("button", { class: "btn primary", type: "button", onclick: () => this.save() }, "Save");
    this.root.replaceChildren(
      h(
        "div",
        { class: "edit-app" },
        h("header", { class: "topbar" },
          h("a", { class: "logo", href: pageUrl("tree", dir), "aria-label": "File browser", title: "File browser" }, "folio"),
          h("span", { class: "nb-name" }, this.name), this.state, h("span", { class: "spacer" }),
          h("a", { class: "btn plain", href: filesUrl(this.path, true), download: this.name }, "Download"), saveBtn),
        h("main", { class: "edit-main" }, host),
      ),
    );
    let model;
    try {
      model = await contents.get(this.path, { type: "file", content: 1, hash: 1 });
    } catch (e) {
      host.replaceChildren(h("div", { class: "load-error", role: "alert" }, `Could not open ${this.path}: ${(e as Error).message}`));
      return;
    }
    if (model.format === "base64") {
      host.replaceChildren(h("div", { class: "load-error", role: "alert" }, "This file is not UTF-8 text. ", h("a", { href: filesUrl(this.path) }, "Open it raw.")));
      return;
    }
    this.lastModified = model.last_modified;
    this.hash = model.hash ?? null;
    const ext = this.name.includes(".") ? this.name.split(".").pop()! : this.name.toLowerCase();
    let cm;
    try {
      cm = await codeMirror;
    } catch {
      return; // editorLoader has said so
    }
    const { createEditor, languageFor, keymap } = cm;
    this.editor = createEditor(host, {
      doc: model.content ?? "",
      language: languageFor(ext, () => this.editor.setLanguage(languageFor(ext))),
      lineNumbers: loadSettings().lineNumbers,
      keys: keymap.of([{ key: "Mod-s", run: () => (this.save(), true) }]),
      label: `Contents of ${this.name}`,
      onChange: () => {
        if (!this.dirty) {
          this.dirty = true;
          this.update();
        }
      },
    });
    this.editor.view.focus();
    this.update();
    window.addEventListener("beforeunload", (ev) => {
      if (this.dirty) ev.preventDefault();
    });
    document.addEventListener("keydown", (ev) => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "s") {
        ev.preventDefault();
        this.save();
      }
    });
  }

  private update(extra?: string) {
    document.title = `${this.dirty ? "● " : ""}${this.name} - folio`;
    this.state.textContent = extra ?? (this.dirty ? "Unsaved changes" : `Saved ${relativeTime(this.lastModified)}`);
  }

  async save() {
    if (this.saving) return;
    this.saving = true;
    try {
      try {
        const disk = await contents.get(this.path, { content: 0, hash: 1 });
        const changed = disk.hash && this.hash ? disk.hash !== this.hash : Date.parse(disk.last_modified) - Date.parse(this.lastModified) > 500;
        if (changed) {
          const r = await dialog("File changed on disk", `"${this.name}" has changed on disk since it was opened. Overwrite it, or reload it from disk?`, [
            { label: "Cancel", value: "cancel" },
            { label: "Reload from disk", value: "reload" },
            { label: "Overwrite", value: "overwrite", kind: "danger" },
          ]);
          if (r === "reload") {
            const m = await contents.get(this.path, { type: "file", content: 1, hash: 1 });
            const v = this.editor.view;
            v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: m.content } });
            this.lastModified = m.last_modified;
            this.hash = m.hash ?? null;
            this.dirty = false;
            return;
          }
          if (r !== "overwrite") return;
        }
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      }
      const text = this.editor.view.state.doc.toString();
      await contents.save(this.path, { type: "file", format: this.format, content: text });
      const after = await contents.get(this.path, { content: 0, hash: 1 });
      this.lastModified = after.last_modified;
      this.hash = after.hash ?? null;
      this.dirty = this.editor.view.state.doc.toString() !== text;
    } catch (e) {
      toast(`Saving failed: ${(e as Error).message}`, "error");
    } finally {
      this.saving = false;
      this.update();
    }
  }
}
