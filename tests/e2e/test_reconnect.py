"""The notebook page survives a server restart: it shows the outage, reconnects and gets a new kernel."""

from __future__ import annotations

import re
import socket

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import start_server
from tests.e2e.conftest import code_cell, notebook_json, put_notebook
from tests.e2e.helpers import cell, open_notebook, run, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_restart_during_a_session(page: Page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    server = start_server(tmp_path, port=port, token="restart-token")
    try:
        put_notebook(server, "r.ipynb", notebook_json(code_cell("")))
        open_notebook(page, server, "r.ipynb")
        run(page, "x = 'before'\nx")
        expect(cell(page, 0).locator(".output.execute-result")).to_have_text("'before'")
        server.stop()
        expect(page.locator("#kernel-status")).to_have_attribute("data-status", "disconnected", timeout=20_000)
        expect(page.locator('.banner[data-key="conn"]')).to_be_visible()
        server = start_server(tmp_path, port=port, token="restart-token")
        # The page notices by itself, starts a new kernel for the notebook and carries on.
        wait_idle(page, timeout=60_000)
        expect(page.locator('.banner[data-key="conn"]')).to_have_count(0)
        cell(page, 1).locator(".cm-content").click()
        run(page, "'after'")
        expect(cell(page, 1).locator(".output.execute-result")).to_have_text("'after'", timeout=30_000)
    finally:
        server.stop()


def test_server_restarted_with_another_token_asks_to_log_in(page: Page, tmp_path) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    server = start_server(tmp_path, port=port, token="first-token")
    try:
        put_notebook(server, "t.ipynb", notebook_json(code_cell("")))
        open_notebook(page, server, "t.ipynb")
        server.stop()
        server = start_server(tmp_path, port=port, token="second-token")
        banner = page.locator('.banner[data-key="auth"]')
        expect(banner).to_be_visible(timeout=30_000)
        banner.get_by_role("button", name="Log in again").click()
        expect(page).to_have_url(re.compile(r"/login\?next="))
        page.get_by_label("Token").fill("second-token")
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/notebooks/t\.ipynb$"))
        wait_idle(page)
    finally:
        server.stop()
