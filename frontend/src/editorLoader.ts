// CodeMirror is most of the page's script, so it is a chunk of its own: a notebook paints its cells (their
// source as plain text until an editor is made) without waiting for it to compile and run. It is fetched at
// once; editors are made when it has come (a fraction of a second later).
import { toast } from "./ui/dialog";

type CodeMirror = typeof import("./cm");

let cm: CodeMirror | null = null;

export const codeMirror: Promise<CodeMirror> = import("./cm").then((m) => (cm = m));
codeMirror.catch(() => toast("The editor could not be loaded (is the server reachable?). Reload the page to edit.", "error", 15_000));

/** The CodeMirror module if it has loaded, else null. */
export function codeMirrorNow(): CodeMirror | null {
  return cm;
}

/** Run fn now if CodeMirror is here, else once it has loaded (never, if it failed: the toast said so). */
export function withCodeMirror(fn: () => void) {
  if (cm) fn();
  else codeMirror.then(fn, () => {});
}
