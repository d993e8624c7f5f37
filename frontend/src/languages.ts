// The editor languages other than Python, loaded on first use (see languageFor in cm.ts).
import { StreamLanguage, LanguageSupport } from "@codemirror/language";
import { Extension } from "@codemirror/state";
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

/** Language support by (lower-case) kernel language name or file extension; none for names it does not know. */
export function languageFor(n: string): Extension {
  const legacy = (m: any) => new LanguageSupport(StreamLanguage.define(m));
  switch (n) {
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

