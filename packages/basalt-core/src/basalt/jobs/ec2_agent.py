"""S3 helper of an ``ec2`` job's instance: markers, logs, wheels, outputs.

The user-data script embeds this file verbatim and runs it with the job's venv before Basalt is
installed, so it imports nothing from Basalt: only the standard library and boto3. Keys are
relative to ``$BASALT_JOB_BUCKET`` / ``$BASALT_JOB_PREFIX`` (the job's own prefix); several
commands run in one process when separated by ``+`` (one boto3 start-up instead of several)::

    marker NAME [CODE]        status/NAME: {"code", "time", "host"} (started, done, failed)
    put FILE KEY              upload one file
    put-dir DIR KEY           upload a folder's files under KEY/
    get KEY FILE              download one object (KEY absolute: it may be shared by jobs)
    get-wheels DIR KEY=SHA…   download wheels from the bucket (absolute keys) and check their SHA-256
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path


def _client():  # type: ignore[no-untyped-def]
    import boto3

    return boto3.client("s3")


def _key(relative: str) -> str:
    return f"{os.environ['BASALT_JOB_PREFIX'].rstrip('/')}/{relative.lstrip('/')}"


FAILURE_CODES = {"marker": 12, "get-wheels": 13, "get": 15, "put": 16, "put-dir": 16}
"""Exit code when a command fails (the job's ``failed`` marker carries it)."""


def run(s3, bucket: str, command: str, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Run one command; raise on failure."""
    if command == "marker":
        body = {
            "code": int(args[1]) if len(args) > 1 else None,
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "host": socket.gethostname(),
        }
        s3.put_object(Bucket=bucket, Key=_key(f"status/{args[0]}"), Body=json.dumps(body).encode())
    elif command == "put":
        s3.upload_file(args[0], bucket, _key(args[1]))
    elif command == "put-dir":
        root = Path(args[0])
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            s3.upload_file(str(path), bucket, _key(f"{args[1]}/{path.relative_to(root).as_posix()}"))
    elif command == "get":
        Path(args[1]).parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, args[0], args[1])
    elif command == "get-wheels":
        folder = Path(args[0])
        folder.mkdir(parents=True, exist_ok=True)
        for pair in args[1:]:
            key, _, expected = pair.rpartition("=")
            target = folder / key.rsplit("/", 1)[-1]
            s3.download_file(bucket, key, str(target))
            actual = hashlib.sha256(target.read_bytes()).hexdigest()
            if actual != expected:
                raise ValueError(f"{key}: SHA-256 {actual} is not the {expected} that was uploaded")
            print(f"wheel {target.name} ({actual[:12]}) verified")
    else:
        raise KeyError(f"unknown command {command!r}")


def main(argv: list[str]) -> int:
    """Run the commands of ``argv`` (separated by ``+``) in order; stop at the first failure."""
    bucket = os.environ["BASALT_JOB_BUCKET"]
    s3 = _client()
    commands: list[list[str]] = [[]]
    for arg in argv:
        if arg == "+":
            commands.append([])
        else:
            commands[-1].append(arg)
    for command, *args in filter(None, commands):
        try:
            run(s3, bucket, command, args)
        except Exception as exc:
            print(f"error: {command} {' '.join(args)[:200]}: {type(exc).__name__}: {exc}", file=sys.stderr)
            return FAILURE_CODES.get(command, 2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
