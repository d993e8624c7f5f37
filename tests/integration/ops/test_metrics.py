"""/metrics: each SLI metric moves when its event happens, against a real server."""

from __future__ import annotations

import httpx

from tests.conftest import wait_for
from tests.integration.ops.conftest import scrape, value
from tests.kernel_ws import KernelWS


def test_kernel_cell_and_http_metrics_move(server_factory, broken_kernelspec):  # type: ignore[no-untyped-def]
    s = server_factory()
    with s.client() as c:
        before = scrape(c)
        k = c.post("api/kernels", json={"name": "python3"}).json()
        with KernelWS(s.ws_url, k["id"], s.token) as ws:
            ws.execute("1+1")
            ws.execute("1/0")
            after_ws = scrape(c)
            assert value(after_ws, "folio_websocket_connections") == 1
        assert c.post("api/kernels", json={"name": broken_kernelspec}).status_code == 501
        after = scrape(c)
        assert value(after, "folio_kernel_start_attempts_total", kernel_name="python3") > \
            value(before, "folio_kernel_start_attempts_total", kernel_name="python3")
        assert value(after, "folio_kernel_start_failures_total", kernel_name="broken") == 1
        assert value(after, "folio_kernel_start_attempts_total", kernel_name="broken") == 1
        assert value(after, "folio_cell_executions_total", kernel_name="python3", outcome="ok") == 1
        assert value(after, "folio_cell_executions_total", kernel_name="python3", outcome="error") == 1
        assert value(after, "folio_cell_duration_seconds_count", kernel_name="python3") == 2
        assert value(after, "folio_kernels_active", kernel_name="python3") == 1
        assert value(after, "folio_http_requests_total", method="POST", route="/api/kernels", status="201") == 1
        assert value(after, "folio_http_requests_total", method="POST", route="/api/kernels", status="501") == 1
        assert value(after, "folio_websocket_connections") == 0
        c.delete(f"api/kernels/{k['id']}")
        final = scrape(c)
        assert value(final, "folio_kernel_terminations_total", kernel_name="python3", reason="user") == 1
        assert value(final, "folio_kernels_active", kernel_name="python3") == 0
        # Every metric has help text.
        text = c.get("metrics").text
        for line in text.splitlines():
            if line.startswith("# HELP"):
                assert len(line.split(" ", 3)) == 4 and line.split(" ", 3)[3].strip()
    assert httpx.get(s.url + "metrics").status_code == 403
    assert httpx.get(s.url + "metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert value(scrape(s.client()), "folio_auth_failures_total", kind="no_credentials") >= 1


def test_metrics_token_and_port(server_factory):  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    s = server_factory(env={"FOLIO_METRICS_TOKEN": "scrape-me", "FOLIO_METRICS_PORT": str(port)})
    r = httpx.get(s.url + "metrics", headers={"Authorization": "Bearer scrape-me"})
    assert r.status_code == 200 and "folio_kernel_start_attempts" in r.text
    # The metrics token opens /metrics only.
    assert httpx.get(s.url + "api/kernels", headers={"Authorization": "Bearer scrape-me"}).status_code == 403
    r = httpx.get(f"http://127.0.0.1:{port}/metrics")
    assert r.status_code == 200 and "folio_build_info" in r.text


def test_kernel_limit_is_refused_and_counted(server_factory):  # type: ignore[no-untyped-def]
    s = server_factory(env={"FOLIO_MAX_KERNELS": "1", "FOLIO_POOL_SIZE": "0"})
    with s.client() as c:
        assert c.post("api/kernels", json={}).status_code == 201
        r = c.post("api/kernels", json={})
        assert r.status_code == 429 and "at most 1 kernels" in r.json()["message"]
        r = c.post("api/sessions", json={"path": "a.ipynb", "type": "notebook"})
        assert r.status_code == 429
        assert value(scrape(c), "folio_limit_refusals_total", limit="max_kernels") == 2


def test_kernel_that_exits_counts_as_crash(server_factory, exits_kernelspec):  # type: ignore[no-untyped-def]
    s = server_factory(env={"FOLIO_KERNEL_POLL_INTERVAL": "0.2"})
    with s.client() as c:
        k = c.post("api/kernels", json={"name": exits_kernelspec}).json()
        wait_for(lambda: c.get(f"api/kernels/{k['id']}").json()["execution_state"] == "dead", timeout=20)
        assert "exited with code 3" in c.get(f"api/kernels/{k['id']}").json()["reason"]
        assert value(scrape(c), "folio_kernel_terminations_total", kernel_name="exits", reason="crash") == 1


def test_health_and_ready_need_no_auth_and_reveal_nothing(server):  # type: ignore[no-untyped-def]
    r = httpx.get(server.url + "api/health")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = httpx.get(server.url + "api/ready")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert str(server.root) not in r.text and server.token not in r.text


def test_ready_fails_when_root_is_not_writable(server_factory, tmp_path):  # type: ignore[no-untyped-def]
    import os

    if os.geteuid() == 0:
        # root writes anywhere; a missing default kernelspec is the failure we can make instead
        s = server_factory(env={"FOLIO_DEFAULT_KERNEL": "no-such-kernel", "FOLIO_POOL_SIZE": "0"})
    else:
        root = tmp_path / "ro"
        root.mkdir()
        root.chmod(0o500)
        s = server_factory(root=root)
    r = httpx.get(s.url + "api/ready")
    assert r.status_code == 503 and r.json()["status"] == "not ready"


def test_metrics_can_be_turned_off(server_factory):  # type: ignore[no-untyped-def]
    s = server_factory(env={"FOLIO_METRICS_ENABLED": "false"})
    with s.client() as c:
        assert c.get("metrics").status_code == 404
        assert c.get("api/status").status_code == 200


def test_save_open_size_and_secret_metrics_move(server_factory):  # type: ignore[no-untyped-def]
    import nbformat

    s = server_factory()
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("aws_secret = 'AKIAIOSFODNN7EXAMPLF'\nprint(1)"))
    with s.client() as c:
        r = c.put("api/contents/keys.ipynb", json={"type": "notebook", "format": "json", "content": nb})
        assert r.status_code == 201
        assert c.get("api/contents/keys.ipynb?content=1").status_code == 200
        assert c.put("api/contents/bad.ipynb", json={"type": "notebook", "format": "json",
                                                     "content": {"cells": "nope"}}).status_code == 400
        m = wait_for(lambda: (lambda m: m if value(m, "folio_secrets_detected_total", kind="AWS Access Key") else
                              None)(scrape(c)), timeout=30)
        assert value(m, "folio_contents_save_seconds_count", type="notebook") == 1
        assert value(m, "folio_contents_open_seconds_count", type="notebook") == 1
        assert value(m, "folio_notebook_size_bytes_count") == 1
        assert value(m, "folio_contents_save_failures_total", reason="InvalidNotebook") + \
            value(m, "folio_contents_save_failures_total", reason="BadRequest") == 1
    # Where the secret is, but never the secret itself, goes to the log.
    assert "keys.ipynb: cell 1" in s.log() and "AKIAIOSFODNN7EXAMPLF" not in s.log()
