"""``/api/sessions`` as JupyterLab and VS Code use it."""

from __future__ import annotations

import os
import signal
import uuid

from tests.conftest import wait_for
from tests.integration.kernels.test_lifecycle import kernel_pid
from tests.kernel_ws import KernelWS, outputs


def test_session_lifecycle_like_jupyterlab(server, api):  # type: ignore[no-untyped-def]
    # JupyterLab first creates the session on a temporary path, then PATCHes path and name.
    tmp = f"work/{uuid.uuid4()}"
    r = api.post("api/sessions", json={"path": tmp, "type": "notebook", "name": "a.ipynb",
                                       "kernel": {"name": "python3"}})
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["name"] == "a.ipynb" and s["type"] == "notebook" and s["kernel"]["name"] == "python3"
    assert s["notebook"] == {"path": tmp, "name": "a.ipynb"}
    r = api.patch(f"api/sessions/{s['id']}", json={"path": "work/a.ipynb"})
    assert r.status_code == 200 and r.json()["path"] == "work/a.ipynb"
    # Same path again: the existing session comes back, still 201.
    again = api.post("api/sessions", json={"path": "work/a.ipynb", "type": "notebook"})
    assert again.status_code == 201 and again.json()["id"] == s["id"]
    assert [x["id"] for x in api.get("api/sessions").json()] == [s["id"]]
    assert api.get(f"api/sessions/{s['id']}").json()["kernel"]["id"] == s["kernel"]["id"]
    # The kernel got the session's path in its environment.
    with KernelWS(server.ws_url, s["kernel"]["id"], server.token) as ws:
        _, io = ws.execute("import os; print(os.environ['JPY_SESSION_NAME'])")
        assert outputs(io, "stream")[0]["text"].strip() == tmp
    # Changing the kernel by name starts a new one and shuts the old one down.
    old = s["kernel"]["id"]
    r = api.patch(f"api/sessions/{s['id']}", json={"kernel": {"name": "python3"}})
    assert r.status_code == 200 and r.json()["kernel"]["id"] != old
    assert api.get(f"api/kernels/{old}").status_code == 404
    assert api.delete(f"api/sessions/{s['id']}").status_code == 204
    assert api.get(f"api/sessions/{s['id']}").status_code == 404
    assert api.get(f"api/kernels/{r.json()['kernel']['id']}").status_code == 404
    assert api.delete(f"api/sessions/{s['id']}").status_code == 404


def test_session_errors(api):  # type: ignore[no-untyped-def]
    assert api.post("api/sessions").status_code == 400
    assert api.post("api/sessions", json={"type": "notebook"}).json()["message"] == "Missing field in JSON data: path"
    r = api.post("api/sessions", json={"path": "x.ipynb", "type": "notebook", "kernel": {"name": "nope"}})
    assert r.status_code == 501 and r.json()["short_message"] == "nope not found"
    r = api.post("api/sessions", json={"path": "y.ipynb", "type": "notebook",
                                       "kernel": {"id": str(uuid.uuid4())}})
    assert r.status_code == 404


def test_session_with_dead_kernel_and_deleted_kernel(server, api):  # type: ignore[no-untyped-def]
    s = api.post("api/sessions", json={"path": "dies.ipynb", "type": "notebook"}).json()
    kid = s["kernel"]["id"]
    wait_for(lambda: api.get(f"api/kernels/{kid}").json()["execution_state"] == "idle", timeout=30)
    os.kill(kernel_pid(server, kid), signal.SIGKILL)
    # The session stays and shows its kernel dead, so a client can offer a restart.
    wait_for(lambda: api.get(f"api/sessions/{s['id']}").json()["kernel"]["execution_state"] == "dead", timeout=15)
    # Deleting the kernel removes the session that pointed at it.
    assert api.delete(f"api/kernels/{kid}").status_code == 204
    assert s["id"] not in [x["id"] for x in api.get("api/sessions").json()]
    assert api.get(f"api/sessions/{s['id']}").status_code == 404
