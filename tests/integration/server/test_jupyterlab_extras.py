"""The smaller endpoints JupyterLab calls at start-up: events, config sections, export formats, preflight."""

from __future__ import annotations

import httpx
import websocket


def test_event_bus_subscribe_and_emit(server, api):  # type: ignore[no-untyped-def]
    ws = websocket.create_connection(server.ws_url + "api/events/subscribe",
                                     header=[f"Authorization: token {server.token}"], timeout=10)
    assert ws.connected
    ws.close()
    ok = api.post("api/events", json={"schema_id": "https://example.org/e", "version": "1", "data": {}})
    assert ok.status_code == 204
    assert api.post("api/events", json={"nope": 1}).status_code == 400


def test_config_sections_merge_and_persist(server, api):  # type: ignore[no-untyped-def]
    assert api.get("api/config/notebook").json() == {}
    r = api.patch("api/config/notebook", json={"a": {"b": 1, "c": 2}, "d": 3})
    assert r.status_code == 200 and r.json() == {"a": {"b": 1, "c": 2}, "d": 3}
    r = api.patch("api/config/notebook", json={"a": {"c": None, "e": 4}})
    assert r.json() == {"a": {"b": 1, "e": 4}, "d": 3}
    assert api.get("api/config/notebook").json() == {"a": {"b": 1, "e": 4}, "d": 3}
    assert api.put("api/config/notebook", json={"x": 1}).status_code == 204
    assert api.get("api/config/notebook").json() == {"x": 1}
    assert api.get("api/config/..%2Fescape").status_code == 404


def test_export_formats(api):  # type: ignore[no-untyped-def]
    formats = api.get("api/nbconvert").json()
    assert formats["html"]["output_mimetype"] == "text/html"
    assert "markdown" in formats and "script" in formats


def test_cors_preflight_needs_no_credentials(server):  # type: ignore[no-untyped-def]
    r = httpx.options(server.url + "api/kernels")
    assert r.status_code == 200
    assert "authorization" in r.headers["access-control-allow-headers"]
    # No CORS origin is granted unless allow_origin is configured.
    assert "access-control-allow-origin" not in r.headers
