"""The real service on a real Uvicorn, in a background thread, for tests that speak HTTP to it."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.opa_process import free_port


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run the app under Uvicorn until the block ends; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the service did not start; see the log above")
        time.sleep(0.02)
    try:
        httpx.get(f"{base_url}/healthz", timeout=5).raise_for_status()
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
