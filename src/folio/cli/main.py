"""The ``folio`` command: a click group whose subcommands live in sibling modules."""

from __future__ import annotations

import sys

import click

from folio import __version__
from folio.errors import FolioError


class FolioCLIError(click.ClickException):
    """A FolioError shown to a terminal user; exit code 1 unless the class says otherwise."""

    exit_code = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="folio")
def cli() -> None:
    """folio: a Jupyter-compatible notebook server, browser notebook and headless notebook toolchain."""


def _register() -> None:
    # Subcommands import their heavy dependencies lazily, so `folio --help` stays fast.
    from folio.cli import serve

    cli.add_command(serve.serve)
    try:
        from folio.cli import tools

        tools.register(cli)
    except Exception as e:  # a broken tool command must not take `folio serve` down with it
        print(f"folio: headless tool commands unavailable: {type(e).__name__}: {e}", file=sys.stderr)


_register()


def main() -> None:
    try:
        cli(standalone_mode=True)
    except FolioError as e:
        click.echo(f"folio: {e}", err=True)
        sys.exit(1)
