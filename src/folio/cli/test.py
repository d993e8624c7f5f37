"""``folio test``: re-run notebooks and compare each cell's outputs with the stored ones (nbval's job)."""

from __future__ import annotations

import json
import sys

import click

from folio.cli._common import ToolError, expand_notebooks

EPILOG = """\b
Examples:
  folio test notebooks/
  folio test analysis.ipynb --lax                # only cells marked folio-check-output
  folio test a.ipynb --sanitize-with sanitize.cfg --check-stderr
  pytest --folio-notebooks notebooks/            # the same, as pytest items (one per cell)

\b
Cell markers (a tag, or nbval's comment on the first line):
  folio-skip / NBVAL_SKIP                  do not run the cell
  folio-ignore-output / NBVAL_IGNORE_OUTPUT  run it, do not compare
  folio-loose                              compare with numbers and spacing ignored
  folio-check-output / NBVAL_CHECK_OUTPUT  compared even with --lax
  raises-exception / NBVAL_RAISES_EXCEPTION  the cell must raise
Volatile text (memory addresses, timestamps, temp and home paths) is sanitized;
add regexes with --sanitize-with (nbval's INI format or TOML) or in
pyproject.toml under [tool.folio.test] sanitize = [{regex = "...", replace = "..."}].
Exit status: 0 all passed, 1 a cell failed, 2 unreadable notebook, 3 kernel unavailable.
"""


@click.command("test", epilog=EPILOG)
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--lax", is_flag=True, help="Compare only cells marked folio-check-output (errors still fail).")
@click.option("--sanitize-with", "sanitize", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="File of extra sanitizer regexes.")
@click.option("--check-stderr", is_flag=True, help="Compare stderr streams too.")
@click.option("--compare-images", is_flag=True, help="Compare images byte for byte (default: skipped).")
@click.option("-k", "--kernel", help="Kernelspec (default: the notebook's).")
@click.option("--cell-timeout", type=float, default=120.0, show_default=True, help="Seconds one cell may run.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def test(notebooks: tuple[str, ...], lax: bool, sanitize: tuple[str, ...], check_stderr: bool, compare_images: bool,
         kernel: str | None, cell_timeout: float, fmt: str) -> None:
    """Re-run notebooks and fail when a cell's outputs differ from the stored ones."""
    from pathlib import Path

    from folio.errors import FolioError
    from folio.execution.nbtest import CheckOptions, check_notebook
    from folio.notebook import compare as C

    sanitizers = list(C.DEFAULT_SANITIZERS) + C.project_sanitizers(Path.cwd())
    for f in sanitize:
        sanitizers += C.load_sanitizers(f)
    opts = CheckOptions(kernel_name=kernel, cell_timeout=cell_timeout, lax=lax,
                        compare=C.CompareOptions(sanitizers, check_stderr, compare_images))
    report = []
    failed = skipped = passed = 0
    for p in expand_notebooks(notebooks):
        try:
            results = check_notebook(p, opts)
        except FolioError as e:
            raise ToolError(e) from e
        f = [r for r in results if r.outcome == "failed"]
        s = sum(r.outcome == "skipped" for r in results)
        failed, skipped, passed = failed + len(f), skipped + s, passed + len(results) - len(f) - s
        if fmt == "text":
            for r in f:
                click.echo(r.report(str(p)) + "\n")
            status = "FAILED" if f else "ok"
            click.echo(f"{p}: {status} ({len(results) - len(f) - s} passed, {len(f)} failed, {s} skipped)")
        report.append({"notebook": str(p), "cells": [r.__dict__ for r in results]})
    if fmt == "json":
        json.dump({"passed": passed, "failed": failed, "skipped": skipped, "notebooks": report}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    if failed:
        sys.exit(1)
