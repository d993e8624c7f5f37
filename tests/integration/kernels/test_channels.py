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


@pytest.mark.parametrize("protocol", ["v1", "legacy"])
def test_input_answered_over_stdin(server, kernel_id, protocol):  # type: ignore[no-untyped-def]
    with KernelWS(server.ws_url, kernel_id, server.token, protocol=protocol) as k:
        reply, io = k.execute("x = input('name? '); print('got', x)", stdin_answer="folio")
        assert reply["content"]["status"] == "ok"
        assert "got folio" in "".join(o["text"] for o in outputs(io, "stream"))


def test_complete_inspect_is_complete_kernel_info(server, kernel_id):  # type: ignore[no-untyped-def]
    with KernelWS(server.ws_url, kernel_id, server.token) as k:
        k.execute("import collections\nsome_long_name = 1")
        r = k.request("complete_request", {"code": "some_lo", "cursor_pos": 7})
        assert "some_long_name" in r["content"]["matches"]
        r = k.request("inspect_request", {"code": "collections.OrderedDict", "cursor_pos": 20, "detail_level": 0})
        assert r["content"]["found"] is True
        assert "OrderedDict" in r["content"]["data"]["text/plain"]
        assert k.request("is_complete_request", {"code": "for i in x:"})["content"]["status"] == "incomplete"
        assert k.request("is_complete_request", {"code": "1+1"})["content"]["status"] == "complete"
        info = k.request("kernel_info_request", {})
        assert info["content"]["language_info"]["name"] == "python"
        assert info["content"]["protocol_version"].startswith("5.")
        # The same request on the control channel is answered on control.
        assert k.request("kernel_info_request", {}, channel="control")["channel"] == "control"


@pytest.mark.parametrize("protocol", ["v1", "legacy"])
def test_comm_opened_by_client_is_answered_by_kernel(server, kernel_id, protocol):  # type: ignore
    with KernelWS(server.ws_url, kernel_id, server.token, protocol=protocol) as k:
        k.execute(
            "def _target(comm, msg):\n"
            "    @comm.on_msg\n"
            "    def _echo(m):\n"
            "        comm.send({'echo': m['content']['data']}, buffers=m['buffers'])\n"
            "    comm.send({'opened': msg['content']['data']})\n"
            "get_ipython().kernel.comm_manager.register_target('folio-echo', _target)"
        )
        comm_id = "c0ffee" * 4 + protocol
        k.send(k.make("comm_open", {"comm_id": comm_id, "target_name": "folio-echo", "data": {"hi": 1}}))
        msg = k.make("comm_msg", {"comm_id": comm_id, "data": {"ping": 2}})
        msg["buffers"] = [b"\x00\x01binary"]
        k.send(msg)
        got = []
        while len(got) < 2:
            m = k.recv(timeout=20)
            if m["header"]["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id:
                got.append(m)
        assert got[0]["content"]["data"] == {"opened": {"hi": 1}}
        assert got[1]["content"]["data"] == {"echo": {"ping": 2}}
        assert got[1]["buffers"] == [b"\x00\x01binary"]


def test_two_clients_both_see_iopub(server, kernel_id):  # type: ignore[no-untyped-def]
    with KernelWS(server.ws_url, kernel_id, server.token) as a, \
            KernelWS(server.ws_url, kernel_id, server.token, protocol="legacy") as b:
        mid = a.send(a.make("execute_request", {"code": "print('to both')", "silent": False}))
        reply, io = a.collect(mid)
        assert reply["content"]["status"] == "ok"
        seen_by_b = []
        while not any(m["header"]["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
                      for m in seen_by_b):
            m = b.recv(timeout=20)
            if m["parent_header"].get("msg_id") == mid:
                seen_by_b.append(m)
                assert m["channel"] == "iopub", "b must not get a's shell reply"
        assert any(m["header"]["msg_type"] == "stream" and m["content"]["text"] == "to both\n" for m in seen_by_b)


def test_disconnect_mid_run_and_reconnect_gets_every_output(server, kernel_id):  # type: ignore[no-untyped-def]
    k = KernelWS(server.ws_url, kernel_id, server.token)
    sid = k.session_id
    code = "import time\nfor i in range(20):\n    print(i, flush=True)\n    time.sleep(0.05)\n"
    mid = k.send(k.make("execute_request", {"code": code, "silent": False}))
    # Read a little, then drop the connection while the cell still runs.
    first = k.recv(timeout=20)
    assert first is not None
    k.close()
    import time

    time.sleep(1.5)  # the cell finishes while nobody is connected
    k2 = KernelWS(server.ws_url, kernel_id, server.token, session_id=sid)
    reply, io = k2.collect(mid, timeout=30)
    k2.close()
    assert reply["content"]["status"] == "ok"
    text = "".join(o["text"] for o in outputs(io, "stream"))
    # Everything printed after the drop arrives; the early part may have been read before it.
    assert text.endswith("".join(f"{i}\n" for i in range(10, 20)))


@pytest.mark.parametrize("frame", [b"garbage", b"\x05\x00\x00\x00\x00\x00\x00\x00tooshort", "{not json",
                                   '{"header": {}}', '["a list"]'])
def test_bad_frames_get_an_error_and_the_connection_survives(server, kernel_id, frame):  # type: ignore
    protocol = "v1" if isinstance(frame, bytes) else "legacy"
    with KernelWS(server.ws_url, kernel_id, server.token, protocol=protocol) as k:
        if isinstance(frame, bytes):
            k.ws.send_binary(frame)
        else:
            k.ws.send(frame)
        m = k.recv(timeout=10)
        assert m["header"]["msg_type"] == "stream" and "bad websocket message" in m["content"]["text"]
        reply, io = k.execute("1+1")
        assert outputs(io, "execute_result")[0]["data"]["text/plain"] == "2"


def test_unknown_kernel_websocket_is_404(server):  # type: ignore[no-untyped-def]
    import websocket

    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        KernelWS(server.ws_url, "00000000-0000-0000-0000-000000000000", server.token)
    assert e.value.status_code == 404


def test_websocket_without_token_is_refused(server, kernel_id):  # type: ignore[no-untyped-def]
    import websocket

    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        KernelWS(server.ws_url, kernel_id, "wrong-token")
    assert e.value.status_code == 403
