"""The headless toolchain's subcommands (run, convert, strip, scan, test, diff, lint, git-setup).

Each lives in its own thin module and imports its heavy dependencies inside the command, so ``folio --help``
stays fast.
"""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    from folio.cli import convert, diff, gitsetup, lint, run, scan, strip, test

    for cmd in (run.run, convert.convert, strip.strip, scan.scan, test.test, diff.diff, gitsetup.git_setup,
                lint.lint):
        cli.add_command(cmd)
