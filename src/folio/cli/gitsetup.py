"""``folio git-setup``: make ``git diff`` show readable notebook diffs through folio."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click

EPILOG = """\b
Examples:
  folio git-setup                 # this repository: .git/info/attributes + .git/config
  folio git-setup --attributes .gitattributes   # share the mapping with the team
  folio git-setup --global        # every repository of this user
  folio git-setup --strip-filter  # also strip outputs on commit (nbstripout --install)
  folio git-setup --uninstall

\b
It sets diff.folio.textconv to 'folio diff --textconv' and maps *.ipynb to
the 'folio' diff driver, so 'git diff', 'git log -p' and 'git show' print
notebooks as cell-by-cell text with outputs summarized.
"""


def _git(*args: str, cwd: Path | None = None) -> str:
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise click.ClickException(f"git {' '.join(args)} failed: {r.stderr.strip() or r.returncode}")
    return r.stdout.strip()


def _folio_command() -> str:
    exe = shutil.which("folio")
    return "folio" if exe else f"{shlex.quote(sys.executable)} -m folio"


@click.command("git-setup", epilog=EPILOG)
@click.option("--global", "global_", is_flag=True, help="Configure the user's git, not this repository.")
@click.option("--attributes", type=click.Path(dir_okay=False),
              help="Attributes file to write (default: .git/info/attributes, or core.attributesFile with --global).")
@click.option("--strip-filter", is_flag=True,
              help="Also strip outputs on commit (a git clean filter, like 'nbstripout --install').")
@click.option("--uninstall", is_flag=True, help="Remove the diff driver, the filter and the *.ipynb mappings.")
def git_setup(global_: bool, attributes: str | None, strip_filter: bool, uninstall: bool) -> None:
    """Register folio as git's diff driver (textconv) for *.ipynb."""
    scope = ["--global"] if global_ else []
    if global_:
        current = _global_attributes_file()
        attr_path = Path(attributes or current or "~/.config/git/attributes").expanduser()
        if attributes or not current:
            _git("config", "--global", "core.attributesFile", str(attr_path))
    else:
        top = Path(_git("rev-parse", "--show-toplevel"))
        git_dir = Path(_git("rev-parse", "--absolute-git-dir"))
        attr_path = Path(attributes) if attributes else git_dir / "info" / "attributes"
        if not attr_path.is_absolute():
            attr_path = top / attr_path
    diff_line, filter_line = "*.ipynb diff=folio", "*.ipynb filter=folio-strip"
    lines = attr_path.read_text(encoding="utf-8").splitlines() if attr_path.exists() else []
    if uninstall:
        for section in ("diff.folio", "filter.folio-strip"):
            subprocess.run(["git", "config", *scope, "--remove-section", section], capture_output=True)
        lines = [ln for ln in lines if ln not in (diff_line, filter_line)]
        if attr_path.exists():
            attr_path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
        click.echo(f"removed folio's git diff driver and strip filter ({attr_path})")
        return
    folio_cmd = _folio_command()
    _git("config", *scope, "diff.folio.textconv", f"{folio_cmd} diff --textconv")
    _git("config", *scope, "diff.folio.cachetextconv", "false")
    wanted = [diff_line]
    if strip_filter:
        # clean runs on 'git add': the index gets the stripped notebook, the working copy keeps its outputs
        _git("config", *scope, "filter.folio-strip.clean", f"{folio_cmd} strip -t -")
        _git("config", *scope, "filter.folio-strip.smudge", "cat")
        wanted.append(filter_line)
    new = [*lines, *(w for w in wanted if w not in lines)]
    if new != lines:
        attr_path.parent.mkdir(parents=True, exist_ok=True)
        attr_path.write_text("\n".join(new) + "\n", encoding="utf-8")
    what = "git diff shows notebooks through folio" + (", and commits strip their outputs" if strip_filter else "")
    click.echo(f"{what} ({attr_path})")


def _global_attributes_file() -> str:
    r = subprocess.run(["git", "config", "--global", "--get", "core.attributesFile"], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""
