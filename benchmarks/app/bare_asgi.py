"""A bare ASGI app with a constant body: only used to measure the fallback Python client's ceiling."""

from __future__ import annotations

from typing import Any

BODY = b'{"ok": true}' * 100


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": BODY})
