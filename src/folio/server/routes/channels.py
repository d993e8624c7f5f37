"""WS ``/api/kernels/{kernel_id}/channels``: a client's view of a kernel, in either websocket protocol."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from fastapi import APIRouter
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from folio.errors import FolioError
from folio.kernels.bridge import Client
from folio.kernels.wire import (
    V1_PROTOCOL,
    FrameError,
    RawMessage,
    from_legacy_binary,
    from_legacy_text,
    from_v1,
    to_legacy,
    to_v1,
)
from folio.observability.logging import log_context
from folio.server.responses import dumps

log = logging.getLogger("folio.ws")
router = APIRouter()


@router.websocket("/api/kernels/{kernel_id}/channels")
async def channels(ws: WebSocket, kernel_id: str, session_id: str | None = None) -> None:
    state = ws.app.state.folio
    mk = state.kernels.kernels.get(kernel_id)
    if mk is None:
        await ws.send_denial_response(Response(dumps({"message": f"Kernel does not exist: {kernel_id}",
                                                      "reason": None}), 404, media_type="application/json"))
        return
    try:
        await state.kernels.wait_ready(mk)
    except FolioError as e:
        log.warning("kernel not ready for websocket", extra={"kernel_id": kernel_id, "error": str(e)})
        await ws.send_denial_response(Response(dumps({"message": str(e), "reason": None}), 500,
                                               media_type="application/json"))
        return
    log_context.set({"kernel_id": kernel_id, "session_id": session_id, "user": state.auth.user.username})
    v1 = V1_PROTOCOL in ws.scope.get("subprotocols", [])
    await ws.accept(subprotocol=V1_PROTOCOL if v1 else None)
    client = Client(session_id or str(uuid.uuid4()), "v1" if v1 else "legacy")
    bridge = mk.bridge
    replayed = bridge.attach(client)
    log.info("websocket open", extra={"kernel_id": kernel_id, "session_id": client.session_id,
                                      "protocol": client.protocol, "replayed": replayed})
    writer = asyncio.create_task(_write(ws, client))
    try:
        while True:
            frame = await ws.receive()
            if frame["type"] == "websocket.disconnect":
                break
            try:
                if frame.get("bytes") is not None:
                    msg = from_v1(frame["bytes"]) if v1 else from_legacy_binary(frame["bytes"])
                else:
                    if v1:
                        raise FrameError("text frame on the v1 protocol, which is binary only")
                    msg = from_legacy_text(frame.get("text") or "")
                await bridge.send(msg, client.session_id)
            except (FrameError, ValueError, KeyError) as e:
                log.warning("bad websocket frame", extra={"kernel_id": kernel_id, "error": str(e)})
                client.put(bridge.make_message("iopub", "stream", {
                    "name": "stderr", "text": f"folio: bad websocket message, not sent to the kernel: {e}\n"}))
    except WebSocketDisconnect:
        pass
    finally:
        bridge.detach(client)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer
        log.info("websocket closed", extra={"kernel_id": kernel_id, "session_id": client.session_id})


async def _write(ws: WebSocket, client: Client) -> None:
    encode = to_v1 if client.protocol == "v1" else to_legacy
    q = client.queue
    try:
        while True:
            msg: RawMessage | None = await q.get()
            if msg is None:
                # Closed by the bridge: replaced by a newer connection of the same session, or kernel gone.
                with contextlib.suppress(Exception):
                    await ws.close(code=client.close_code)
                return
            data = encode(msg)
            if isinstance(data, bytes):
                await ws.send_bytes(data)
            else:
                await ws.send_text(data)
    except (WebSocketDisconnect, RuntimeError):
        return
