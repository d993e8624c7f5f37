"""``folio diff``: a cell-aware diff of two notebooks (and the textconv view git uses)."""

from __future__ import annotations

import json
import os
import sys

import click

from folio.cli._common import ToolError

EPILOG = """\b
Examples:
  folio diff before.ipynb after.ipynb
  folio diff a.ipynb b.ipynb --sources-only
  folio diff a.ipynb b.ipynb --json | jq '.cells[] | select(.op != "unchanged")'
  folio diff --textconv a.ipynb        # the text git diffs after 'folio git-setup'

\b
Cells are matched by id, then by identical or similar source, so an edited,
moved, added or removed cell shows as such. Volatile metadata (timings, run
records, widget state) is ignored unless --include-volatile.
Exit status: 0 no differences, 1 differences, 2 trouble (like diff(1)).
"""


@click.command("diff", epilog=EPILOG)
@click.argument("a", type=click.Path(exists=True, dir_okay=False))
@click.argument("b", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--sources-only", "-s", is_flag=True, help="Compare cell sources only.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable diff.")
@click.option("--color/--no-color", default=None, help="Color the output (default: on a terminal).")
@click.option("--context", is_flag=True, help="Also list unchanged cells.")
@click.option("--include-volatile", is_flag=True, help="Also compare timing and run metadata.")
@click.option("--textconv", is_flag=True, help="Print one notebook as diffable text (git's textconv).")
def diff(a: str, b: str | None, sources_only: bool, as_json: bool, color: bool | None, context: bool,
         include_volatile: bool, textconv: bool) -> None:
    """Show how notebook B differs from notebook A, cell by cell."""
    from folio.errors import FolioError
    from folio.notebook.diff import diff_notebooks, format_diff, notebook_as_text

    def load(p: str) -> dict:
        try:
            with open(p, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise ToolError(FolioError(f"{p}: not a readable notebook: {e}"), exit_code=2) from e
        if not isinstance(data, dict) or "cells" not in data:
            raise ToolError(FolioError(f"{p}: not a notebook (no cells)"), exit_code=2)
        return data

    if textconv:
        if b is not None:
            raise click.UsageError("--textconv takes one notebook")
        sys.stdout.write(notebook_as_text(load(a), outputs=not sources_only))
        return
    if b is None:
        raise click.UsageError("give two notebooks (or --textconv with one)")
    d = diff_notebooks(load(a), load(b), sources_only=sources_only, include_volatile=include_volatile)
    if as_json:
        json.dump({"a": a, "b": b, "changed": d.changed, **d.to_dict()}, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    elif d.changed or context:
        use_color = (sys.stdout.isatty() and not os.environ.get("NO_COLOR")) if color is None else color
        sys.stdout.write(format_diff(d, a, b, color=use_color, context=context))
    sys.exit(1 if d.changed else 0)
