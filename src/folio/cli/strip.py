"""``folio strip``: remove outputs, execution counts and volatile metadata (nbstripout's job)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from folio.cli._common import ToolError, expand_notebooks

EPILOG = """\b
Examples:
  folio strip analysis.ipynb              # in place (only rewritten if something changes)
  folio strip notebooks/                  # every *.ipynb under a folder
  folio strip --check notebooks/          # CI: exit 1 and list what would change
  folio strip -t analysis.ipynb > clean.ipynb
  cat a.ipynb | folio strip - > clean.ipynb
  folio strip --keep-output keep-output --extra-keys "metadata.kernelspec cell.metadata.vscode" a.ipynb

\b
Cells tagged keep-output (or with metadata keep_output: true) keep their outputs.
As a pre-commit hook: id 'folio-strip' (see .pre-commit-hooks.yaml).
"""


@click.command("strip", epilog=EPILOG)
@click.argument("notebooks", nargs=-1, required=True)
@click.option("--check", "--verify", "check", is_flag=True, help="Change nothing; exit 1 if any notebook would change.")
@click.option("-t", "--stdout", "to_stdout", is_flag=True, help="Write the stripped notebook to stdout.")
@click.option("--keep-output", "keep_tags", multiple=True, metavar="TAG",
              help="Cells with this tag keep their outputs (default tag: keep-output).")
@click.option("--keep-count", is_flag=True, help="Keep execution counts.")
@click.option("--extra-keys", multiple=True, metavar="KEYS",
              help="More metadata to drop, space separated: 'metadata.x cell.metadata.y'.")
@click.option("--keep-metadata", "keep_keys", multiple=True, metavar="KEY",
              help="A default key to keep, e.g. cell.metadata.collapsed.")
@click.option("--drop-empty-cells", is_flag=True, help="Remove cells whose source is empty.")
def strip(notebooks: tuple[str, ...], check: bool, to_stdout: bool, keep_tags: tuple[str, ...], keep_count: bool,
          extra_keys: tuple[str, ...], keep_keys: tuple[str, ...], drop_empty_cells: bool) -> None:
    """Strip outputs and volatile metadata from notebooks, in place or to stdout."""
    import json

    from folio.notebook.nbio import atomic_write_text, dumps_notebook_json
    from folio.notebook.strip import KEEP_OUTPUT_TAG, StripOptions, strip_notebook

    opts = StripOptions(keep_output_tags=(*keep_tags, KEEP_OUTPUT_TAG), keep_count=keep_count,
                        keep_metadata_keys=keep_keys, extra_keys=extra_keys, drop_empty_cells=drop_empty_cells)
    try:
        strip_notebook({"cells": [], "metadata": {}}, opts)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--extra-keys") from e
    paths = ["-"] if notebooks == ("-",) else [str(p) for p in expand_notebooks(notebooks)]
    would_change = 0
    errors = 0
    for p in paths:
        # Plain JSON, not nbformat: the same bytes for v4 notebooks at a fraction of the start-up time.
        text = ""
        try:
            text = sys.stdin.read() if p == "-" else Path(p).read_text(encoding="utf-8")
            nb = json.loads(text)
            if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
                raise ValueError("not an nbformat 4 notebook")
        except (OSError, ValueError) as e:
            click.echo(f"folio strip: {p}: not a readable notebook: {e}", err=True)
            errors += 1
            if p == "-":  # a git filter must not lose the file: pass it through unchanged
                sys.stdout.write(text)
            continue
        res = strip_notebook(nb, opts)
        if check:
            if res.changed:
                would_change += 1
                click.echo(f"{p}: would strip " + "; ".join(res.changes))
            continue
        if to_stdout or p == "-":
            sys.stdout.write(dumps_notebook_json(res.notebook))
        elif res.changed:
            atomic_write_text(Path(p), dumps_notebook_json(res.notebook))
            click.echo(f"{p}: stripped {len(res.changes)} item(s)", err=True)
    if errors:
        raise ToolError(f"{errors} notebook(s) could not be read", exit_code=2)
    if would_change:
        click.echo(f"{would_change} notebook(s) would be stripped; run 'folio strip' on them", err=True)
        sys.exit(1)
