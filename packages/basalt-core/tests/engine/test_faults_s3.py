"""S3 faults: a run over an S3 lake behind a proxy that throttles, fails or drops connections.

The proxy (127.0.0.1, in this test) stands between Basalt and moto's S3 server and
injects the faults real S3 produces: ``503 SlowDown`` throttling, ``500 InternalError``
and connections closed without an answer. Transient faults must be ridden out by the
clients' retries with output equal to a local run; persistent ones must end the run
with a message naming the S3 error, before anything is written.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from basalt.engine.loader import load_pipeline
from basalt.engine.runner import run_pipeline
from basalt.sources.errors import S3AccessError
from basalt.testing.servers import free_port

pytestmark = pytest.mark.faults

DAYS = [date(2026, 1, 5), date(2026, 1, 6)]
SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)
INTERNAL = (
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code>'
    b"<Message>We encountered an internal error. Please try again.</Message></Error>"
)


class FaultyProxy(ThreadingHTTPServer):
    """Forwards every request to ``upstream`` except the ones it is told to spoil."""

    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", free_port()), _Handler)
        self.upstream = urlparse(upstream)
        self.mode = "pass"
        self.remaining = 0
        self.spoiled = 0
        self.lock = threading.Lock()

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def spoil(self, mode: str, count: int = 10**9) -> None:
        """Answer the next ``count`` requests with ``mode``: throttle, error, drop (or pass)."""
        with self.lock:
            self.mode, self.remaining, self.spoiled = mode, count, 0

    def take(self) -> str:
        with self.lock:
            if self.mode == "pass" or self.remaining <= 0:
                return "pass"
            self.remaining -= 1
            self.spoiled += 1
            return self.mode


class _Handler(BaseHTTPRequestHandler):
    server: FaultyProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {"Content-Type": "application/xml"}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = self.server.take()
        if fault == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if fault == "throttle":
            return self._answer(503, SLOW_DOWN)
        if fault == "error":
            return self._answer(500, INTERNAL)
        upstream = http.client.HTTPConnection(
            self.server.upstream.hostname, self.server.upstream.port, timeout=30
        )
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = self.server.upstream.netloc
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            passed = {
                k: v
                for k, v in response.getheaders()
                if k.lower() not in {"content-length", "transfer-encoding"}
            }
            self._answer(response.status, data, passed)
        finally:
            upstream.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _handle  # noqa: N815 - http.server names


@pytest.fixture
def proxy(basalt_s3_server: Any) -> Iterator[FaultyProxy]:
    server = FaultyProxy(basalt_s3_server.endpoint_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


_buckets = iter(range(10**6))


@pytest.fixture
def s3_lake(env: dict[str, Path], basalt_s3_server: Any) -> str:
    from bmll_sample import write_sample_lake

    write_sample_lake(env["lake"], days=DAYS)
    client = basalt_s3_server.client()
    bucket = f"basalt-faults-{next(_buckets)}"
    client.create_bucket(Bucket=bucket)
    for path in env["lake"].rglob("*.parquet"):
        client.upload_file(str(path), bucket, f"lake/{path.relative_to(env['lake']).as_posix()}")
    return f"s3://{bucket}/lake"


def _data(url: str, server: Any, endpoint: str, out: Path) -> dict[str, Any]:
    return {
        "START_DATE": str(DAYS[0]),
        "END_DATE": str(DAYS[-1]),
        "DATASETNAME": "s3faults",
        "UNIVERSE": "mic=XLON",
        "NUM_WORKERS": 1,
        "SOURCE": {
            "type": "s3",
            "url": url,
            "endpoint_url": endpoint,
            "region": server.region,
            "access_key_id": server.access_key_id,
            "secret_access_key": server.secret_access_key,
        },
        "OUTPUT_TARGET": {"type": "parquet", "root": str(out)},
        "PASSES": [{"name": "bars", "modules": ["runner_volume"]}],
    }


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


@pytest.mark.parametrize(("mode", "count"), [("throttle", 3), ("error", 2), ("drop", 2)])
def test_transient_s3_faults_are_ridden_out(
    env: dict[str, Path], s3_lake: str, basalt_s3_server: Any, proxy: FaultyProxy, mode: str, count: int
) -> None:
    direct = env["out"] / "direct"
    run_pipeline(
        load_pipeline(data=_data(s3_lake, basalt_s3_server, basalt_s3_server.endpoint_url, direct)),
        state_dir=env["state"] / "direct",
    )
    proxy.spoil(mode, count)
    through = env["out"] / "proxied"
    report = run_pipeline(
        load_pipeline(data=_data(s3_lake, basalt_s3_server, proxy.endpoint_url, through)),
        state_dir=env["state"] / "proxied",
    )
    assert report.status == "succeeded"
    assert proxy.spoiled == count  # the faults were really served
    assert _files(through) == _files(direct)
    assert _files(direct)


def test_a_persistent_s3_failure_ends_the_run_naming_the_error(
    env: dict[str, Path], s3_lake: str, basalt_s3_server: Any, proxy: FaultyProxy
) -> None:
    proxy.spoil("error")
    with pytest.raises(S3AccessError) as excinfo:
        run_pipeline(
            load_pipeline(data=_data(s3_lake, basalt_s3_server, proxy.endpoint_url, env["out"])),
            state_dir=env["state"],
        )
    message = str(excinfo.value)
    assert "S3 kept failing after 10 attempts (InternalError)" in message
    assert s3_lake in message
    assert not env["out"].exists() or not list(env["out"].rglob("*.parquet"))
