"""Kernel lifecycle over REST: start, interrupt, restart, death from outside, shutdown."""

from __future__ import annotations

import os
import signal
import time

import psutil
import pytest

from tests.conftest import wait_for
from tests.kernel_ws import KernelWS, outputs


def start(api, **body):  # type: ignore[no-untyped-def]
    r = api.post("api/kernels", json=body)
    assert r.status_code == 201, r.text
    assert r.headers["location"].endswith(f"/api/kernels/{r.json()['id']}")
    return r.json()


def kernel_pid(server, kernel_id: str) -> int:  # type: ignore[no-untyped-def]
    """The kernel process is the server's child whose command line names the kernel's connection file."""
    for child in psutil.Process(server.pid).children(recursive=True):
        if any(kernel_id in part for part in child.cmdline()):
            return child.pid
    raise AssertionError("kernel process not found")


def test_start_list_get_delete(server, api):  # type: ignore[no-untyped-def]
    k = start(api)
    assert k["name"] == "python3" and k["execution_state"] in ("starting", "idle")
    assert set(k) >= {"id", "name", "last_activity", "execution_state", "connections"}
    assert k["id"] in [m["id"] for m in api.get("api/kernels").json()]
    wait_for(lambda: api.get(f"api/kernels/{k['id']}").json()["execution_state"] == "idle", timeout=30)
    assert api.delete(f"api/kernels/{k['id']}").status_code == 204
    assert api.get(f"api/kernels/{k['id']}").status_code == 404
    assert api.delete(f"api/kernels/{k['id']}").status_code == 404


def test_unknown_kernelspec_is_refused_with_a_message(api):  # type: ignore[no-untyped-def]
    r = api.post("api/kernels", json={"name": "no-such-kernel"})
    assert r.status_code == 501
    assert "no-such-kernel" in r.json()["message"]


def test_kernel_starts_in_the_requested_folder(server, api):  # type: ignore[no-untyped-def]
    (server.root / "sub").mkdir(exist_ok=True)
    k = start(api, path="sub")
    try:
        with KernelWS(server.ws_url, k["id"], server.token) as ws:
            _, io = ws.execute("import os; print(os.getcwd())")
            assert outputs(io, "stream")[0]["text"].strip() == str(server.root / "sub")
    finally:
        api.delete(f"api/kernels/{k['id']}")


def test_interrupt_stops_a_sleeping_cell_within_seconds(server, api):  # type: ignore[no-untyped-def]
    k = start(api)
    try:
        with KernelWS(server.ws_url, k["id"], server.token) as ws:
            ws.execute("1")
            mid = ws.send(ws.make("execute_request", {"code": "import time; time.sleep(60)", "silent": False}))
            wait_for(lambda: api.get(f"api/kernels/{k['id']}").json()["execution_state"] == "busy", timeout=10)
            t0 = time.monotonic()
            assert api.post(f"api/kernels/{k['id']}/interrupt").status_code == 204
            reply, io = ws.collect(mid, timeout=15)
            assert time.monotonic() - t0 < 5
            assert reply["content"]["status"] == "error"
            assert outputs(io, "error")[0]["ename"] == "KeyboardInterrupt"
    finally:
        api.delete(f"api/kernels/{k['id']}")


def test_restart_clears_state(server, api):  # type: ignore[no-untyped-def]
    k = start(api)
    try:
        with KernelWS(server.ws_url, k["id"], server.token) as ws:
            ws.execute("secret = 41")
        r = api.post(f"api/kernels/{k['id']}/restart")
        assert r.status_code == 200 and r.json()["id"] == k["id"]
        with KernelWS(server.ws_url, k["id"], server.token) as ws:
            reply, io = ws.execute("secret")
            assert reply["content"]["status"] == "error"
            assert outputs(io, "error")[0]["ename"] == "NameError"
    finally:
        api.delete(f"api/kernels/{k['id']}")


def test_kernel_killed_from_outside_is_reported_dead_and_can_restart(server, api):  # type: ignore[no-untyped-def]
    k = start(api)
    try:
        with KernelWS(server.ws_url, k["id"], server.token) as ws:
            ws.execute("x = 1")
            os.kill(kernel_pid(server, k["id"]), signal.SIGKILL)
            # Connected clients are told, as a status message.
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                m = ws.recv(timeout=15)
                if m["header"]["msg_type"] == "status" and m["content"]["execution_state"] == "dead":
                    break
            else:
                raise AssertionError("no dead status")
        model = api.get(f"api/kernels/{k['id']}").json()
        assert model["execution_state"] == "dead"
        assert "SIGKILL" in model["reason"]
        assert api.post(f"api/kernels/{k['id']}/restart").status_code == 200
        with KernelWS(server.ws_url, k["id"], server.token) as ws:
            reply, io = ws.execute("2+2")
            assert outputs(io, "execute_result")[0]["data"]["text/plain"] == "4"
        assert api.get(f"api/kernels/{k['id']}").json()["execution_state"] == "idle"
    finally:
        api.delete(f"api/kernels/{k['id']}")


def test_kernelspecs(server, api):  # type: ignore[no-untyped-def]
    specs = api.get("api/kernelspecs").json()
    assert specs["default"] == "python3"
    py = specs["kernelspecs"]["python3"]
    assert py["spec"]["language"] == "python" and py["spec"]["argv"] and py["spec"]["display_name"]
    assert api.get("api/kernelspecs/python3").json()["name"] == "python3"
    assert api.get("api/kernelspecs/nope").status_code == 404
    for url in py["resources"].values():
        r = api.get(server.url + url.lstrip("/"))
        assert r.status_code == 200 and r.content
    assert api.get("kernelspecs/python3/..%2Fkernel.json").status_code == 404
    assert api.get("kernelspecs/python3/nope.png").status_code == 404


@pytest.mark.parametrize("body", ["{not json", "[1, 2]"])
def test_bad_bodies_are_400(api, body):  # type: ignore[no-untyped-def]
    r = api.post("api/kernels", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "message" in r.json()
