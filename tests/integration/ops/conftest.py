"""Helpers for operations tests: read /metrics samples, a broken kernelspec."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    r = client.get("metrics")
    assert r.status_code == 200, r.text
    out = {}
    for fam in text_string_to_metric_families(r.text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture(scope="session")
def broken_kernelspec(jupyter_dirs: Path) -> str:
    """A kernelspec whose program does not exist, installed in the test run's Jupyter data dir."""
    d = Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels" / "broken"
    d.mkdir(parents=True, exist_ok=True)
    (d / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/folio-test-kernel", "-f", "{connection_file}"],
        "display_name": "Broken", "language": "python"}))
    return "broken"


@pytest.fixture(scope="session")
def exits_kernelspec(jupyter_dirs: Path) -> str:
    """A kernelspec whose process starts and exits at once with an error."""
    d = Path(os.environ["JUPYTER_DATA_DIR"]) / "kernels" / "exits"
    d.mkdir(parents=True, exist_ok=True)
    (d / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", "import sys; sys.exit(3)", "{connection_file}"],
        "display_name": "Exits", "language": "python"}))
    return "exits"
