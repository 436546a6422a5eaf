"""ASGI middleware at the edge: the body-size limit, NUL-free parameters and one access log line per request."""

import codecs
import json
import logging
import time
import uuid
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import decision_id_var, request_id_var

logger = logging.getLogger("app.access")


async def _send_json(send: Send, status: int, payload: dict[str, object]) -> None:
    """Answer at the edge, before the app runs, with a JSON error body."""
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


class _BodyNotUtf8(Exception):
    pass


_NOT_UTF8: dict[str, object] = {
    "detail": [{"type": "json_invalid", "loc": ["body"], "msg": "The body is not UTF-8 encoded JSON.", "input": {}}]
}


class BodySizeLimit:
    """Answers 413 to any request whose body exceeds max_bytes, declared or streamed, and 422 to a JSON body
    that is not UTF-8 (JSON's own decoder would read UTF-16 and UTF-32, which the decision log cannot keep as sent)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Send) -> None:
        await _send_json(
            send, 413, {"detail": f"Request body is larger than {self.max_bytes} bytes.", "code": "payload_too_large"}
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        started = False
        overflowed = False
        not_utf8 = False
        content_type = dict(scope["headers"]).get(b"content-type", b"").lower()
        decoder = codecs.getincrementaldecoder("utf-8")() if b"json" in content_type else None

        async def limited_receive() -> Message:
            nonlocal received, overflowed, not_utf8
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > self.max_bytes:
                    overflowed = True
                    raise _BodyTooLarge
                if decoder is not None:
                    try:
                        decoder.decode(chunk, final=not message.get("more_body", False))
                    except UnicodeDecodeError:
                        not_utf8 = True
                    # A raw NUL byte is never part of JSON text (RFC 8259 escapes control characters), but
                    # UTF-16 and UTF-32 without a BOM are full of them, and valid UTF-8 byte for byte.
                    not_utf8 = not_utf8 or b"\x00" in chunk
                    if not_utf8:
                        raise _BodyNotUtf8
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if not_utf8:
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _send_json(send, 422, _NOT_UTF8)
                return
            if overflowed:
                # The app may catch the overflow while reading the body (FastAPI turns it
                # into a 400); whatever it answers to a cut-off body, the answer is 413.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._reject(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await self._reject(send)
        except _BodyNotUtf8:
            if not started:
                await _send_json(send, 422, _NOT_UTF8)


class NulInParameters:
    """Answers 422 naming the parameter when the path or query string carries a NUL character.

    PostgreSQL cannot compare text with NUL; without this, such a lookup would be a
    503 on PostgreSQL and a plain miss on SQLite.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loc: list[str] | None = None
        if "\x00" in scope["path"]:
            loc = ["path"]
        else:
            query = scope.get("query_string", b"").decode("latin-1")
            loc = next((["query", name] for name, value in parse_qsl(query) if "\x00" in name + value), None)
        if loc is None:
            await self.app(scope, receive, send)
            return
        await _send_json(
            send,
            422,
            {"detail": [{"loc": loc, "msg": "must not contain NUL (\\u0000) characters", "type": "value_error"}]},
        )


class AccessLog:
    """Gives each request an id and logs one line when it ends, with the decision id when there is one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_token = request_id_var.set(str(uuid.uuid4()))
        decision_token = decision_id_var.set(None)
        started = time.perf_counter()
        status_code = 500

        async def recording_send(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            logger.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status_code,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                },
            )
            decision_id_var.reset(decision_token)
            request_id_var.reset(request_token)
