"""A standalone OPA server for tests that need to stop and restart the policy engine under the service."""

import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OpaProcess:
    """`opa run --server` on a fixed loopback port, which tests can kill and bring back."""

    def __init__(self, *, binary: Path, bundle: Path, port: int | None = None) -> None:
        self.binary, self.bundle = binary, bundle
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "run",
                "--server",
                "--addr",
                f"127.0.0.1:{self.port}",
                "--bundle",
                str(self.bundle),
                "--log-level",
                "error",
                "--set",
                "decision_logs.console=true",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health?bundles=true", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"test OPA on port {self.port} did not become healthy")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
