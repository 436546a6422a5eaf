"""A throwaway PostgreSQL server for the tests, from Debian's packages, on a free loopback port."""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def _pg_bin() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise RuntimeError(
            "PostgreSQL server binaries not found; scripts/test.sh installs them (apt-get install postgresql)"
        )
    return Path(candidates[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def throwaway_postgres(*, durable: bool = False) -> Iterator[str]:
    """Start a fresh cluster, yield a SQLAlchemy URL to an empty database, and remove it all afterwards.

    Tests run it with fsync off (a throwaway cluster need not survive a power loss); durable keeps
    PostgreSQL's default, so that a benchmark's commits cost what they cost in production.
    """
    bindir = _pg_bin()
    workdir = Path(tempfile.mkdtemp(prefix="save-offers-pg-"))
    # initdb refuses to run as root; as root, run the server as the postgres user.
    as_user: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    datadir, port = workdir / "data", _free_port()
    run = lambda *args: subprocess.run([*as_user, *args], check=True, capture_output=True, text=True)  # noqa: E731
    try:
        run(str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-l",
            str(workdir / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c max_connections=200"
            + ("" if durable else " -c fsync=off"),
            "start",
        )
        deadline = time.monotonic() + 30
        while subprocess.run(
            [str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)], capture_output=True
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not accept connections within 30s")
            time.sleep(0.1)
        run(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "save_offers")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/save_offers"
    except subprocess.CalledProcessError as exc:
        raise RuntimeError(f"PostgreSQL set-up failed: {' '.join(exc.cmd)}\n{exc.stdout}\n{exc.stderr}") from exc
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            run(str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "-w", "stop")
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    """Create another empty database on the same server; return its URL."""
    import psycopg

    base = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
