"""``folio serve``: build Settings from flags, bind, print the URL, run uvicorn."""

from __future__ import annotations

import socket
import webbrowser
from pathlib import Path
from typing import Any

import click


@click.command()
@click.option("--ip", help="Address to bind (default 127.0.0.1). [env FOLIO_IP]")
@click.option("--port", type=int,
              help="Port to bind; 0 picks a free port and prints it (default 8888). [env FOLIO_PORT]")
@click.option("--root", "root_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to serve (default: the current folder). [env FOLIO_ROOT_DIR]")
@click.option("--token", help="Token clients must present; '' disables auth (default: generated). [env FOLIO_TOKEN]")
@click.option("--base-url", help="URL prefix for every route (default /). [env FOLIO_BASE_URL]")
@click.option("--no-browser", "no_browser", is_flag=True, default=None, help="Do not open a browser.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), help="Log level.")
@click.option("--log-format", type=click.Choice(["auto", "json", "human"]), help="Log line format.")
@click.option("--default-kernel", help="Kernelspec used when a client names none (default python3).")
@click.option("--allow-origin", help="CORS origin allowed to call the API ('*' for any). Off by default.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="TOML settings file (default ./folio.toml). [env FOLIO_CONFIG]")
def serve(no_browser: bool | None, config_file: Path | None, **flags: Any) -> None:
    """Run the notebook server.

    \b
    Examples:
      folio serve                          # ./ on http://127.0.0.1:8888/?token=...
      folio serve --port 0 --no-browser    # a free port, printed
      FOLIO_TOKEN=s3cret folio serve --root ~/notebooks

    Every setting (see docs/settings.md) can also be set as FOLIO_<NAME> or in folio.toml.
    """
    import os

    import uvicorn

    from folio.observability.logging import setup_logging
    from folio.server.app import create_app
    from folio.settings import Settings

    if config_file is not None:
        os.environ["FOLIO_CONFIG"] = str(config_file)
    overrides = {k: v for k, v in flags.items() if v is not None}
    if no_browser:
        overrides["open_browser"] = False
    settings = Settings(**overrides)
    if not settings.root_dir.is_dir():
        raise click.UsageError(f"root folder does not exist: {settings.root_dir}")
    setup_logging(settings)

    sock = socket.socket(socket.AF_INET6 if ":" in settings.ip else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.ip, settings.port))
    except OSError as e:
        raise click.ClickException(f"cannot bind {settings.ip}:{settings.port}: {e.strerror}") from e
    sock.listen(2048)
    port = sock.getsockname()[1]

    app = create_app(settings)
    host = f"[{settings.ip}]" if ":" in settings.ip else settings.ip
    url = f"http://{host}:{port}{settings.base_url}"
    token = app.state.folio.auth.token
    full = f"{url}tree?token={token}" if token else f"{url}tree"
    click.echo(f"folio {_version()} serving {settings.root_dir}", err=True)
    click.echo(f"    {full}", err=True)
    click.echo(f"FOLIO_URL={url}", err=True)
    if settings.open_browser:
        try:
            webbrowser.open(full)
        except Exception:  # no browser on a headless machine is not an error
            pass

    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        ws_max_size=settings.ws_max_message_size,
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=max(3 * settings.ws_ping_interval, 30.0),
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=5,
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[sock])


def _version() -> str:
    from folio import __version__

    return __version__
