"""The same UI bundle drives jupyter_server: proof that it uses only the public Jupyter Server API.

jupyter_server does not serve folio's pages, so the browser is given them by Playwright (index.html with a
page config, and the static assets); every API and websocket request goes to jupyter_server itself.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import ARGS, CHROMIUM, code_cell, notebook_json
from tests.e2e.helpers import cell, run, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STATIC = Path(__file__).resolve().parents[2] / "src" / "folio" / "_static"
TOKEN = "jstoken"


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Pages fulfilled by Playwright count as non-local to Chromium, which then blocks their loopback websockets."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, "--disable-features=LocalNetworkAccessChecks"])
        yield b
        b.close()


@pytest.fixture
def jupyter_server(tmp_path: Path):  # type: ignore[no-untyped-def]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", f"--ServerApp.token={TOKEN}", f"--port={port}", "--no-browser",
         "--allow-root", f"--ServerApp.root_dir={tmp_path}", "--ServerApp.port_retries=0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "api", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("jupyter_server did not start")
    yield url, tmp_path
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _serve_ui(page: Page, url: str) -> None:
    config = json.dumps({"baseUrl": "/", "token": TOKEN, "appName": "folio", "version": "", "authEnabled": True})
    index = (STATIC / "index.html").read_text().replace('"./assets/', '"/static/assets/').replace(
        "<!--folio-page-config-->", f'<script id="folio-page-config" type="application/json">{config}</script>')

    def page_route(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=index)

    def asset_route(route: Route) -> None:
        name = route.request.url.split("/static/assets/", 1)[1].split("?")[0]
        types = {".js": "text/javascript", ".css": "text/css", ".woff2": "font/woff2", ".woff": "font/woff",
                 ".ttf": "font/ttf"}
        path = STATIC / "assets" / name
        kind = types.get(path.suffix, "application/octet-stream")
        route.fulfill(status=200, body=path.read_bytes(), content_type=kind)

    page.route(re.compile(re.escape(url) + r"(tree|notebooks|edit)(/.*)?$"), page_route)
    page.route(re.compile(re.escape(url) + r"static/assets/.*"), asset_route)


def test_the_ui_runs_a_notebook_on_jupyter_server(page: Page, jupyter_server) -> None:  # type: ignore[no-untyped-def]
    url, root = jupyter_server
    (root / "js.ipynb").write_text(json.dumps(notebook_json(code_cell(""))))
    _serve_ui(page, url)
    page.goto(url + "tree")
    expect(page.locator('.fb-row[data-name="js.ipynb"]')).to_be_visible()
    page.locator('.fb-row[data-name="js.ipynb"]').get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/notebooks/js\.ipynb$"))
    wait_idle(page, timeout=60_000)
    run(page, "name = input('who? ')\nprint('hi', name)\n40 + 2")
    box = cell(page, 0).locator("input.stdin-input")
    box.fill("jupyter")
    box.press("Enter")
    expect(cell(page, 0).locator(".output.execute-result")).to_have_text("42")
    expect(cell(page, 0).locator(".output.stream")).to_contain_text("hi jupyter")
    page.keyboard.press("Control+s")
    expect(page).to_have_title(re.compile(r"^js\.ipynb"))
    saved = json.loads((root / "js.ipynb").read_text())
    assert "".join(saved["cells"][0]["outputs"][-1]["data"]["text/plain"]) == "42"
