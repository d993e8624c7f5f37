"""The notebook editor in a real Chromium against a real ``folio serve`` and real ipykernel."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import code_cell, notebook_json, put_notebook
from tests.e2e.helpers import active_editor, cell, command_mode, open_notebook, run, set_code, wait_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_create_notebook_from_file_browser_and_run(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server.url}tree?token={server.token}")
    expect(page.locator(".fb-list")).to_be_visible()
    page.get_by_role("button", name="New ▾").click()
    page.get_by_role("menuitem", name="Python 3 (ipykernel)").click()
    expect(page).to_have_url(re.compile(r"/notebooks/Untitled\d*\.ipynb$"))
    wait_idle(page)
    run(page, "print('hello from folio')\n6 * 7")
    first = cell(page, 0)
    expect(first.locator(".prompt")).to_have_text("[1]:")
    expect(first.locator(".output.stream")).to_have_text("hello from folio\n")
    expect(first.locator(".output.execute-result")).to_have_text("42")
    # Shift-Enter on the last cell adds a new cell and edits it.
    expect(page.locator(".cells > .cell")).to_have_count(2)
    assert page.page_errors == []  # type: ignore[attr-defined]


def test_plot_traceback_markdown_math(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "outputs.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "outputs.ipynb")
    run(page, "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()")
    img = cell(page, 0).locator(".output img")
    expect(img).to_be_visible(timeout=60_000)
    assert img.evaluate("i => i.naturalWidth") > 100
    run(page, "def f():\n    return 1 / 0\nf()")
    err = cell(page, 1).locator(".output.error")
    expect(err).to_contain_text("ZeroDivisionError")
    expect(err).to_contain_text("Traceback")
    assert err.locator("span[class*='ansi-']").count() > 0, "traceback colours are rendered"
    command_mode(page)
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    set_code(page, "# Euler\n\nIdentity: $e^{i\\pi} + 1 = 0$\n\n"
                   "$$\\int_0^1 x\\,dx = \\frac{1}{2}$$\n\n```python\nx = 1\n```")
    page.keyboard.press("Shift+Enter")
    md = cell(page, 2).locator(".rendered-md")
    expect(md.locator("h1")).to_have_text("Euler")
    expect(md.locator(".katex").first).to_be_visible()
    expect(md.locator(".katex-display")).to_have_count(1)
    expect(md.locator("pre code .hljs-keyword, pre code .hljs-number").first).to_be_visible()
    # Double-click goes back to editing the source, highlighted as markdown (a grammar loaded on first use).
    md.dblclick()
    expect(cell(page, 2).locator(".cm-editor")).to_be_visible()
    expect(cell(page, 2).locator(".cm-content .tok-heading").first).to_be_visible()  # python would say comment


def test_input_prompt(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "stdin.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "stdin.ipynb")
    run(page, "name = input('Your name? ')\nprint('hello', name)")
    box = cell(page, 0).locator("input.stdin-input")
    expect(box).to_be_visible()
    box.fill("Ada")
    box.press("Enter")
    expect(cell(page, 0).locator(".output.stream")).to_contain_text("hello Ada")
    run(page, "import getpass\npw = getpass.getpass('Password: ')\nprint(len(pw))")
    pw = cell(page, 1).locator("input.stdin-input")
    expect(pw).to_have_attribute("type", "password")
    pw.fill("secret")
    pw.press("Enter")
    expect(cell(page, 1).locator(".output.stream")).to_contain_text("6")
    expect(cell(page, 1)).not_to_contain_text("secret")


def test_interrupt_and_restart_run_all(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "longrun.ipynb", notebook_json(code_cell("x = 21"), code_cell("x * 2"), code_cell("")))
    open_notebook(page, server, "longrun.ipynb")
    cell(page, 2).locator(".cm-content").click()
    run(page, "import time\ntime.sleep(60)")
    expect(cell(page, 2).locator(".prompt")).to_have_text("[*]:")
    expect(page.locator("#kernel-status")).to_have_attribute("data-status", "busy")
    command_mode(page)
    page.keyboard.press("i")
    page.keyboard.press("i")
    expect(cell(page, 2).locator(".output.error")).to_contain_text("KeyboardInterrupt", timeout=20_000)
    wait_idle(page)
    # Restart and run all (menu), confirming the dialog.
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Restart kernel and run all cells…").click()
    page.get_by_role("dialog").get_by_role("button", name="Restart").click()
    expect(cell(page, 1).locator(".output.execute-result")).to_have_text("42", timeout=60_000)
    expect(cell(page, 0).locator(".prompt")).to_have_text("[1]:")
    expect(cell(page, 1).locator(".prompt")).to_have_text("[2]:")


def test_command_mode_shortcuts_and_undo(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "keys.ipynb", notebook_json(code_cell("first"), code_cell("second")))
    open_notebook(page, server, "keys.ipynb")
    cells = page.locator(".cells > .cell")
    expect(cells).to_have_count(2)
    cell(page, 0).locator(".prompt").click()
    command_mode(page)
    page.keyboard.press("b")  # below the first
    expect(cells).to_have_count(3)
    expect(cell(page, 1)).to_have_class(re.compile(r"\bactive\b"))
    page.keyboard.press("a")  # above the new one
    expect(cells).to_have_count(4)
    page.keyboard.press("m")
    expect(cell(page, 1)).to_have_attribute("data-type", "markdown")
    page.keyboard.press("y")
    expect(cell(page, 1)).to_have_attribute("data-type", "code")
    page.keyboard.press("r")
    expect(cell(page, 1)).to_have_attribute("data-type", "raw")
    page.keyboard.press("d")
    page.keyboard.press("d")
    expect(cells).to_have_count(3)
    page.keyboard.press("z")  # undo the delete
    expect(cells).to_have_count(4)
    expect(cell(page, 1)).to_have_attribute("data-type", "raw")
    # Copy the first cell, paste it at the end; move with J/K.
    page.keyboard.press("Home")
    page.keyboard.press("c")
    page.keyboard.press("End")
    page.keyboard.press("v")
    expect(cells).to_have_count(5)
    expect(cell(page, 4).locator(".cm-content")).to_have_text("first")
    page.keyboard.press("k")
    expect(cell(page, 3)).to_have_class(re.compile(r"\bactive\b"))
    # Shift-J extends the selection; Shift-M merges.
    page.keyboard.press("Shift+j")
    page.keyboard.press("Shift+m")
    expect(cells).to_have_count(4)
    expect(cell(page, 3).locator(".cm-content")).to_contain_text("second")
    expect(cell(page, 3).locator(".cm-content")).to_contain_text("first")
    # Typing undo is per cell (CodeMirror history).
    cell(page, 0).locator(".cm-content").click()
    page.keyboard.press("End")
    page.keyboard.type("_edited")
    expect(cell(page, 0).locator(".cm-content")).to_have_text("first_edited")
    page.keyboard.press("Control+z")
    expect(cell(page, 0).locator(".cm-content")).to_have_text("first")
    # Shift-L toggles line numbers in every cell.
    command_mode(page)
    page.keyboard.press("Shift+l")
    expect(cell(page, 0).locator(".cm-lineNumbers")).to_be_visible()
    page.keyboard.press("Shift+l")
    expect(cell(page, 0).locator(".cm-lineNumbers")).to_have_count(0)
    # The shortcut help panel.
    page.keyboard.press("h")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("Restart the kernel")
    page.keyboard.press("Escape")


def test_completion_and_inspect(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "complete.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "complete.ipynb")
    run(page, "folio_value_one = 1\nfolio_value_two = 2")
    expect(cell(page, 0).locator(".prompt")).to_have_text("[1]:")
    active_editor(page).click()
    page.keyboard.type("folio_val")
    page.keyboard.press("Tab")
    popup = page.locator(".cm-tooltip-autocomplete")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("folio_value_one")
    expect(popup).to_contain_text("folio_value_two")
    page.wait_for_timeout(200)  # CodeMirror ignores Enter for 75 ms after the popup opens (interactionDelay)
    page.keyboard.press("Enter")
    expect(active_editor(page)).to_have_text("folio_value_one")
    set_code(page, "len")
    page.keyboard.press("Shift+Tab")
    expect(page.locator(".inspect-tooltip")).to_contain_text("Return the number of items")


def test_save_reload_keeps_everything(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "persist.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "persist.ipynb")
    run(page, "print('kept')\n'result'")
    expect(cell(page, 0).locator(".output.execute-result")).to_have_text("'result'")
    command_mode(page)
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    set_code(page, "## Kept heading")
    page.keyboard.press("Shift+Enter")
    expect(page).to_have_title(re.compile(r"^● persist\.ipynb"))
    page.keyboard.press("Control+s")
    expect(page).to_have_title(re.compile(r"^persist\.ipynb"))
    page.reload()
    wait_idle(page)
    expect(cell(page, 0).locator(".cm-content")).to_have_text("print('kept')'result'")
    expect(cell(page, 0).locator(".prompt")).to_have_text("[1]:")
    expect(cell(page, 0).locator(".output.stream")).to_have_text("kept\n")
    expect(cell(page, 0).locator(".output.execute-result")).to_have_text("'result'")
    expect(cell(page, 1).locator(".rendered-md h2")).to_have_text("Kept heading")
    with server.client() as c:
        nb = c.get("api/contents/persist.ipynb").json()["content"]
    assert nb["cells"][0]["outputs"][0]["text"] == "kept\n"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert nb["metadata"]["language_info"]["name"] == "python"
    # Checkpoints are listed and restorable from the File menu.
    page.get_by_role("menuitem", name="File").click()
    page.get_by_role("menuitem", name="Revert to checkpoint…").click()
    expect(page.get_by_role("dialog", name="Revert to checkpoint")).to_be_visible()
    page.keyboard.press("Escape")


def test_unsaved_edits_are_offered_back(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "draft.ipynb", notebook_json(code_cell("on disk")))
    open_notebook(page, server, "draft.ipynb")
    cell(page, 0).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("typed but never saved")
    page.wait_for_timeout(1200)  # the draft is written a moment after typing
    # A crash or a closed tab: reopen the page without saving.
    page.goto("about:blank")
    open_notebook(page, server, "draft.ipynb")
    expect(cell(page, 0).locator(".cm-content")).to_have_text("on disk")
    banner = page.locator('.banner[data-key="draft"]')
    expect(banner).to_contain_text("Unsaved changes")
    banner.get_by_role("button", name="Restore them").click()
    expect(cell(page, 0).locator(".cm-content")).to_have_text("typed but never saved")


def test_draft_of_a_big_notebook_keeps_edits_and_new_outputs_only(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    # Outputs as they are on disk stay out of the draft (browser storage holds ~5 M characters), and come back
    # from disk on restore; outputs changed since the notebook was opened are in it.
    big = "x" * 3000
    cells = [code_cell(f"v_{i} = {i}", [{"output_type": "stream", "name": "stdout", "text": f"out {i} {big}"}], i + 1)
             for i in range(80)]
    put_notebook(server, "bigdraft.ipynb", notebook_json(*cells))
    open_notebook(page, server, "bigdraft.ipynb")
    cell(page, 0).locator(".editor").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("  # edited")
    command_mode(page)
    page.keyboard.press("j")
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.get_by_role("menuitem", name="Clear outputs of selected cells").click()
    expect(cell(page, 1).locator(".output")).to_have_count(0)
    page.wait_for_timeout(1200)  # the draft is written a moment after the last change
    draft = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.startsWith('folio:draft:'))?.[1] ?? ''")
    assert "v_0 = 0  # edited" in draft
    assert "xxxxxxxxxx" not in draft, f"outputs from disk were copied into the draft ({len(draft)} chars)"
    page.goto("about:blank")
    open_notebook(page, server, "bigdraft.ipynb")
    page.locator('.banner[data-key="draft"]').get_by_role("button", name="Restore them").click()
    expect(cell(page, 0)).to_contain_text("# edited")
    assert page.evaluate("window.folio.cells[1].outputs.outputs.length") == 0
    assert page.evaluate("window.folio.cells[79].outputs.outputs[0].text").startswith("out 79 ")
    # The restored notebook's next draft still carries the cleared outputs (else a second crash brings
    # back the ones on disk).
    page.wait_for_timeout(1200)
    again = page.evaluate("() => Object.entries(localStorage).find(([k]) => k.startsWith('folio:draft:'))?.[1] ?? ''")
    second = json.loads(again)["cells"][1]
    assert second.get("outputs") == [], second


def test_external_change_warning(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "shared.ipynb", notebook_json(code_cell("mine")))
    open_notebook(page, server, "shared.ipynb")
    time.sleep(1.1)
    put_notebook(server, "shared.ipynb", notebook_json(code_cell("theirs")))
    cell(page, 0).locator(".cm-content").click()
    page.keyboard.press("End")
    page.keyboard.type("!")
    page.keyboard.press("Control+s")
    dlg = page.get_by_role("dialog", name="File changed on disk")
    expect(dlg).to_be_visible()
    dlg.get_by_role("button", name="Reload from disk").click()
    expect(cell(page, 0).locator(".cm-content")).to_have_text("theirs")
    # And overwrite wins when chosen.
    time.sleep(1.1)
    put_notebook(server, "shared.ipynb", notebook_json(code_cell("third")))
    cell(page, 0).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("final")
    page.keyboard.press("Control+s")
    page.get_by_role("dialog", name="File changed on disk").get_by_role("button", name="Overwrite").click()
    expect(page).to_have_title(re.compile(r"^shared\.ipynb"))
    with server.client() as c:
        nb = c.get("api/contents/shared.ipynb").json()["content"]
    assert nb["cells"][0]["source"] == "final"


def test_untrusted_scripts_do_not_run_until_trusted(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    html = ('<div id="marker">static html</div><script>window.__folio_pwned = true; '
            'document.getElementById("marker").textContent = "script ran";</script>')
    out = {"output_type": "display_data", "data": {"text/html": html, "text/plain": "<HTML>"}, "metadata": {}}
    svg = {"output_type": "display_data", "metadata": {},
           "data": {"image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                                     '<script>window.__svg_pwned=1</script><rect width="10" height="10"/></svg>'}}
    put_notebook(server, "untrusted.ipynb", notebook_json(code_cell("display(HTML(...))", [out, svg], 1)))
    open_notebook(page, server, "untrusted.ipynb")
    marker = page.locator("#marker")
    expect(marker).to_have_text("static html")
    assert page.evaluate("window.__folio_pwned") is None
    assert page.evaluate("window.__svg_pwned") is None
    expect(page.locator(".trust-indicator")).to_have_text("Not trusted")
    page.locator(".trust-indicator").click()
    page.get_by_role("dialog").get_by_role("button", name="Trust").click()
    expect(page.locator(".trust-indicator")).to_have_text("Trusted")
    expect(marker).to_have_text("script ran")
    assert page.evaluate("window.__folio_pwned") is True
    # The server keeps the record: a fresh load is trusted too.
    page.reload()
    wait_idle(page)
    expect(page.locator("#marker")).to_have_text("script ran")
    with server.client() as c:
        nb = c.get("api/contents/untrusted.ipynb").json()["content"]
    assert nb["cells"][0]["metadata"]["trusted"] is True


def test_kernel_killed_from_outside_is_shown_dead_and_restarts(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    import os
    import signal

    put_notebook(server, "killed.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "killed.ipynb")
    run(page, "import os\nos.getpid()")
    out = cell(page, 0).locator(".output.execute-result")
    expect(out).to_have_text(re.compile(r"^\d+$"))
    os.kill(int(out.inner_text()), signal.SIGKILL)
    expect(page.locator("#kernel-status")).to_have_attribute("data-status", "dead", timeout=30_000)
    banner = page.locator('.banner[data-key="dead"]')
    expect(banner).to_contain_text("kernel has died")
    banner.get_by_role("button", name="Restart kernel").click()
    wait_idle(page)
    cell(page, 1).locator(".cm-content").click()
    run(page, "'alive again'")
    expect(cell(page, 1).locator(".output.execute-result")).to_have_text("'alive again'", timeout=30_000)


def test_outputs_made_while_disconnected_arrive_after_reconnect(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "blip.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "blip.ipynb")
    run(page, "import time\nfor i in range(3):\n    time.sleep(1)\n    print('tick', i)")
    expect(cell(page, 0).locator(".prompt")).to_have_text("[*]:")
    # A network blip: the socket drops and stays down for a few seconds.
    page.evaluate("""() => {
        const k = window.folio.kernel;
        const connect = k.connect.bind(k);
        k.connect = () => { k.connect = connect; setTimeout(connect, 4500); };
        k.ws.close();
    }""")
    expect(page.locator("#kernel-status")).to_have_attribute("data-status", "disconnected")
    expect(page.locator('.banner[data-key="conn"]')).to_be_visible()
    expect(cell(page, 0).locator(".output.stream")).to_have_text("tick 0\ntick 1\ntick 2\n", timeout=30_000)
    expect(cell(page, 0).locator(".prompt")).to_have_text("[1]:")
    expect(page.locator('.banner[data-key="conn"]')).to_have_count(0)


def test_find_replace_and_toc(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    md = {"cell_type": "markdown", "source": "# Intro\n\n## Details", "metadata": {}}
    put_notebook(server, "find.ipynb", notebook_json(md, code_cell("alpha = 1"), code_cell("print(alpha)")))
    open_notebook(page, server, "find.ipynb")
    page.get_by_role("button", name="Table of contents").click()
    toc = page.get_by_role("complementary", name="Table of contents")
    expect(toc.locator(".toc-item")).to_have_text(["Intro", "Details"])
    page.get_by_role("button", name="Find and replace (Ctrl-F)").click()
    page.get_by_role("searchbox", name="Find").fill("alpha")
    expect(page.locator(".find-count")).to_have_text("1 of 2")
    page.get_by_role("textbox", name="Replace").fill("beta")
    page.get_by_role("button", name="Replace all").click()
    expect(cell(page, 1).locator(".cm-content")).to_have_text("beta = 1")
    expect(cell(page, 2).locator(".cm-content")).to_have_text("print(beta)")


def test_stream_handling_display_updates_and_json(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "streams.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "streams.ipynb")
    code = (
        "import sys\nfrom IPython.display import display, update_display, clear_output, JSON\n"
        "print('progress 10%', end='\\r'); print('progress 100%')\n"
        "print('ab\\bc')\n"
        "sys.stdout.write('\\x1b[31mred\\x1b[0m\\n')\n"
        "h = display('first', display_id=True)\nh.update('updated')\n"
        "display(JSON({'a': [1, 2]}))"
    )
    run(page, code)
    c0 = cell(page, 0)
    expect(c0.locator(".output.stream").first).to_contain_text("progress 100%")
    expect(c0.locator(".output.stream").first).not_to_contain_text("10%")
    expect(c0.locator(".output.stream").first).to_contain_text("ac\n")
    expect(c0.locator(".output.stream .ansi-red-fg")).to_have_text("red")
    expect(c0.locator(".output.display-data").first).to_have_text("'updated'")
    expect(c0.locator(".json-output")).to_contain_text('"a"')
    run(page, "from IPython.display import clear_output\nprint('gone')\nclear_output(wait=True)\nprint('stays')")
    expect(cell(page, 1).locator(".output")).to_have_text(["stays\n"])
    json.dumps({})


PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005fe02fea72d8bd90000000049454e44ae426082"
)

NAMELESS_CONTROLS = """() => [...document.querySelectorAll('button, input, select, a[href]')]
    .filter(e => e.offsetParent !== null)
    .filter(e => !(e.getAttribute('aria-label') || e.title || e.textContent.trim() || e.closest('label')
                   || (e.id && document.querySelector(`label[for="${e.id}"]`))))
    .map(e => e.outerHTML.slice(0, 120))"""


def test_layout_tools_autosave_and_relative_images(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    (server.root / "img").mkdir()
    (server.root / "img" / "dot.png").write_bytes(PNG_1x1)
    md = {"cell_type": "markdown", "source": "![a dot](img/dot.png)", "metadata": {}}
    put_notebook(server, "tools.ipynb", notebook_json(md, code_cell("'one'"), code_cell("'two'"), code_cell("'three'")))
    page.add_init_script("localStorage.setItem('folio:settings', JSON.stringify({autosaveSeconds: 1}))")
    open_notebook(page, server, "tools.ipynb")
    img = cell(page, 0).locator(".rendered-md img")
    expect(img).to_have_attribute("src", re.compile(r"/files/img/dot\.png$"))
    page.wait_for_function("() => document.querySelector('.rendered-md img').naturalWidth === 1")
    assert page.evaluate(NAMELESS_CONTROLS) == []
    # Drag the last cell by its prompt to the top.
    cell(page, 3).locator(".prompt").drag_to(cell(page, 0).locator(".prompt"), target_position={"x": 5, "y": 2})
    expect(cell(page, 0).locator(".cm-content")).to_have_text("'three'")
    # Collapse an input and an output with the bar left of the cell.
    cell(page, 2).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    expect(cell(page, 2).locator(".output.execute-result")).to_have_text("'one'")
    cell(page, 2).get_by_role("button", name="Collapse output").click()
    expect(cell(page, 2).locator(".output.execute-result")).to_be_hidden()
    cell(page, 2).get_by_role("button", name="Show hidden output").click()
    expect(cell(page, 2).locator(".output.execute-result")).to_be_visible()
    cell(page, 2).get_by_role("button", name="Collapse input").click()
    expect(cell(page, 2).locator(".cm-editor")).to_be_hidden()
    # Autosave (interval from the settings) writes the file without Ctrl-S.
    expect(page).to_have_title(re.compile(r"^tools\.ipynb"), timeout=10_000)
    with server.client() as c:
        nb = c.get("api/contents/tools.ipynb").json()["content"]
    assert nb["cells"][0]["source"] == "'three'"
    assert nb["cells"][2]["metadata"]["jupyter"]["source_hidden"] is True
    # Change kernel dialog lists the kernelspecs.
    page.get_by_role("button", name="Change kernel").click()
    dlg = page.get_by_role("dialog", name="Select kernel")
    expect(dlg.get_by_role("combobox")).to_contain_text("Python 3")
    dlg.get_by_role("button", name="Cancel").click()


def test_dark_theme_follows_the_system(browser, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "dark.ipynb", notebook_json(code_cell("1")))
    ctx = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 800})
    pg = ctx.new_page()
    try:
        open_notebook(pg, server, "dark.ipynb")
        bg = pg.evaluate("getComputedStyle(document.body).backgroundColor")
        assert bg == "rgb(30, 30, 30)"
    finally:
        ctx.close()


def test_huge_output_is_truncated_with_show_all(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "huge.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "huge.ipynb")
    run(page, "for i in range(30000):\n    print('line', i, 'x' * 20)")
    c0 = cell(page, 0)
    expect(c0.locator(".prompt")).to_have_text("[1]:", timeout=60_000)
    show = c0.get_by_role("button", name=re.compile("Show all"))
    expect(show).to_be_visible()
    assert "line 29999" not in c0.locator(".output.stream").inner_text()
    # Tall output scrolls inside the cell instead of pushing the notebook down.
    expect(c0.locator(".output-row")).to_have_class(re.compile(r"\bscrolled\b"))
    show.click()
    expect(c0.locator(".output.stream")).to_contain_text("line 29999")


def test_saved_outputs_scroll_only_when_tall_and_plain_text_is_escaped(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    def stream(text: str) -> dict:
        return {"output_type": "stream", "name": "stdout", "text": text}

    put_notebook(server, "tall.ipynb", notebook_json(
        code_cell("a", [stream("".join(f"short {i}\n" for i in range(20)))], 1),
        code_cell("b", [stream("".join(f"long {i}\n" for i in range(200)))], 2),
        # Three lines by count, but each wraps over dozens of screen lines: taller than its lines say.
        code_cell("c", [stream("".join(("w" * 20 + " ") * 250 + "\n" for _ in range(3)))], 3),
        code_cell("d", [stream("<b>not bold</b> & 'quoted' \"x\"\n")], 4),
    ))
    open_notebook(page, server, "tall.ipynb")
    scrolled = re.compile(r"\bscrolled\b")
    expect(cell(page, 1).locator(".output-row")).to_have_class(scrolled)
    expect(cell(page, 2).locator(".output-row")).to_have_class(scrolled)
    expect(cell(page, 0).locator(".output-row")).not_to_have_class(scrolled)
    out = cell(page, 3).locator(".output.stream")
    expect(out).to_have_text("<b>not bold</b> & 'quoted' \"x\"\n")
    assert out.locator("b").count() == 0


def test_editor_highlighting_indent_brackets_multicursor(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "editor.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "editor.ipynb")
    ed = active_editor(page)
    ed.click()
    page.keyboard.type("def f(x):")
    page.keyboard.press("Enter")
    page.keyboard.type("return x")
    source = page.evaluate("window.folio.cells[0].source")
    assert source == "def f(x):\n    return x", source
    expect(ed.locator(".tok-keyword").first).to_have_text("def")
    page.keyboard.press("Control+Home")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")  # just after ')'
    expect(ed.locator(".cm-matchingBracket")).to_have_count(2)
    set_code(page, "foo\nfoo")
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+d")
    page.keyboard.press("Control+d")
    page.keyboard.type("bar")
    assert page.evaluate("window.folio.cells[0].source") == "bar\nbar"


def test_revert_to_checkpoint(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "cp.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "cp.ipynb")
    set_code(page, "checkpointed = True")
    page.keyboard.press("Control+s")  # save and checkpoint
    expect(page).to_have_title(re.compile(r"^cp\.ipynb"))
    page.wait_for_timeout(300)
    set_code(page, "later = True")
    page.keyboard.press("Escape")
    page.evaluate("window.folio.save({auto: true})")  # autosave: no new checkpoint
    expect(page).to_have_title(re.compile(r"^cp\.ipynb"))
    page.get_by_role("menuitem", name="File").click()
    page.get_by_role("menuitem", name="Revert to checkpoint…").click()
    dlg = page.get_by_role("dialog", name="Revert to checkpoint")
    dlg.get_by_role("button", name="Revert").click()
    expect(cell(page, 0).locator(".cm-content")).to_have_text("checkpointed = True")
    with server.client() as c:
        assert c.get("api/contents/cp.ipynb").json()["content"]["cells"][0]["source"] == "checkpointed = True"


def test_rename_from_the_header(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "before.ipynb", notebook_json(code_cell("1")))
    open_notebook(page, server, "before.ipynb")
    page.get_by_role("button", name="Rename notebook").click()
    dlg = page.get_by_role("dialog", name="Rename notebook")
    dlg.get_by_role("textbox").fill("after")
    dlg.get_by_role("button", name="Rename").click()
    expect(page).to_have_url(re.compile(r"/notebooks/after\.ipynb$"))
    expect(page).to_have_title(re.compile(r"^after\.ipynb"))
    assert (server.root / "after.ipynb").exists() and not (server.root / "before.ipynb").exists()
    with server.client() as c:
        assert any(s["path"] == "after.ipynb" for s in c.get("api/sessions").json())


def test_reload_while_a_cell_runs_keeps_its_output_coming(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "reload.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "reload.ipynb")
    run(page, "import time\nfor i in range(4):\n    time.sleep(1)\n    print('tick', i)")
    expect(cell(page, 0).locator(".output.stream")).to_contain_text("tick 0")
    page.reload()  # same tab: same client session id, so the server replays what this page missed
    expect(cell(page, 0).locator(".output.stream")).to_contain_text("tick 3", timeout=20_000)
    expect(cell(page, 0).locator(".prompt")).to_have_text("[1]:")


def test_rich_outputs_by_mime_priority(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    import base64

    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><rect width="20" height="20"/></svg>'
    pdf = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()

    def dd(data: dict) -> dict:
        return {"output_type": "display_data", "data": {"text/plain": "fallback", **data}, "metadata": {}}

    outputs = [
        dd({"text/html": "<b class='h'>bold html</b>", "image/png": PNG_1x1.hex()}),
        dd({"image/jpeg": "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP"}),
        dd({"image/svg+xml": svg}),
        dd({"text/markdown": "**md** output"}),
        dd({"text/latex": "$$x^2$$"}),
        dd({"application/json": {"k": [1, 2, {"n": None}]}}),
        dd({"application/pdf": pdf}),
        dd({}),
        {"output_type": "execute_result", "data": {"text/plain": "'res'"}, "metadata": {}, "execution_count": 3},
    ]
    put_notebook(server, "mime.ipynb", notebook_json(code_cell("...", outputs, 3)))
    open_notebook(page, server, "mime.ipynb")
    out = cell(page, 0).locator(".output")
    expect(out).to_have_count(len(outputs))
    expect(out.nth(0).locator("b.h")).to_have_text("bold html")  # html wins over png
    expect(out.nth(1).locator("img")).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    expect(out.nth(2).locator("img")).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    expect(out.nth(3).locator("strong")).to_have_text("md")
    expect(out.nth(4).locator(".katex-display")).to_be_visible()
    expect(out.nth(5).locator(".json-output")).to_contain_text('"k"')
    expect(out.nth(6).get_by_role("link", name="Open PDF output")).to_be_visible()
    expect(out.nth(7)).to_have_text("fallback")
    expect(cell(page, 0).locator(".output-prompt")).to_have_text("[3]:")


def test_change_kernel_starts_a_new_one(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "switch.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "switch.ipynb")
    run(page, "switch_marker = 1\n'set'")
    expect(cell(page, 0).locator(".output.execute-result")).to_have_text("'set'")
    before = page.evaluate("window.folio.kernel.kernelId")
    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.get_by_role("menuitem", name="Change kernel…").click()
    page.get_by_role("dialog", name="Select kernel").get_by_role("button", name="Select").click()
    page.wait_for_function(f"window.folio.kernel.kernelId !== {before!r}")
    wait_idle(page)
    cell(page, 1).locator(".cm-content").click()
    run(page, "'switch_marker' in dir()")
    expect(cell(page, 1).locator(".output.execute-result")).to_have_text("False", timeout=30_000)


def test_reload_while_input_is_pending_asks_again(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "reask.ipynb", notebook_json(code_cell("")))
    open_notebook(page, server, "reask.ipynb")
    run(page, "v = input('again? ')\nprint('got', v)")
    expect(cell(page, 0).locator("input.stdin-input")).to_be_visible()
    page.reload()
    box = cell(page, 0).locator("input.stdin-input")
    expect(box).to_be_visible(timeout=20_000)
    box.fill("yes")
    box.press("Enter")
    expect(cell(page, 0).locator(".output.stream")).to_contain_text("got yes")
    expect(cell(page, 0).locator(".prompt")).to_have_text("[1]:")


def append_to_last_cell_and_save(page: Page, server, path: str, n_cells: int, text: str) -> list:  # type: ignore[no-untyped-def]
    """From command mode: End to the last cell, type text at the end of its source, save; the cells on disk."""
    command_mode(page)
    page.keyboard.press("End")
    expect(cell(page, n_cells - 1)).to_have_class(re.compile(r"\bactive\b"))
    page.keyboard.press("Enter")
    page.keyboard.press("Control+End")
    page.keyboard.type(text)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    expect(page).to_have_title(re.compile("^" + re.escape(path)))
    with server.client() as c:
        return c.get(f"api/contents/{path}").json()["content"]["cells"]


def test_big_notebook_opens_and_saves_every_cell(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    cells = [code_cell(f"value_{i} = {i}", [{"output_type": "stream", "name": "stdout", "text": f"{i}\n"}], i + 1)
             for i in range(600)]
    put_notebook(server, "big.ipynb", notebook_json(*cells))
    loads: list[str] = []
    wanted = "api/contents/big.ipynb?type=notebook&content=1"
    page.on("request", lambda r: loads.append(r.url) if wanted in r.url else None)
    open_notebook(page, server, "big.ipynb")
    expect(page.locator(".cells > .cell")).to_have_count(600)
    # Fetched once: index.html starts the request and the app takes its response.
    assert len(loads) == 1, loads
    # Cells are built lazily: far cells are an empty element of about their height until they come near.
    assert page.locator(".cm-editor").count() < 100
    assert page.locator(".cells > .cell.unbuilt").count() > 400
    assert page.locator(".cells .output").count() < 100
    assert page.locator(".cells > .cell").nth(599).evaluate("e => e.getBoundingClientRect().height") > 20
    saved = append_to_last_cell_and_save(page, server, "big.ipynb", 600, "  # last")
    assert [s["source"] for s in saved[:599]] == [f"value_{i} = {i}" for i in range(599)]
    assert saved[599]["source"] == "value_599 = 599  # last"
    assert saved[300]["outputs"][0]["text"] == "300\n"


def test_a_big_notebook_streams_in_and_saves_whole(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    # Over 1 MB: index.html's worker posts the cells in batches as they arrive, ahead of the rest of the model.
    text = "".join(f"row {j} " + "x" * 60 + "\n" for j in range(80))
    cells = []
    for i in range(300):
        if i % 50 == 7:
            source = f"## Part {i} with \"quotes\" and {{braces}}"
            cells.append({"cell_type": "markdown", "metadata": {}, "source": source})
        elif i == 11:  # an untrusted notebook: this HTML's script must not run, streamed or not
            cells.append(code_cell("html()", [{"output_type": "display_data", "metadata": {}, "data": {
                "text/html": "<b class='streamed-html'>bold</b><script>window.__ran = 1</script>"}}], i + 1))
        else:
            cells.append(code_cell(f"value_{i} = {i}  # [{{'}}']", [{"output_type": "stream", "name": "stdout",
                                                                     "text": f"cell {i}\n" + text}], i + 1))
    put_notebook(server, "streamed.ipynb", notebook_json(*cells))
    page.add_init_script("""new MutationObserver(() => {
      const c = document.querySelector('.cells');
      if (c && c.getAttribute('aria-busy') === 'true') {
        window.__shownEarly = Math.max(window.__shownEarly || 0, c.children.length);
      }
    }).observe(document, { childList: true, subtree: true });""")
    open_notebook(page, server, "streamed.ipynb")
    expect(page.locator(".cells > .cell")).to_have_count(300)
    expect(page.locator(".cells[aria-busy]")).to_have_count(0)
    assert page.evaluate("window.__shownEarly || 0") > 0, "the cells were not shown ahead of the rest"
    expect(cell(page, 0).locator(".cm-content, .editor-placeholder").first).to_have_text("value_0 = 0  # [{'}']")
    cell(page, 11).scroll_into_view_if_needed()
    expect(cell(page, 11).locator(".streamed-html")).to_have_text("bold")
    assert page.evaluate("window.__ran") is None
    # The whole notebook is there and editable: edit the last cell and save.
    saved = append_to_last_cell_and_save(page, server, "streamed.ipynb", 300, "  # edited")
    assert len(saved) == 300
    assert saved[299]["source"] == cells[299]["source"] + "  # edited"
    for got, want in zip(saved[:299], cells[:299], strict=True):
        assert got["source"] == want["source"] and got.get("outputs") == want.get("outputs")


def test_a_big_notebook_cut_off_on_the_way_says_so_and_leaves_the_page_usable(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    text = "".join(f"row {j} " + "x" * 60 + "\n" for j in range(80))
    put_notebook(server, "cut.ipynb", notebook_json(*[
        code_cell(f"v = {i}", [{"output_type": "stream", "name": "stdout", "text": text}], i + 1) for i in range(300)]))
    with server.client() as c:
        body = c.get("api/contents/cut.ipynb?type=notebook&content=1&hash=1").content
    assert len(body) > 1 << 20  # streamed: its first cells reach the page before the body is found broken
    page.route("**/api/contents/cut.ipynb?type=notebook*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=body[: len(body) * 2 // 3]))
    page.goto(f"{server.url}notebooks/cut.ipynb?token={server.token}")
    expect(page.locator(".load-error")).to_contain_text("Could not open cut.ipynb")
    expect(page.locator(".cells > .cell")).to_have_count(0)
    expect(page.locator(".cells[aria-busy]")).to_have_count(0)
    page.get_by_role("menuitem", name="File", exact=True).click()  # the page takes clicks again
    expect(page.get_by_role("menuitem", name="Open file browser")).to_be_visible()


# The middle of character `at` in the source placeholder of cell i, if that cell has no editor yet.
PLACEHOLDER_POINT = """([i, at]) => {
  const pre = document.querySelectorAll('.cells > .cell')[i].querySelector('.editor-placeholder');
  if (!pre) return null;
  const r = document.createRange();
  r.setStart(pre.firstChild, at);
  r.setEnd(pre.firstChild, at + 1);
  const b = r.getBoundingClientRect();
  return [b.left + 1, b.top + b.height / 2];
}"""


def test_a_click_on_a_cell_not_built_yet_puts_the_cursor_there(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    cells = [code_cell(f"alpha_{i} = beta_{i}", [], i + 1) for i in range(300)]
    put_notebook(server, "clickin.ipynb", notebook_json(*cells))
    # Whether the placeholder was still there at the mousedown (the page builds editors in idle time).
    page.add_init_script("""addEventListener('mousedown', (e) => {
      window.__onPlaceholder = !!e.target.closest?.('.editor-placeholder');
    }, true);""")
    open_notebook(page, server, "clickin.ipynb")
    for i in range(150, 300, 7):
        page.evaluate(f"document.querySelectorAll('.cells > .cell')[{i}].scrollIntoView({{block: 'center'}})")
        at = page.evaluate(PLACEHOLDER_POINT, [i, 8])  # just before "_": "alpha_1|..."
        if at is None:
            continue
        page.mouse.click(at[0], at[1])
        page.keyboard.type("Z")
        if page.evaluate("window.__onPlaceholder"):
            break
    else:
        pytest.skip("every cell had its editor before it could be clicked")
    src = f"alpha_{i} = beta_{i}"
    expect(cell(page, i).locator(".cm-content")).to_have_text(src[:8] + "Z" + src[8:])


VISIBLE_UNBUILT = """() => {
  const box = document.querySelector('.nb-scroll').getBoundingClientRect();
  return [...document.querySelectorAll('.cells > .cell')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.bottom > box.top && r.top < box.bottom && (c.classList.contains('unbuilt') || !c.querySelector('.cm-editor'));
  }).length;
}"""


def test_cells_coming_into_view_without_a_scroll_get_built(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    text = "".join(f"line {j}\n" for j in range(30))
    put_notebook(server, "grow.ipynb", notebook_json(
        *[code_cell(f"v = {i}", [{"output_type": "stream", "name": "stdout", "text": text}], i + 1) for i in range(120)]))
    open_notebook(page, server, "grow.ipynb")
    expect(page.locator(".cells > .cell")).to_have_count(120)
    page.wait_for_function(f"({VISIBLE_UNBUILT})() === 0")
    built = page.locator(".cells > .cell:not(.unbuilt)").count()
    assert built < 40
    # A taller window shows more cells: they are built and get editors.
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.wait_for_function(f"({VISIBLE_UNBUILT})() === 0")
    assert page.locator(".cells > .cell:not(.unbuilt)").count() > built
    # Deleting cells at the top pulls later ones into view: the same.
    page.set_viewport_size({"width": 1280, "height": 800})
    command_mode(page)
    for _ in range(8):
        page.keyboard.press("d")
        page.keyboard.press("d")
    expect(page.locator(".cells > .cell")).to_have_count(112)
    page.wait_for_function(f"({VISIBLE_UNBUILT})() === 0")
    expect(cell(page, 0).locator(".cm-content")).to_have_text("v = 8")


def test_opening_a_big_notebook_does_not_shift_its_cells(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    text = "".join(f"line {j}\n" for j in range(40))
    put_notebook(server, "steady.ipynb", notebook_json(
        *[code_cell(f"v = {i}", [{"output_type": "stream", "name": "stdout", "text": text}], i + 1) for i in range(100)]))
    # Every frame from the first that has the cells: where the last one is. The first screen's cells are
    # shown, get their editors and are skipped by layout off screen; none of that may move the rest.
    page.add_init_script("""(() => {
      const tops = (window.__tops = []);
      const frame = () => {
        const cells = document.querySelectorAll('.cells > .cell');
        if (cells.length === 100) tops.push(cells[99].getBoundingClientRect().top);
        if (tops.length < 90) requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    })()""")
    open_notebook(page, server, "steady.ipynb")
    page.wait_for_function("() => window.__tops.length >= 90", timeout=30_000)
    tops = page.evaluate("window.__tops")
    assert max(tops) - min(tops) < 60, (min(tops), max(tops))


def test_cells_after_an_error_are_aborted_not_stuck(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    put_notebook(server, "abort.ipynb", notebook_json(code_cell("1/0"), code_cell("'never'"), code_cell("'nor'")))
    open_notebook(page, server, "abort.ipynb")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run all cells", exact=True).click()
    expect(cell(page, 0).locator(".output.error")).to_contain_text("ZeroDivisionError")
    for i in (1, 2):
        expect(cell(page, i).locator(".cell-timing")).to_have_text("aborted")
        expect(cell(page, i).locator(".prompt")).to_have_text("[ ]:")
    page.wait_for_timeout(500)
    expect(cell(page, 2).locator(".prompt")).to_have_text("[ ]:")


def test_missing_or_malformed_notebook_says_why_and_touches_nothing(page: Page, server) -> None:  # type: ignore[no-untyped-def]
    # Both go through index.html's prefetch: its error responses must reach the page like any other.
    page.goto(f"{server.url}notebooks/nowhere/missing.ipynb?token={server.token}")
    expect(page.locator(".load-error")).to_contain_text("Could not open nowhere/missing.ipynb")
    bad = server.root / "broken.ipynb"
    bad.write_text('{"cells": [ not json')
    page.goto(f"{server.url}notebooks/broken.ipynb?token={server.token}")
    err = page.locator(".load-error")
    expect(err).to_contain_text("Could not open broken.ipynb")
    expect(err).to_contain_text("Unreadable Notebook")
    page.wait_for_timeout(500)
    assert bad.read_text() == '{"cells": [ not json'
    assert not page.locator(".cells > .cell").count()
