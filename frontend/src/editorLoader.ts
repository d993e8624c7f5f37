// CodeMirror is most of the page's script, so it is a chunk of its own: a notebook paints its cells (their
// source as plain text until an editor is made) without waiting for it to compile and run. It is fetched at
// once; editors are made when it has come (a fraction of a second later).
type CodeMirror = typeof import("./cm");

let cm: CodeMirror | null = null;

export const codeMirror: Promise<CodeMirror> = import("./cm").then((m) => (cm = m));

/** The CodeMirror module if it has loaded, else null. */
export function codeMirrorNow(): CodeMirror | null {
  return cm;
}
