"""Small verbs for driving the notebook page in tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

KERNEL_TIMEOUT = 60_000


def open_notebook(page: Page, server, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}notebooks/{path}?token={server.token}")
    wait_idle(page)


def wait_idle(page: Page, timeout: float = KERNEL_TIMEOUT) -> None:
    expect(page.locator("#kernel-status")).to_have_attribute("data-status", "idle", timeout=timeout)


def active_editor(page: Page):  # type: ignore[no-untyped-def]
    return page.locator(".cell.active .cm-content")


def set_code(page: Page, code: str) -> None:
    """Replace the active cell's text (insert_text: no auto-indent or bracket closing)."""
    ed = active_editor(page)
    ed.click()
    page.keyboard.press("Control+a")
    if code:
        page.keyboard.insert_text(code)
    else:
        page.keyboard.press("Delete")


def run(page: Page, code: str) -> None:
    set_code(page, code)
    page.keyboard.press("Shift+Enter")


def cell(page: Page, i: int):  # type: ignore[no-untyped-def]
    return page.locator(".cells > .cell").nth(i)


def command_mode(page: Page) -> None:
    page.keyboard.press("Escape")
    expect(page.locator(".notebook-app.command-mode")).to_have_count(1)
