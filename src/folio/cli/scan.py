"""``folio scan``: find secrets in notebooks' sources and outputs, and in plain files."""

from __future__ import annotations

import json
import sys

import click

EPILOG = """\b
Examples:
  folio scan .                                  # every file under the folder
  folio scan analysis.ipynb --format json
  folio scan . --format sarif > secrets.sarif   # for code-scanning dashboards
  folio scan . --write-baseline .secrets.baseline   # accept what is there now
  folio scan . --baseline .secrets.baseline     # report only new secrets

\b
Allow a known false positive with a comment on the line (or the line before):
  token = "not-a-real-token-123"  # pragma: allowlist secret
or tag the whole cell (source and outputs) 'allowlist-secret'. detect-secrets
baselines work as --baseline files. Exit status: 1 when secrets are found.
As a pre-commit hook: id 'folio-scan' (see .pre-commit-hooks.yaml).
"""


@click.command("scan", epilog=EPILOG)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--baseline", type=click.Path(dir_okay=False, exists=True), help="Accept secrets listed in this file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Write every finding to this baseline file and exit 0.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
def scan(paths: tuple[str, ...], baseline: str | None, write_baseline: str | None, fmt: str) -> None:
    """Find secrets (keys, tokens, passwords, private keys, high-entropy strings) in notebooks and files."""
    from folio.notebook import secrets as S
    from folio.notebook.nbio import atomic_write_text

    findings, problems = S.scan_paths(paths)
    for p in problems:
        click.echo(f"folio scan: {p}", err=True)
    if write_baseline:
        atomic_write_text(write_baseline, json.dumps(S.baseline_document(findings), indent=2) + "\n")
        click.echo(f"folio scan: wrote {len(findings)} finding(s) to {write_baseline}", err=True)
        return
    accepted = 0
    if baseline:
        try:
            known = S.load_baseline(baseline)
        except (OSError, ValueError) as e:
            raise click.BadParameter(f"cannot read baseline: {e}", param_hint="--baseline") from e
        kept = [f for f in findings if f.hashed_secret not in known]
        accepted = len(findings) - len(kept)
        findings = kept
    if fmt == "json":
        json.dump({"findings": [f.to_dict() for f in findings], "baselined": accepted}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif fmt == "sarif":
        json.dump(S.to_sarif(findings), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for f in findings:
            click.echo(f"{f.location()}: {f.kind}: {f.snippet}")
        tail = f" ({accepted} baselined)" if accepted else ""
        if findings:
            click.echo(f"{len(findings)} possible secret(s) found{tail}", err=True)
    if findings:
        sys.exit(1)
