"""Server-side outputs: a running cell's outputs reach the .ipynb with no browser connected."""

from __future__ import annotations

import json
import time

import nbformat

from tests.conftest import wait_for
from tests.kernel_ws import KernelWS


def text_of(output) -> str:  # type: ignore[no-untyped-def]
    t = output.get("text", "")
    return "".join(t) if isinstance(t, list) else t  # on disk nbformat splits text into lines


def make_notebook(root, name: str, code: str) -> str:  # type: ignore[no-untyped-def]
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(code))
    nbformat.write(nb, root / name)
    return nb.cells[0].id


def run_cell_like_jupyterlab(ws: KernelWS, code: str, cell_id: str) -> str:
    return ws.send(ws.make("execute_request", {"code": code, "silent": False, "store_history": True},
                           metadata={"cellId": cell_id, "deletedCells": [], "recordTiming": False}))


def test_cell_printing_for_10s_after_its_client_left_is_saved_whole(server_factory):  # type: ignore[no-untyped-def]
    s = server_factory()
    code = "import time\nfor i in range(20):\n    print('line', i, flush=True)\n    time.sleep(0.5)\n"
    cell_id = make_notebook(s.root, "long.ipynb", code)
    with s.client() as c:
        sess = c.post("api/sessions", json={"path": "long.ipynb", "type": "notebook", "name": "long.ipynb"}).json()
        ws = KernelWS(s.ws_url, sess["kernel"]["id"], s.token)
        run_cell_like_jupyterlab(ws, code, cell_id)
        time.sleep(1.0)
        ws.close()  # the browser tab goes away one second in

        def saved_outputs():  # type: ignore[no-untyped-def]
            nb = json.loads((s.root / "long.ipynb").read_text())
            cell = nb["cells"][0]
            text = "".join(text_of(o) for o in cell["outputs"])
            return cell if text.count("\n") == 20 and cell["execution_count"] else None

        cell = wait_for(saved_outputs, timeout=90, interval=0.25)
        assert text_of(cell["outputs"][0]) == "".join(f"line {i}\n" for i in range(20))
        assert cell["execution_count"] == 1
        nbformat.validate(nbformat.read(s.root / "long.ipynb", as_version=4))


def test_oversized_output_is_cut_with_a_notice_and_kept_in_a_file(server_factory):  # type: ignore[no-untyped-def]
    s = server_factory(env={"FOLIO_OUTPUT_MAX_BYTES": "10000"})
    code = "print('x' * 50000)"
    cell_id = make_notebook(s.root, "big.ipynb", code)
    with s.client() as c:
        sess = c.post("api/sessions", json={"path": "big.ipynb", "type": "notebook"}).json()
        ws = KernelWS(s.ws_url, sess["kernel"]["id"], s.token)
        mid = run_cell_like_jupyterlab(ws, code, cell_id)
        ws.close()  # nobody watching: the server writes the notebook
        del mid

        def cut_cell():  # type: ignore[no-untyped-def]
            cell = json.loads((s.root / "big.ipynb").read_text())["cells"][0]
            return cell if cell["outputs"] else None

        cell = wait_for(cut_cell, timeout=90, interval=0.25)
        text = text_of(cell["outputs"][0])
        assert len(text.encode()) < 10000
        assert "over the output limit of 10,000 bytes" in text
        assert "big.outputs/" in text
        full = (s.root / "big.outputs" / f"{cell_id}-0.txt").read_text()
        assert full == "x" * 50000 + "\n"


def test_connected_client_keeps_ownership_of_the_file(server_factory):  # type: ignore[no-untyped-def]
    s = server_factory()
    code = "print('hi')"
    cell_id = make_notebook(s.root, "owned.ipynb", code)
    before = (s.root / "owned.ipynb").read_bytes()
    with s.client() as c:
        sess = c.post("api/sessions", json={"path": "owned.ipynb", "type": "notebook"}).json()
        with KernelWS(s.ws_url, sess["kernel"]["id"], s.token) as ws:
            mid = run_cell_like_jupyterlab(ws, code, cell_id)
            ws.collect(mid)
            time.sleep(1.5)
            # The editor that is connected saves its own document; the server did not touch it.
            assert (s.root / "owned.ipynb").read_bytes() == before


def test_running_cells_are_listed_for_pages_that_open_late(server_factory):  # type: ignore[no-untyped-def]
    s = server_factory()
    code = "import time; time.sleep(3)"
    cell_id = make_notebook(s.root, "late.ipynb", code)
    with s.client() as c:
        sess = c.post("api/sessions", json={"path": "late.ipynb", "type": "notebook"}).json()
        kid = sess["kernel"]["id"]
        with KernelWS(s.ws_url, kid, s.token) as ws:
            mid = run_cell_like_jupyterlab(ws, code, cell_id)
            running = wait_for(lambda: c.get(f"api/folio/kernels/{kid}/running").json(), timeout=10)
            assert running[0]["msg_id"] == mid and running[0]["cell_id"] == cell_id
            ws.collect(mid, timeout=20)
        assert c.get(f"api/folio/kernels/{kid}/running").json() == []
        assert c.get("api/folio/kernels/00000000-0000-0000-0000-000000000000/running").status_code == 404


def test_outputs_over_the_limit_are_cut_in_notebooks_clients_save(server_factory):  # type: ignore
    s = server_factory(env={"FOLIO_OUTPUT_MAX_BYTES": "10000"})
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print('y' * 30000)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 30000 + "\n"),
                    nbformat.v4.new_output("display_data", data={"text/plain": "small"})]
    nb.cells.append(cell)
    with s.client() as c:
        assert c.put("api/contents/saved.ipynb", json={"type": "notebook", "content": nb}).status_code == 201
    on_disk = json.loads((s.root / "saved.ipynb").read_text())["cells"][0]["outputs"]
    assert "over the output limit of 10,000 bytes" in text_of(on_disk[0])
    assert "".join(on_disk[1]["data"]["text/plain"]) == "small"  # outputs under the limit are kept as they are
    assert (s.root / "saved.outputs" / f"{cell.id}-0.txt").read_text() == "y" * 30000 + "\n"
