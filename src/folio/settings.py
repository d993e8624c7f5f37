"""The one settings object. Precedence: CLI flags > ``FOLIO_*`` environment > ``folio.toml`` > defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

MiB = 1024 * 1024


def _toml_path() -> Path:
    return Path(os.environ.get("FOLIO_CONFIG", "folio.toml"))


class Settings(BaseSettings):
    """Every option folio has. Each field's description is its documentation (docs/settings.md)."""

    model_config = SettingsConfigDict(env_prefix="FOLIO_", extra="forbid", frozen=True)

    # -- server
    root_dir: Path = Field(default_factory=Path.cwd, description="Folder whose files the server serves.")
    ip: str = Field("127.0.0.1", description="Address to bind. Anything but loopback exposes the server.")
    port: int = Field(8888, ge=0, le=65535, description="Port to bind; 0 picks a free one.")
    base_url: str = Field("/", description="URL prefix under which every route is served.")
    open_browser: bool = Field(True, description="Open a browser on the printed URL at start.")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level.")
    log_format: Literal["auto", "json", "human"] = Field(
        "auto", description="Log line format: JSON lines, human, or auto (human on a terminal)."
    )

    # -- auth
    token: str | None = Field(
        None, description="Token clients must present. Generated and printed at start when unset; '' disables auth."
    )
    cookie_secret_file: Path | None = Field(
        None, description="File holding the secret that signs login cookies (default: in Jupyter's runtime dir)."
    )
    disable_xsrf: bool = Field(False, description="Turn off the XSRF check for cookie-authenticated requests.")
    allow_origin: str = Field("", description="CORS: an origin allowed to call the API ('*' for any). Off when empty.")
    allow_remote_access: bool = Field(
        False, description="Accept Host headers that are not loopback names (needed behind a proxy)."
    )

    # -- contents
    allow_hidden: bool = Field(False, description="Show and serve hidden files (names starting with '.').")
    allow_symlinks_out_of_root: bool = Field(
        False, description="Follow symlinks that point outside root_dir (refused by default, for reads and writes)."
    )
    hide_globs: tuple[str, ...] = Field(
        ("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~", ".ipynb_checkpoints"),
        description="Names left out of folder listings.",
    )
    max_body_size: int = Field(512 * MiB, description="Largest request body accepted, in bytes.")
    notebook_cache_size: int = Field(
        64 * MiB,
        ge=0,
        description="Memory for the response bodies of recently opened notebooks, so reopening one costs a stat "
        "(bytes; notebooks over half of it are not kept; 0 turns it off).",
    )

    # -- kernels
    default_kernel: str = Field("python3", description="Kernelspec used when a client names none.")
    kernel_info_timeout: float = Field(60.0, description="Seconds to wait for a new kernel's first reply.")
    kernel_poll_interval: float = Field(1.0, description="Seconds between checks that each kernel process lives.")
    ws_buffer_max_messages: int = Field(
        10_000, description="Messages kept per disconnected client session for replay on reconnect."
    )
    ws_buffer_max_bytes: int = Field(
        256 * MiB, description="Bytes kept per disconnected client session for replay on reconnect."
    )
    ws_buffer_ttl: float = Field(
        600.0, description="Seconds a disconnected session's replay buffer is kept before it is dropped."
    )
    ws_max_message_size: int = Field(256 * MiB, description="Largest websocket frame accepted from a client.")
    ws_ping_interval: float = Field(30.0, description="Seconds between websocket pings.")

    # -- operations
    max_kernels: int = Field(100, ge=0, description="Most kernels the server runs at once (0: no limit).")
    cull_idle_timeout: float = Field(
        12 * 3600.0, ge=0, description="Shut down kernels idle this many seconds (0: never).")
    cull_interval: float = Field(60.0, gt=0, description="Seconds between idle-culler passes.")
    cull_connected: bool = Field(False, description="Also cull idle kernels that have a client connected.")
    kernel_memory_limit: int = Field(
        0, ge=0, description="Memory limit per kernel in bytes (cgroup v2 when available, else a watchdog; 0: none).")
    kernel_cpu_time_limit: int = Field(0, ge=0, description="CPU seconds a kernel process may use (0: no limit).")
    kernel_nice: int = Field(0, ge=0, le=19, description="Nice level kernels run at (0: the server's).")
    kernel_max_open_files: int = Field(0, ge=0, description="Open-file limit per kernel (0: inherited).")
    resource_sample_interval: float = Field(
        5.0, gt=0, description="Seconds between samples of each kernel's CPU and memory (metrics, limits).")
    long_running_cell_seconds: float = Field(
        60.0, gt=0, description="Cells that run longer than this are counted as long-running.")
    pool_size: int = Field(1, ge=0, description="Warm kernels kept ready for the default kernelspec.")
    pool_sizes: dict[str, int] = Field(
        default_factory=dict, description="Warm kernels per other kernelspec, e.g. {\"ir\": 1}.")
    record_outputs: Literal["off", "disconnected", "always"] = Field(
        "disconnected",
        description="Server-side outputs: write running cells' outputs into the .ipynb when no client is "
                    "connected to the kernel ('disconnected'), always, or never.")
    record_outputs_interval: float = Field(
        1.0, gt=0, description="Seconds between server-side writes of a running notebook's outputs.")
    output_max_bytes: int = Field(
        16 * MiB, ge=0, description="Largest single output kept in a saved notebook; bigger ones are cut (0: none).")
    cell_output_max_bytes: int = Field(
        32 * MiB, ge=0, description="Largest total output of one cell kept in a saved notebook (0: no limit).")
    output_overflow_files: bool = Field(
        True, description="Keep each cut output whole in a file next to the notebook, linked from the notice.")
    metrics_enabled: bool = Field(True, description="Collect and serve Prometheus metrics at /metrics.")
    metrics_token: str | None = Field(
        None, description="A separate token a Prometheus scraper may use for /metrics (Bearer or token header).")
    metrics_port: int | None = Field(
        None, ge=0, le=65535, description="Also serve /metrics without auth on this port of 127.0.0.1.")

    @field_validator("base_url")
    @classmethod
    def _slashes(cls, v: str) -> str:
        v = "/" + v.strip("/")
        return v if v == "/" else v + "/"

    @field_validator("root_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        return v.expanduser().resolve()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, _toml_path()))

    @property
    def auth_enabled(self) -> bool:
        return self.token != ""
