"""``folio serve`` as users and scripts run it."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.conftest import start_server
from tests.kernel_ws import KernelWS, outputs


def test_generated_token_is_printed_with_the_url(tmp_path):
    s = start_server(tmp_path, token="", env={})  # '' disables auth ...
    try:
        assert httpx.get(s.url + "api/status").status_code == 200
    finally:
        s.stop()
    proc = subprocess.Popen([sys.executable, "-m", "folio", "serve", "--port", "0", "--no-browser", "--root",
                             str(tmp_path)], stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stderr.readline() for _ in range(3)]  # type: ignore[union-attr]
        url_line = next(line for line in lines if "?token=" in line).strip()
        token = url_line.split("?token=")[1]
        assert len(token) >= 32
        base = url_line.split("tree?")[0]
        assert httpx.get(base + "api/status").status_code == 403
        assert httpx.get(base + "api/status", headers={"Authorization": f"token {token}"}).status_code == 200
    finally:
        proc.terminate()
        proc.wait(15)


def test_folio_token_environment_variable(tmp_path):
    env = {**os.environ, "FOLIO_TOKEN": "from-env"}
    proc = subprocess.Popen([sys.executable, "-m", "folio", "serve", "--port", "0", "--no-browser", "--root",
                             str(tmp_path)], stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = [proc.stderr.readline() for _ in range(3)]  # type: ignore[union-attr]
        base = next(line for line in lines if line.startswith("FOLIO_URL=")).strip().split("=", 1)[1]
        assert httpx.get(base + "api/status", headers={"Authorization": "token from-env"}).status_code == 200
    finally:
        proc.terminate()
        proc.wait(15)


def test_base_url_prefixes_every_route(tmp_path):
    s = start_server(tmp_path, "--base-url", "/nb/")
    try:
        assert s.url.endswith("/nb/")
        with s.client() as c:
            assert c.get("api/kernelspecs").json()["kernelspecs"]["python3"]["resources"]["logo-64x64"] \
                .startswith("/nb/kernelspecs/")
            k = c.post("api/kernels", json={}).json()
            with KernelWS(s.ws_url, k["id"], s.token) as ws:
                _, io = ws.execute("print(1)")
                assert outputs(io, "stream")[0]["text"] == "1\n"
            assert c.delete(f"api/kernels/{k['id']}").status_code == 204
        assert httpx.get(s.url.replace("/nb/", "/") + "api/kernels",
                         headers={"Authorization": f"token {s.token}"}).status_code == 404
    finally:
        s.stop()


def test_missing_root_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "folio", "serve", "--port", "0", "--no-browser", "--root",
                        str(tmp_path / "nope")], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "does not exist" in r.stderr


def test_kernel_env_from_request(server, api):  # type: ignore[no-untyped-def]
    k = api.post("api/kernels", json={"env": {"FOLIO_TEST_VAR": "42"}}).json()
    try:
        with KernelWS(server.ws_url, k["id"], server.token) as ws:
            _, io = ws.execute("import os; print(os.environ['FOLIO_TEST_VAR'])")
            assert outputs(io, "stream")[0]["text"] == "42\n"
    finally:
        api.delete(f"api/kernels/{k['id']}")
    assert api.post("api/kernels", json={"env": {"A": 1}}).status_code == 400


def test_sigterm_stops_the_server_and_its_kernels(tmp_path):
    import psutil

    s = start_server(tmp_path)
    with s.client() as c:
        c.post("api/kernels", json={})
        c.post("api/kernels", json={})
    kids = psutil.Process(s.pid).children(recursive=True)
    assert len(kids) >= 2
    s.stop()
    # uvicorn re-raises SIGTERM after its graceful shutdown, so -15 is a clean exit here.
    assert s.proc.returncode in (0, -15) and "server stopped" in s.log()
    gone, alive = psutil.wait_procs(kids, timeout=10)
    assert not alive, f"kernels left running: {alive}"


def test_logs_are_json_lines_with_request_ids_and_no_secrets(tmp_path):
    import json

    s = start_server(tmp_path, token="very-secret-token-123")
    try:
        httpx.get(s.url + "api/status?token=very-secret-token-123")
        httpx.get(s.url + "api/kernels", headers={"Authorization": "token wrong-guess"})
        k = httpx.post(s.url + "api/kernels", headers={"Authorization": "token very-secret-token-123"}).json()
        httpx.delete(s.url + f"api/kernels/{k['id']}", headers={"Authorization": "token very-secret-token-123"})
    finally:
        s.stop()
    records = [json.loads(line) for line in s.log_lines if line.startswith("{")]
    access = [r for r in records if r["logger"] == "folio.access"]
    assert any(r["route"] == "/api/status" and r["status"] == 200 and r["request_id"] and r.get("user")
               for r in access)
    assert any(r["msg"] == "kernel started" and r["kernel_id"] == k["id"] for r in records)
    assert any(r["msg"].startswith("auth failure") for r in records)
    # The start banner prints the login URL once, on purpose; no log record carries the token.
    assert "very-secret-token-123" not in json.dumps(records)
