// User settings kept in the browser (localStorage): autosave interval and theme.
export interface Settings {
  autosaveSeconds: number; // 0 = off
  theme: "system" | "light" | "dark";
  lineNumbers: boolean;
}
const KEY = "folio:settings";
const DEFAULTS: Settings = { autosaveSeconds: 120, theme: "system", lineNumbers: true };

export function loadSettings(): Settings {
  try {
    return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(KEY) ?? "{}") };
  } catch {
    return { ...DEFAULTS };
  }
}

export function saveSettings(s: Settings) {
  localStorage.setItem(KEY, JSON.stringify(s));
  applyTheme(s);
  window.dispatchEvent(new CustomEvent("folio-settings", { detail: s }));
}

export function applyTheme(s: Settings = loadSettings()) {
  if (s.theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = s.theme;
}
