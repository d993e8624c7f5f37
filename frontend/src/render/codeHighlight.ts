// highlight.js for fenced code in markdown, loaded the first time a code block is shown (it is a tenth of
// the bundle, and most notebooks' first screen has no code block in markdown).
import hljs from "highlight.js/lib/core";
import python from "highlight.js/lib/languages/python";
import javascript from "highlight.js/lib/languages/javascript";
import typescript from "highlight.js/lib/languages/typescript";
import bash from "highlight.js/lib/languages/bash";
import json from "highlight.js/lib/languages/json";
import r from "highlight.js/lib/languages/r";
import julia from "highlight.js/lib/languages/julia";
import sql from "highlight.js/lib/languages/sql";
import yaml from "highlight.js/lib/languages/yaml";
import cpp from "highlight.js/lib/languages/cpp";
import xml from "highlight.js/lib/languages/xml";
import plaintext from "highlight.js/lib/languages/plaintext";

for (const [name, lang] of Object.entries({ python, javascript, typescript, bash, json, r, julia, sql, yaml, cpp, xml, plaintext })) {
  hljs.registerLanguage(name, lang);
}
hljs.registerAliases(["py", "ipython", "ipython3"], { languageName: "python" });
hljs.registerAliases(["sh", "shell", "console"], { languageName: "bash" });
hljs.registerAliases(["js"], { languageName: "javascript" });
hljs.registerAliases(["ts"], { languageName: "typescript" });
hljs.registerAliases(["html", "svg"], { languageName: "xml" });

/** Highlight one <code> of rendered (and sanitized) markdown in place. highlight.js builds its markup from
 * the element's text, escaped, so no sanitizing is needed again. */
export function highlightCode(code: HTMLElement) {
  const lang = [...code.classList].find((c) => c.startsWith("language-"))?.slice("language-".length) ?? "";
  const language = hljs.getLanguage(lang) ? lang : "plaintext";
  code.innerHTML = hljs.highlight(code.textContent ?? "", { language }).value;
  code.classList.add("hljs");
}
