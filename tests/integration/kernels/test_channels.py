"""The kernel websocket over both protocols against a real server and real ipykernel kernels."""

from __future__ import annotations

import pytest

from tests.kernel_ws import KernelWS, outputs


@pytest.fixture(scope="module")
def kernel_id(server):  # type: ignore[no-untyped-def]
    with server.client() as c:
        r = c.post("api/kernels", json={"name": "python3"})
        assert r.status_code == 201, r.text
        kid = r.json()["id"]
        yield kid
        c.delete(f"api/kernels/{kid}")


@pytest.mark.parametrize("protocol", ["v1", "legacy"])
def test_execute_result_stream_display_error(server, kernel_id, protocol):  # type: ignore[no-untyped-def]
    with KernelWS(server.ws_url, kernel_id, server.token, protocol=protocol) as k:
        reply, io = k.execute("print('hello'); 6*7")
        assert reply["content"]["status"] == "ok"
        assert outputs(io, "stream")[0]["text"] == "hello\n"
        assert outputs(io, "execute_result")[0]["data"]["text/plain"] == "42"

        png = "from IPython.display import Image, display; import base64\n" \
              "display(Image(data=base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" \
              "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==')))"
        reply, io = k.execute(png)
        assert "image/png" in outputs(io, "display_data")[0]["data"]

        reply, io = k.execute("1/0")
        assert reply["content"]["status"] == "error"
        err = outputs(io, "error")[0]
        assert err["ename"] == "ZeroDivisionError"
        assert any("ZeroDivisionError" in line for line in err["traceback"])
