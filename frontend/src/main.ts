import "./styles.css";
import { currentPage } from "./config";
import { applyTheme } from "./settings";
import { FileBrowser } from "./tree";
import { NotebookPanel } from "./notebook/panel";
import { TextEditorPage } from "./texteditor";

applyTheme();
// The token in ?token= has done its job (the server set a login cookie); keep it out of history and screenshots.
if (new URLSearchParams(location.search).has("token")) {
  const u = new URL(location.href);
  u.searchParams.delete("token");
  history.replaceState(null, "", u.pathname + u.search + u.hash);
}
const root = document.getElementById("app")!;
const page = currentPage();
declare global {
  interface Window {
    folio: unknown;
  }
}
if (page.kind === "notebook") {
  const nb = new NotebookPanel(root, page.path);
  window.folio = nb;
  nb.start();
} else if (page.kind === "edit") {
  const ed = new TextEditorPage(root, page.path);
  window.folio = ed;
  ed.start();
} else {
  const fb = new FileBrowser(root, page.path);
  window.folio = fb;
  fb.start();
}
