"""The one settings object: precedence, validation, documentation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from folio.settings import Settings

DOCS = Path(__file__).parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented():
    import runpy

    render = runpy.run_path(str(DOCS.parents[1] / "scripts" / "settings-doc"))["render"]
    assert DOCS.read_text() == render(), "docs/settings.md is stale: run scripts/settings-doc"
    text = DOCS.read_text()
    missing = [name for name in Settings.model_fields if f"`{name}`" not in text]
    assert not missing, f"add these to docs/settings.md: {missing}"
    assert all(f.description for f in Settings.model_fields.values())


def test_precedence_flags_over_env_over_toml(tmp_path, monkeypatch):
    toml = tmp_path / "folio.toml"
    toml.write_text('port = 7001\nlog_level = "debug"\ndefault_kernel = "from-toml"\n')
    monkeypatch.setenv("FOLIO_CONFIG", str(toml))
    monkeypatch.setenv("FOLIO_PORT", "7002")
    s = Settings()
    assert (s.port, s.log_level, s.default_kernel) == (7002, "debug", "from-toml")
    assert Settings(port=7003).port == 7003


def test_unknown_and_bad_values_are_refused(tmp_path, monkeypatch):
    toml = tmp_path / "folio.toml"
    toml.write_text("no_such_setting = 1\n")
    monkeypatch.setenv("FOLIO_CONFIG", str(toml))
    with pytest.raises(ValidationError):
        Settings()
    monkeypatch.delenv("FOLIO_CONFIG")
    with pytest.raises(ValidationError):
        Settings(port=70000)


def test_base_url_is_normalised():
    assert Settings(base_url="nb").base_url == "/nb/"
    assert Settings(base_url="/").base_url == "/"


def test_serve_help_documents_the_flags():
    out = subprocess.run([sys.executable, "-m", "folio", "serve", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for flag in ("--ip", "--port", "--root", "--token", "--no-browser", "--base-url", "FOLIO_TOKEN"):
        assert flag in out


def test_version():
    from folio import __version__

    out = subprocess.run([sys.executable, "-m", "folio", "--version"], capture_output=True, text=True, check=True)
    assert __version__ in out.stdout
