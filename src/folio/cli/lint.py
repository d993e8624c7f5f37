"""``folio lint``: hidden-state and hygiene risks in saved notebooks."""

from __future__ import annotations

import json
import sys

import click

from folio.cli._common import expand_notebooks

EPILOG = """\b
Examples:
  folio lint analysis.ipynb
  folio lint notebooks/ --format json
  folio lint a.ipynb --ignore FL009 --max-image-size 2000000
  folio lint a.ipynb --strict          # warnings fail too

\b
Rules:
  FL001 error    cells run out of order        FL006 error    no kernelspec
  FL002 warning  gaps in execution counts      FL007 warning  no language metadata
  FL003 error    cell never run, later ones    FL008 error    possible secret (folio scan)
                 have outputs                  FL009 warning  absolute path to the author's machine
  FL004 warning  output over the size limit    FL010 error    stored error output
  FL005 warning  embedded image over the limit
Exit status: 1 if any error (or any warning with --strict), 2 unreadable input.
"""


@click.command("lint", epilog=EPILOG)
@click.argument("notebooks", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--max-output-size", type=int, default=1_000_000, show_default=True, help="Bytes per output.")
@click.option("--max-image-size", type=int, default=500_000, show_default=True, help="Bytes per embedded image.")
@click.option("--no-secrets", is_flag=True, help="Skip the secret scan (FL008).")
@click.option("--select", multiple=True, metavar="CODE", help="Only these rules.")
@click.option("--ignore", multiple=True, metavar="CODE", help="Skip these rules.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def lint(notebooks: tuple[str, ...], fmt: str, max_output_size: int, max_image_size: int, no_secrets: bool,
         select: tuple[str, ...], ignore: tuple[str, ...], strict: bool) -> None:
    """Report hidden-state and hygiene risks: execution order, unrun cells, large outputs, secrets, paths."""
    from folio.notebook.lint import RULES, LintOptions, lint_notebook, secret_problems

    unknown = [c for c in (*select, *ignore) if c not in RULES]
    if unknown:
        raise click.BadParameter(f"unknown rule(s) {', '.join(unknown)}; see --help", param_hint="--select/--ignore")
    opts = LintOptions(max_output_size, max_image_size, not no_secrets, select, ignore)
    problems = []
    unreadable = 0
    for p in expand_notebooks(notebooks):
        try:
            with open(p, encoding="utf-8") as f:
                nb = json.load(f)
            if not isinstance(nb, dict) or "cells" not in nb:
                raise ValueError("no cells")
        except (OSError, ValueError) as e:
            click.echo(f"folio lint: {p}: not a readable notebook: {e}", err=True)
            unreadable += 1
            continue
        found = lint_notebook(nb, str(p), opts)
        wants_secrets = opts.check_secrets and "FL008" not in ignore and (not select or "FL008" in select)
        if wants_secrets:
            from folio.notebook.secrets import scan_paths

            found += secret_problems(scan_paths([p])[0])
        problems += sorted(found, key=lambda x: (x.cell or 0, x.line or 0, x.code))
    if fmt == "json":
        json.dump({"problems": [x.to_dict() for x in problems]}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for x in problems:
            click.echo(f"{x.location()}: {x.code} {x.severity}: {x.message}")
    errors = sum(1 for x in problems if x.severity == "error")
    warnings = len(problems) - errors
    if fmt == "text" and problems:
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    if unreadable:
        sys.exit(2)
    if errors or (strict and warnings):
        sys.exit(1)
