"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), one per module."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

# CI machines are small and shared: give UI assertions room before calling them failures.
expect.set_options(timeout=15_000)

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "e2e-screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Chromium is not installed: apt-get install chromium (scripts/test does it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    context.set_default_timeout(20_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.page_errors = errors  # type: ignore[attr-defined]
    yield pg
    failed = request.node.rep_call.failed if hasattr(request.node, "rep_call") else False
    if failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        try:
            pg.screenshot(path=str(SHOTS / f"{request.node.name}.png"))
        except Exception:
            pass
    context.close()
    # An exception in the page is a bug even when the test's own assertions passed.
    assert failed or not errors, f"JavaScript errors in the page: {errors}"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def notebook_json(*cells: dict, kernel: str = "python3") -> dict:
    return {
        "cells": list(cells),
        "metadata": {"kernelspec": {"name": kernel, "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def code_cell(source: str, outputs: list | None = None, count: int | None = None) -> dict:
    return {"cell_type": "code", "source": source, "metadata": {}, "outputs": outputs or [], "execution_count": count}


def put_notebook(server, path: str, nb: dict) -> None:  # type: ignore[no-untyped-def]
    with server.client() as c:
        r = c.put(f"api/contents/{path}", content=json.dumps({"type": "notebook", "format": "json", "content": nb}))
        assert r.status_code in (200, 201), r.text
