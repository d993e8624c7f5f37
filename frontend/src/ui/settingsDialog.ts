import { h } from "./dom";
import { dialog } from "./dialog";
import { loadSettings, saveSettings, Settings } from "../settings";

export async function openSettings() {
  const s = loadSettings();
  const autosave = h("input", { type: "number", min: "0", step: "10", class: "text-input", "aria-label": "Autosave interval in seconds" });
  autosave.value = String(s.autosaveSeconds);
  const theme = h("select", { class: "text-input", "aria-label": "Theme" },
    h("option", { value: "system" }, "Follow the system"), h("option", { value: "light" }, "Light"), h("option", { value: "dark" }, "Dark"));
  theme.value = s.theme;
  const ln = h("input", { type: "checkbox", "aria-label": "Show line numbers" });
  ln.checked = s.lineNumbers;
  const body = h("div", { class: "settings-form" },
    h("label", { class: "field" }, h("span", {}, "Autosave interval (seconds, 0 = off)"), autosave),
    h("label", { class: "field" }, h("span", {}, "Theme"), theme),
    h("label", { class: "field inline" }, ln, h("span", {}, "Line numbers in the text editor")),
  );
  const r = await dialog("Settings", body, [
    { label: "Cancel", value: "cancel" },
    { label: "Save", value: "ok", kind: "primary" },
  ]);
  if (r !== "ok") return;
  const next: Settings = {
    autosaveSeconds: Math.max(0, Number(autosave.value) || 0),
    theme: theme.value as Settings["theme"],
    lineNumbers: ln.checked,
  };
  saveSettings(next);
}
