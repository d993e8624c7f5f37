// CodeMirror 6 configuration shared by notebook cells and the text editor.
import { EditorState, Compartment, Extension, Prec } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection, dropCursor,
  rectangularSelection, crosshairCursor, highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  indentOnInput, bracketMatching, syntaxHighlighting, foldGutter, foldKeymap, indentUnit,
} from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap, autocompletion, completionKeymap, CompletionSource } from "@codemirror/autocomplete";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { classHighlighter } from "@lezer/highlight";
import { python } from "@codemirror/lang-python";

// Python (the kernel most notebooks use) is built in. The other languages, markdown among them (its
// grammar brings HTML, CSS and JavaScript along), are a chunk of their own, loaded the first time an
// editor needs one: a Python notebook opens without compiling and evaluating grammars it never uses.
type Languages = typeof import("./languages");
let languages: Languages | null = null;
let loading: Promise<Languages> | null = null;

function loadLanguages(): Promise<Languages> {
  loading ??= import("./languages").then((m) => (languages = m));
  return loading;
}

/** Language support by kernel language name or file extension. For a language of the lazy chunk that
 * has not arrived yet this is no language, and `ready` is called once it has (re-apply it then). */
export function languageFor(name: string | undefined | null, ready?: () => void): Extension {
  const n = (name ?? "").toLowerCase().replace(/^\./, "");
  if (n === "python" || n === "py" || n === "ipython" || n === "ipython3" || n === "pyi") return python();
  if (languages) return languages.languageFor(n);
  if (n === "") return [];
  loadLanguages().then(() => ready?.(), () => {
    loading = null; // a failed chunk fetch (server restarting): try again next time
  });
  return [];
}

// What the notebook's key bindings use, from the same chunk.
export { keymap } from "@codemirror/view";
export { indentLess } from "@codemirror/commands";
export { startCompletion, completionStatus } from "@codemirror/autocomplete";

export const theme = EditorView.theme({
  "&": { fontSize: "var(--code-font-size)", backgroundColor: "transparent" },
  ".cm-content": { fontFamily: "var(--code-font)", padding: "4px 0" },
  ".cm-scroller": { fontFamily: "var(--code-font)", lineHeight: "1.4" },
  "&.cm-focused": { outline: "none" },
  ".cm-gutters": { backgroundColor: "transparent", border: "none", color: "var(--fg-muted)" },
  ".cm-cursor": { borderLeftColor: "var(--fg)" },
  ".cm-tooltip": { backgroundColor: "var(--bg-raised)", border: "1px solid var(--border)", color: "var(--fg)" },
});

export interface EditorOptions {
  doc: string;
  language: Extension;
  keys?: Extension; // highest-precedence key bindings (Shift-Enter & co.)
  completion?: CompletionSource;
  lineNumbers?: boolean;
  onChange?: (doc: string) => void;
  onFocus?: () => void;
  onBlur?: () => void;
  label?: string;
  cursor?: number; // where the cursor starts (a position in doc)
}

export interface Editor {
  view: EditorView;
  setLanguage(ext: Extension): void;
  setLineNumbers(on: boolean): void;
}

export function createEditor(parent: HTMLElement, o: EditorOptions): Editor {
  const lang = new Compartment();
  const gutter = new Compartment();
  const ext: Extension[] = [
    o.keys ? Prec.highest(o.keys) : [],
    highlightSpecialChars(),
    history(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    indentUnit.of("    "),
    syntaxHighlighting(classHighlighter),
    bracketMatching(),
    closeBrackets(),
    rectangularSelection(),
    crosshairCursor(),
    highlightSelectionMatches(),
    autocompletion({ override: o.completion ? [o.completion] : undefined, activateOnTyping: false, defaultKeymap: true }),
    keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...searchKeymap, ...historyKeymap, ...foldKeymap, ...completionKeymap, indentWithTab]),
    lang.of(o.language),
    theme,
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({ "aria-label": o.label ?? "Code editor" }),
    EditorView.updateListener.of((u) => {
      if (u.docChanged) o.onChange?.(u.state.doc.toString());
      if (u.focusChanged) (u.view.hasFocus ? o.onFocus : o.onBlur)?.();
    }),
  ];
  const gutters = () => [lineNumbers(), foldGutter(), highlightActiveLine()];
  ext.push(gutter.of(o.lineNumbers ? gutters() : []));
  const selection = o.cursor !== undefined ? { anchor: Math.max(0, Math.min(o.cursor, o.doc.length)) } : undefined;
  const view = new EditorView({ state: EditorState.create({ doc: o.doc, selection, extensions: ext }), parent });
  return {
    view,
    setLanguage(e: Extension) {
      view.dispatch({ effects: lang.reconfigure(e) });
    },
    setLineNumbers(on: boolean) {
      view.dispatch({ effects: gutter.reconfigure(on ? gutters() : []) });
    },
  };
}

/** Make an editor off screen and drop it in the next frame: the first editor compiles CodeMirror's code
 * paths and mounts its styles (~50 ms). The notebook page does this while its notebook is on the way, so
 * that the first screen's editors do not pay for it after the notebook has come. */
export function warmUp() {
  const host = document.createElement("div");
  host.className = "cm-warm-up";
  host.setAttribute("aria-hidden", "true");
  host.style.cssText = "position: fixed; left: -10000px; top: 0; width: 600px; visibility: hidden";
  document.body.appendChild(host);
  const ed = createEditor(host, { doc: "def f(x):\n    return [x, 'y']  # z\n", language: languageFor("python") });
  requestAnimationFrame(() => {
    ed.view.destroy();
    host.remove();
  });
}
