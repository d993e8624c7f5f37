// CodeMirror 6 configuration shared by notebook cells and the text editor.
import { EditorState, Compartment, Extension, Prec } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection, dropCursor,
  rectangularSelection, crosshairCursor, highlightSpecialChars,
} from "@codemirror/view";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import {
  indentOnInput, bracketMatching, syntaxHighlighting, foldGutter, foldKeymap, StreamLanguage, LanguageSupport, indentUnit,
} from "@codemirror/language";
import { closeBrackets, closeBracketsKeymap, autocompletion, completionKeymap, CompletionSource } from "@codemirror/autocomplete";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { classHighlighter } from "@lezer/highlight";
import { python } from "@codemirror/lang-python";
import { markdown } from "@codemirror/lang-markdown";
import { javascript } from "@codemirror/lang-javascript";
import { r } from "@codemirror/legacy-modes/mode/r";
import { julia } from "@codemirror/legacy-modes/mode/julia";
import { shell } from "@codemirror/legacy-modes/mode/shell";
import { standardSQL } from "@codemirror/legacy-modes/mode/sql";
import { yaml } from "@codemirror/legacy-modes/mode/yaml";
import { toml } from "@codemirror/legacy-modes/mode/toml";
import { cpp, java, scala } from "@codemirror/legacy-modes/mode/clike";
import { go } from "@codemirror/legacy-modes/mode/go";
import { rust } from "@codemirror/legacy-modes/mode/rust";
import { ruby } from "@codemirror/legacy-modes/mode/ruby";
import { xml, html } from "@codemirror/legacy-modes/mode/xml";
import { css } from "@codemirror/legacy-modes/mode/css";


/** Language support by kernel language name or file extension. */
export function languageFor(name: string | undefined | null): Extension {
  const n = (name ?? "").toLowerCase().replace(/^\./, "");
  const legacy = (m: any) => new LanguageSupport(StreamLanguage.define(m));
  switch (n) {
    case "python": case "py": case "ipython": case "ipython3": case "pyi":
      return python();
    case "markdown": case "md":
      return markdown();
    case "javascript": case "js": case "mjs": case "json": case "ipynb":
      return javascript();
    case "typescript": case "ts":
      return javascript({ typescript: true });
    case "r": return legacy(r);
    case "julia": case "jl": return legacy(julia);
    case "bash": case "sh": case "shell": case "zsh": return legacy(shell);
    case "sql": return legacy(standardSQL);
    case "yaml": case "yml": return legacy(yaml);
    case "toml": return legacy(toml);
    case "c": case "cpp": case "c++": case "h": case "hpp": case "cc": return legacy(cpp);
    case "java": return legacy(java);
    case "scala": return legacy(scala);
    case "go": return legacy(go);
    case "rust": case "rs": return legacy(rust);
    case "ruby": case "rb": return legacy(ruby);
    case "xml": case "svg": return legacy(xml);
    case "html": case "htm": return legacy(html);
    case "css": return legacy(css);
    default: return [];
  }
}

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
  const view = new EditorView({ state: EditorState.create({ doc: o.doc, extensions: ext }), parent });
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
