// Small line icons drawn for folio (16×16, currentColor), so no icon font or emoji font is needed.
const S = (body: string) =>
  `<svg viewBox="0 0 16 16" width="16" height="16" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`;

export const ICONS = {
  folder: S('<path d="M1.5 4.5v8h13v-6.5h-7l-1.5-1.5z" fill="#e8a33d" stroke="#c98a2a"/>'),
  notebook: S('<rect x="3" y="1.5" width="10.5" height="13" rx="1" fill="#f37726" stroke="#d3621a"/><path d="M5 5h6.5M5 8h6.5M5 11h4" stroke="#fff"/>'),
  file: S('<path d="M3.5 1.5h6l3 3v10h-9z"/><path d="M9.5 1.5v3h3"/>'),
  image: S('<rect x="2" y="2.5" width="12" height="11" rx="1"/><circle cx="6" cy="6" r="1.2"/><path d="M2.5 12l3.5-4 3 3 2-2 2.5 3"/>'),
  home: S('<path d="M2 7.5l6-5 6 5M3.5 6.5v7h9v-7"/>'),
  save: S('<path d="M2.5 2.5h9l2 2v9h-11z"/><path d="M5 2.5v3.5h5v-3.5M4.5 13.5v-4h7v4"/>'),
  plus: S('<path d="M8 3v10M3 8h10"/>'),
  cut: S('<circle cx="4.5" cy="11.5" r="2"/><circle cx="11.5" cy="11.5" r="2"/><path d="M6 10l6-8M10 10l-6-8"/>'),
  copy: S('<rect x="5" y="5" width="8.5" height="9" rx="1"/><path d="M3 11V2.5h7.5"/>'),
  paste: S('<rect x="3" y="3" width="10" height="11.5" rx="1"/><rect x="5.5" y="1.5" width="5" height="3" rx=".5"/>'),
  up: S('<path d="M8 13V3M4 7l4-4 4 4"/>'),
  down: S('<path d="M8 3v10M4 9l4 4 4-4"/>'),
  run: S('<path d="M4.5 2.5l9 5.5-9 5.5z" fill="currentColor"/>'),
  stop: S('<rect x="3.5" y="3.5" width="9" height="9" fill="currentColor"/>'),
  restart: S('<path d="M13 8a5 5 0 1 1-1.6-3.7"/><path d="M12 1.5v3.3H8.7"/>'),
  restartRun: S('<path d="M2 3l5 5-5 5zM8 3l5 5-5 5z" fill="currentColor"/>'),
  search: S('<circle cx="7" cy="7" r="4.5"/><path d="M10.5 10.5l3.5 3.5"/>'),
  toc: S('<path d="M2 4h12M4.5 8h9.5M4.5 12h9.5"/>'),
  keyboard: S('<rect x="1.5" y="4" width="13" height="8" rx="1"/><path d="M4 7h.5M6.5 7h.5M9 7h.5M11.5 7h.5M5 9.8h6"/>'),
  settings: S('<circle cx="8" cy="8" r="2.2"/><path d="M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4"/>'),
  refresh: S('<path d="M13 8a5 5 0 1 1-1.6-3.7"/><path d="M12 1.5v3.3H8.7"/>'),
  trash: S('<path d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4M6.7 6.5v5M9.3 6.5v5"/>'),
  upload: S('<path d="M8 11V2.5M4.5 6L8 2.5 11.5 6M2.5 11v2.5h11V11"/>'),
};

export function icon(name: keyof typeof ICONS): HTMLElement {
  const span = document.createElement("span");
  span.className = "icon";
  span.innerHTML = ICONS[name];
  return span;
}
