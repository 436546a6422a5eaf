"""The bundle location served over loopback HTTP, because OPA's bundle plugin only downloads.

One file, `bundle.tar.gz`, from the bundle directory. aiohttp's FileResponse answers
OPA's `If-None-Match` with 304 while the file is unchanged, so polling costs OPA no
download and no re-activation; a publish (an atomic rename) changes the ETag.
"""

import socket
from pathlib import Path

from aiohttp import web

from app.policy.release import PUBLISHED_BUNDLE

RESOURCE = f"bundles/{PUBLISHED_BUNDLE}"


class BundleServer:
    """A static file server on 127.0.0.1 and a port the kernel picks, run on the service's event loop."""

    def __init__(self, bundle_dir: Path) -> None:
        self._bundle = bundle_dir / PUBLISHED_BUNDLE
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        assert self._port is not None, "the bundle server is not started"
        return f"http://127.0.0.1:{self._port}"

    async def _serve(self, _: web.Request) -> web.StreamResponse:
        if not self._bundle.is_file():
            raise web.HTTPNotFound(text="no release is published")
        return web.FileResponse(self._bundle)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(f"/{RESOURCE}", self._serve)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        # A socket of its own, bound to a port the kernel picks: no race for a "free" port.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
