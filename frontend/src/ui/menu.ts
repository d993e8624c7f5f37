import { h } from "./dom";

export interface MenuItem {
  label: string;
  shortcut?: string;
  action: () => void;
  enabled?: () => boolean;
  separatorBefore?: boolean;
}

/** A menubar of dropdowns (File, Edit, …) with keyboard navigation. */
export function menubar(menus: Record<string, MenuItem[]>): HTMLElement {
  const bar = h("nav", { class: "menubar", role: "menubar", "aria-label": "Main menu" });
  let openMenu: HTMLElement | null = null;
  const closeAll = () => {
    openMenu?.classList.remove("open");
    openMenu?.querySelector("button")?.setAttribute("aria-expanded", "false");
    openMenu = null;
  };
  document.addEventListener("mousedown", (ev) => {
    if (openMenu && !openMenu.contains(ev.target as Node)) closeAll();
  });
  for (const [name, items] of Object.entries(menus)) {
    const list = h("div", { class: "menu-list", role: "menu", "aria-label": name });
    const wrap = h("div", { class: "menu" });
    const top = h("button", { class: "menu-title", role: "menuitem", "aria-haspopup": "true", "aria-expanded": "false", type: "button" }, name);
    const open = () => {
      closeAll();
      list.replaceChildren(
        ...items.map((it) => {
          const enabled = it.enabled ? it.enabled() : true;
          const b = h(
            "button",
            { class: "menu-item" + (it.separatorBefore ? " sep" : ""), role: "menuitem", type: "button", disabled: !enabled },
            h("span", {}, it.label),
            h("span", { class: "kbd" }, it.shortcut ?? ""),
          );
          b.addEventListener("click", () => {
            closeAll();
            it.action();
          });
          return b;
        }),
      );
      wrap.classList.add("open");
      top.setAttribute("aria-expanded", "true");
      openMenu = wrap;
    };
    top.addEventListener("click", () => (openMenu === wrap ? closeAll() : open()));
    top.addEventListener("mouseenter", () => {
      if (openMenu && openMenu !== wrap) open();
    });
    wrap.addEventListener("keydown", (ev) => {
      const btns = Array.from(list.querySelectorAll<HTMLButtonElement>("button:not([disabled])"));
      const i = btns.indexOf(document.activeElement as HTMLButtonElement);
      if (ev.key === "Escape") {
        closeAll();
        top.focus();
      } else if (ev.key === "ArrowDown") {
        ev.preventDefault();
        if (!openMenu) open();
        (btns[(i + 1) % btns.length] ?? list.querySelector("button"))?.focus();
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        btns[(i - 1 + btns.length) % btns.length]?.focus();
      } else return;
      ev.stopPropagation();
    });
    wrap.append(top, list);
    bar.appendChild(wrap);
  }
  return bar;
}
