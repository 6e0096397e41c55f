"""Real servers on 127.0.0.1 for tests: an S3 endpoint (moto's server).

Tests talk HTTP to a real S3 API, not to a mock object: the server is a
separate process started here and stopped by PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class S3Server:
    """A running S3-compatible endpoint and the credentials it accepts."""

    endpoint_url: str
    pid: int
    region: str = "us-east-1"
    access_key_id: str = "basalt-test"
    secret_access_key: str = "basalt-test-secret"

    def client(self) -> Any:
        """A boto3 S3 client for this server."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )


@contextlib.contextmanager
def moto_s3_server(timeout: float = 30.0) -> Iterator[S3Server]:
    """Start ``moto.server`` on 127.0.0.1 on a free port; stop it by PID on exit.

    Raises:
        RuntimeError: The server did not answer within ``timeout`` seconds.
    """
    port = free_port()
    # The server logs every request to stderr: a pipe nobody drains fills up (64 KiB)
    # and then blocks the server mid-suite. A temporary file never does.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; closed in finally
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log,
        env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    error = log.read().decode(errors="replace")
                    raise RuntimeError(
                        f"moto S3 server on {endpoint} did not start: {error[-2000:]}"
                    ) from None
                time.sleep(0.1)
        yield S3Server(endpoint_url=endpoint, pid=process.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
