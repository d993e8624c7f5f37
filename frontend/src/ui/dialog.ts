import { h } from "./dom";

export interface DialogButton {
  label: string;
  value: string;
  kind?: "primary" | "danger" | "plain";
}

let openCount = 0;

/** Whether a modal dialog is open (cheaper than looking for its overlay in a big page on every key). */
export function dialogOpen(): boolean {
  return openCount > 0;
}

/** A modal dialog; resolves with the clicked button's value, or null on Escape/close. */
export function dialog(title: string, body: Node | string, buttons: DialogButton[], opts: { focus?: HTMLElement } = {}): Promise<string | null> {
  return new Promise((resolve) => {
    const prev = document.activeElement as HTMLElement | null;
    const titleId = "dlg-" + Math.random().toString(36).slice(2);
    let closed = false;
    const close = (v: string | null) => {
      if (!closed) openCount--;
      closed = true;
      overlay.remove();
      document.removeEventListener("keydown", onKey, true);
      prev?.focus?.();
      resolve(v);
    };
    const btns = buttons.map((b) =>
      h("button", { class: `btn ${b.kind ?? "plain"}`, onclick: () => close(b.value), type: "button" }, b.label),
    );
    const box = h(
      "div",
      { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId },
      h("h2", { id: titleId }, title),
      h("div", { class: "dialog-body" }, body),
      h("div", { class: "dialog-buttons" }, ...btns),
    );
    const overlay = h("div", { class: "overlay" }, box);
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        ev.stopPropagation();
        close(null);
      } else if (ev.key === "Enter" && !(ev.target instanceof HTMLTextAreaElement) && !(ev.target instanceof HTMLButtonElement)) {
        const primary = buttons.findIndex((b) => b.kind === "primary" || b.kind === "danger");
        if (primary >= 0) {
          ev.preventDefault();
          ev.stopPropagation();
          close(buttons[primary].value);
        }
      }
      ev.stopPropagation();
    };
    document.addEventListener("keydown", onKey, true);
    overlay.addEventListener("mousedown", (ev) => {
      if (ev.target === overlay) close(null);
    });
    document.body.appendChild(overlay);
    openCount++;
    const f = opts.focus ?? btns.find((_, i) => buttons[i].kind === "primary") ?? btns[btns.length - 1];
    window.setTimeout(() => {
      f?.focus();
      if (f instanceof HTMLInputElement) f.select();
    }, 0);
  });
}

export async function prompt(title: string, label: string, value = "", okLabel = "OK"): Promise<string | null> {
  const input = h("input", { type: "text", class: "text-input", value, "aria-label": label });
  input.value = value;
  const body = h("label", { class: "field" }, h("span", {}, label), input);
  let typed = value;
  input.addEventListener("input", () => (typed = input.value));
  const r = await dialog(title, body, [
    { label: "Cancel", value: "cancel" },
    { label: okLabel, value: "ok", kind: "primary" },
  ], { focus: input });
  return r === "ok" ? typed : null;
}

export async function confirm(title: string, message: string | Node, okLabel = "OK", danger = false): Promise<boolean> {
  const r = await dialog(title, message, [
    { label: "Cancel", value: "cancel" },
    { label: okLabel, value: "ok", kind: danger ? "danger" : "primary" },
  ]);
  return r === "ok";
}

export function alertDialog(title: string, message: string): Promise<string | null> {
  return dialog(title, message, [{ label: "OK", value: "ok", kind: "primary" }]);
}

let toastBox: HTMLElement | null = null;
/** A short notice in the corner. */
export function toast(message: string, kind: "info" | "error" = "info", ms = 4000) {
  if (!toastBox) {
    toastBox = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.appendChild(toastBox);
  }
  const t = h("div", { class: `toast ${kind}` }, message);
  toastBox.appendChild(t);
  window.setTimeout(() => t.remove(), ms);
}
