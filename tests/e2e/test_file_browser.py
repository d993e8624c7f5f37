"""The file browser and the text editor in a real Chromium against a real ``folio serve``."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def tree(page: Page, server, path: str = "") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}tree/{path}?token={server.token}")
    expect(page.locator(".fb-list .fb-head")).to_be_visible()


def row(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f'.fb-row[data-name="{name}"]')


def test_root_redirects_to_tree_and_token_works_on_first_visit(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}?token={server.token}")
    expect(page).to_have_url(f"{server.url}tree")  # the token is dropped from the address bar
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert "_xsrf" in cookies and not cookies["_xsrf"]["httpOnly"]
    assert any(c["httpOnly"] for n, c in cookies.items() if n.startswith("folio-auth"))
    # A cookie-authenticated page load never carries the token in its HTML.
    html = page.request.get(f"{server.url}tree").text()
    assert server.token not in html
    # Without credentials a page load goes to the login form.
    other = page.context.browser.new_context()
    p2 = other.new_page()
    p2.goto(f"{server.url}tree")
    expect(p2).to_have_url(re.compile(r"/login\?next="))
    other.close()


def test_folders_files_rename_delete_sort(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    (server.root / "big.bin").write_bytes(b"x" * 50_000)
    (server.root / "small.txt").write_text("hi")
    tree(page, server)
    page.get_by_role("button", name="New ▾").click()
    page.get_by_role("menuitem", name="Folder").click()
    dlg = page.get_by_role("dialog", name="Rename folder")
    dlg.get_by_role("textbox").fill("data")
    dlg.get_by_role("button", name="Rename").click()
    expect(row(page, "data")).to_be_visible()
    assert (server.root / "data").is_dir()
    # Sorting by size puts the big file last, then first when clicked again (folders stay on top).
    page.locator('[data-sort="size"]').click()
    names = page.locator(".fb-row[data-name]").evaluate_all("rs => rs.map(r => r.dataset.name)")
    assert names.index("big.bin") > names.index("small.txt")
    page.locator('[data-sort="size"]').click()
    names = page.locator(".fb-row[data-name]").evaluate_all("rs => rs.map(r => r.dataset.name)")
    assert names[0] == "data" and names.index("big.bin") < names.index("small.txt")
    expect(row(page, "big.bin")).to_contain_text("KB")
    # Into the folder, a new text file edited and saved.
    row(page, "data").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/tree/data$"))
    expect(page.get_by_role("navigation", name="Folder path")).to_contain_text("data")
    page.get_by_role("button", name="New ▾").click()
    page.get_by_role("menuitem", name="Text file").click()
    expect(page).to_have_url(re.compile(r"/edit/data/untitled\d*\.txt$"))
    ed = page.locator(".cm-content")
    ed.click()
    page.keyboard.type("some notes")
    expect(page).to_have_title(re.compile("^● untitled"))
    page.keyboard.press("Control+s")
    expect(page).to_have_title(re.compile("^untitled"))
    assert (server.root / "data" / "untitled.txt").read_text() == "some notes"
    # Back through the breadcrumb link (the logo), rename and delete.
    tree(page, server, "data")
    row(page, "untitled.txt").locator("input[type=checkbox]").check()
    page.get_by_role("button", name="Rename").click()
    dlg = page.get_by_role("dialog", name="Rename file")
    dlg.get_by_role("textbox").fill("notes.md")
    dlg.get_by_role("button", name="Rename").click()
    expect(row(page, "notes.md")).to_be_visible()
    row(page, "notes.md").locator("input[type=checkbox]").check()
    page.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete")
    expect(confirm).to_contain_text("notes.md")
    confirm.get_by_role("button", name="Cancel").click()
    expect(row(page, "notes.md")).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete").get_by_role("button", name="Delete").click()
    expect(row(page, "notes.md")).to_have_count(0)
    assert not (server.root / "data" / "notes.md").exists()
    page.get_by_role("link", name="Root folder").click()
    expect(page).to_have_url(re.compile(r"/tree$"))


def test_upload_by_button_and_drop_and_download(page: Page, server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small = tmp_path / "hello.txt"
    small.write_text("hello upload\n")
    large = tmp_path / "large.bin"
    payload = os.urandom(2 * 1024 * 1024 + 12345)  # over 1 MiB: sent in chunks
    large.write_bytes(payload)
    tree(page, server)
    page.locator('input[type="file"]').set_input_files([str(small), str(large)])
    expect(row(page, "large.bin")).to_be_visible(timeout=30_000)
    expect(row(page, "hello.txt")).to_be_visible()
    assert (server.root / "hello.txt").read_text() == "hello upload\n"
    assert (server.root / "large.bin").read_bytes() == payload
    # Drag and drop a file onto the listing.
    page.evaluate("""() => {
        const dt = new DataTransfer();
        dt.items.add(new File(["dropped bytes"], "dropped.txt", {type: "text/plain"}));
        const target = document.querySelector(".fb-drop");
        target.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
        target.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
    }""")
    expect(row(page, "dropped.txt")).to_be_visible()
    assert (server.root / "dropped.txt").read_text() == "dropped bytes"
    # Download.
    row(page, "large.bin").locator("input[type=checkbox]").check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    dl = info.value
    assert dl.suggested_filename == "large.bin"
    assert open(dl.path(), "rb").read() == payload


def test_under_a_base_url(page: Page, server_factory) -> None:  # type: ignore[no-untyped-def]
    srv = server_factory("--base-url", "/jp/")
    assert srv.url.endswith("/jp/")
    page.goto(f"{srv.url}tree?token={srv.token}")
    page.get_by_role("button", name="New ▾").click()
    page.get_by_role("menuitem", name="Python 3 (ipykernel)").click()
    expect(page).to_have_url(re.compile(r"/jp/notebooks/Untitled\.ipynb$"))
    expect(page.locator("#kernel-status")).to_have_attribute("data-status", "idle", timeout=60_000)
    page.locator(".cell.active .cm-content").click()
    page.keyboard.insert_text("3 + 4")
    page.keyboard.press("Shift+Enter")
    expect(page.locator(".output.execute-result")).to_have_text("7")
    page.get_by_role("link", name="File browser").click()
    expect(page).to_have_url(re.compile(r"/jp/tree$"))
    expect(row(page, "Untitled.ipynb")).to_be_visible()


def test_keyboard_navigation(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    for name in ("k1.txt", "k2.txt", "k3.txt"):
        (server.root / name).write_text(name)
    tree(page, server)
    page.locator('.fb-row[data-name="k1.txt"] a.fb-name').focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press(" ")
    expect(row(page, "k2.txt")).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Delete")
    page.get_by_role("dialog", name="Delete").get_by_role("button", name="Delete").click()
    expect(row(page, "k2.txt")).to_have_count(0)
    page.locator('.fb-row[data-name="k3.txt"] a.fb-name').focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/edit/k3\.txt$"))
    expect(page.locator(".cm-content")).to_have_text("k3.txt")


def test_text_editor_highlights_by_file_type(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    # Languages other than Python come in a chunk loaded on first use; the editor picks it up when it arrives.
    (server.root / "code.js").write_text("const answer = 42;\n")
    page.goto(f"{server.url}edit/code.js?token={server.token}")
    expect(page.locator(".cm-content .tok-keyword").first).to_have_text("const")
    expect(page.locator(".cm-content .tok-number").first).to_have_text("42")
