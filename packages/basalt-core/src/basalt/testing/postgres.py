"""A throwaway PostgreSQL server on 127.0.0.1 for tests (the ``sql`` writer's).

:func:`postgres_server` runs ``initdb`` in a fresh temporary folder, starts the
server with ``pg_ctl`` on a free port (Unix socket in that folder too, fsync
off), yields its SQLAlchemy URL and postmaster PID, and on exit stops it with
``pg_ctl stop -m fast`` — by PID if that fails — and deletes the folder.

PostgreSQL refuses to run as root: as root the commands run as the ``postgres``
system user through ``runuser -u postgres``; as any other user they run
directly. Set ``BASALT_TEST_POSTGRES_URL`` (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) to use a server that
is already running instead; nothing is started or stopped then.

Example:
    >>> from basalt.testing.postgres import PostgresUnavailableError, postgres_server
    >>> try:
    ...     with postgres_server() as server:
    ...         print(server.url)  # postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
    ... except PostgresUnavailableError as exc:
    ...     print(f"skipped: {exc}")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from basalt.testing.servers import free_port

URL_ENV = "BASALT_TEST_POSTGRES_URL"
"""Environment variable naming an already-running server to use instead of starting one."""

SERVICE_USER = "postgres"
"""System user the server runs as when the tests run as root."""


class PostgresUnavailableError(RuntimeError):
    """PostgreSQL's server programs (``initdb``, ``pg_ctl``) are not installed: skip, don't fail."""


@dataclass(frozen=True)
class PostgresServer:
    """A running PostgreSQL server."""

    url: str
    """SQLAlchemy URL of the ``postgres`` database (driver: psycopg 3)."""
    pid: int | None
    """PID of the postmaster; ``None`` for a server given by ``BASALT_TEST_POSTGRES_URL``."""
    data_dir: Path | None = None
    """Its data folder (temporary); ``None`` for an external server."""


def find_bindir() -> Path:
    """The folder holding ``pg_ctl`` and ``initdb``.

    Looks on ``PATH``, then asks ``pg_config --bindir``, then tries Debian's
    ``/usr/lib/postgresql/*/bin`` (newest first).

    Raises:
        PostgresUnavailableError: No PostgreSQL server installation was found.
    """
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip()))
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: _version_key(Path(p).parent.name))
    candidates.extend(Path(p) for p in reversed(debian))
    for folder in candidates:
        if (folder / "pg_ctl").is_file() and (folder / "initdb").is_file():
            return folder
    raise PostgresUnavailableError(
        "PostgreSQL is not installed (no pg_ctl/initdb on PATH, from pg_config --bindir or in "
        f"/usr/lib/postgresql/*/bin); install it or set {URL_ENV} to a running server"
    )


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def _as_service_user() -> tuple[list[str], int | None, int | None]:
    """Command prefix, uid and gid to run PostgreSQL programs with (root: the postgres user)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        account = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise PostgresUnavailableError(
            f"running as root and there is no {SERVICE_USER!r} system user to run PostgreSQL as"
        ) from None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailableError("running as root and runuser (util-linux) is not installed")
    return [runuser, "-u", SERVICE_USER, "--"], account.pw_uid, account.pw_gid


def _run(command: list[str], what: str, timeout: float) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd="/")
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}): {(result.stderr or result.stdout)[-2000:]}")


def _postmaster_pid(data_dir: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def postgres_server(timeout: float = 60.0, attempts: int = 3) -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL on 127.0.0.1 on a free port; stop it and delete its data on exit.

    Args:
        timeout: Seconds to wait for ``initdb`` and for the server to accept connections.
        attempts: Ports to try, in case another process takes the free port first.

    Raises:
        PostgresUnavailableError: PostgreSQL is not installed (callers skip).
        RuntimeError: It is installed but ``initdb`` or the start failed (callers fail).
    """
    external = os.environ.get(URL_ENV)
    if external:
        yield PostgresServer(url=external, pid=None)
        return
    bindir = find_bindir()
    prefix, uid, gid = _as_service_user()
    base = Path(tempfile.mkdtemp(prefix="basalt-pg-"))
    data_dir, socket_dir, log_file = base / "data", base / "sock", base / "server.log"
    pid: int | None = None
    try:
        socket_dir.mkdir()
        if uid is not None and gid is not None:
            for path in (base, socket_dir):
                os.chown(path, uid, gid)
        _run(
            [*prefix, str(bindir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--no-locale", "--no-sync"],
            "initdb",
            timeout,
        )  # fmt: skip
        last_error = ""
        for _ in range(max(attempts, 1)):
            port = free_port()
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {socket_dir} -c fsync=off"
            options += " -c full_page_writes=off -c synchronous_commit=off"
            start = subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_file), "-w",
                 "-t", str(int(timeout)), "-o", options, "start"],
                capture_output=True, text=True, timeout=timeout + 10, cwd="/",
            )  # fmt: skip
            pid = _postmaster_pid(data_dir)
            if start.returncode == 0 and pid is not None:
                break
            log = log_file.read_text(errors="replace") if log_file.exists() else ""
            last_error = f"{start.stderr or start.stdout}\n{log}"[-2000:]
            pid = None
        else:
            raise RuntimeError(f"PostgreSQL did not start in {data_dir}: {last_error}")
        yield PostgresServer(
            url=f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", pid=pid, data_dir=data_dir
        )
    finally:
        if pid is not None:
            _stop(prefix, bindir, data_dir, pid)
        shutil.rmtree(base, ignore_errors=True)


def _stop(prefix: list[str], bindir: Path, data_dir: Path, pid: int) -> None:
    """``pg_ctl stop -m fast``; if the postmaster is still there, SIGTERM then SIGKILL it by PID."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "-t", "30", "stop"],
            capture_output=True,
            timeout=40,
            cwd="/",
        )
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if not _pid_alive(pid):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


__all__ = ["URL_ENV", "PostgresServer", "PostgresUnavailableError", "find_bindir", "postgres_server"]
