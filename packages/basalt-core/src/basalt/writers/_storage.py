"""Where the ``parquet`` writer keeps its files: a local folder, or any pyarrow filesystem (S3).

The local store uses only ``os`` and Polars: importing pyarrow costs every
worker process about half a second, which is most of a small batch's time.
Both stores write atomically: locally a hidden temporary file is renamed into
place; on S3 an object appears only once its upload completes.
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path
from typing import Any, Protocol

import polars as pl


class Store(Protocol):
    """The file operations the Parquet writer needs."""

    root: str
    """The output root's path on the store (no scheme)."""

    def folders(self, folder: str) -> list[tuple[str, str]]:
        """``(path, name)`` of the sub-folders of ``folder``; none if it does not exist."""

    def parts(self, folder: str) -> list[str]:
        """Paths of the ``part-*.parquet`` files in ``folder``, sorted."""

    def put(self, frame: pl.DataFrame, target: str, metadata: dict[str, str], compression: str) -> None:
        """Write ``frame`` to ``target`` atomically with key-value ``metadata`` in its footer."""

    def delete(self, path: str) -> None:
        """Remove a file."""

    def metadata(self, path: str) -> dict[str, str]:
        """The key-value metadata of a Parquet file's footer."""

    def frame(self, path: str) -> pl.DataFrame:
        """A Parquet file's rows (no hive columns from its folder names)."""


STAGING_PREFIX = ".tmp-"
"""Files a local write stages before its atomic rename."""


class LocalStore:
    """A folder on this machine."""

    def __init__(self, root: str) -> None:
        self.root = str(Path(root).absolute())

    def folders(self, folder: str) -> list[tuple[str, str]]:
        if not os.path.isdir(folder):
            return []
        with os.scandir(folder) as entries:
            return sorted((e.path, e.name) for e in entries if e.is_dir())

    def parts(self, folder: str) -> list[str]:
        if not os.path.isdir(folder):
            return []
        with os.scandir(folder) as entries:
            return sorted(
                e.path
                for e in entries
                if e.is_file() and e.name.startswith("part-") and e.name.endswith(".parquet")
            )

    def put(self, frame: pl.DataFrame, target: str, metadata: dict[str, str], compression: str) -> None:
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        # A writer killed mid-write (kill -9) leaves its staging file behind; it is removed here.
        # Staging files are named by their writer's process id: two workers may write one day
        # folder at once (listing shards of a stateful run), so only a dead writer's file goes.
        # The suffix is not .parquet, so a glob of a dataset's *.parquet never reads one meanwhile.
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(STAGING_PREFIX) and not _writer_alive(entry.name):
                    Path(entry.path).unlink(missing_ok=True)
        staging = os.path.join(folder, f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex}.partial")
        try:
            frame.write_parquet(staging, compression=compression, metadata=metadata)  # type: ignore[arg-type]
            os.replace(staging, target)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise

    def delete(self, path: str) -> None:
        os.remove(path)

    def metadata(self, path: str) -> dict[str, str]:
        return dict(pl.read_parquet_metadata(path))

    def frame(self, path: str) -> pl.DataFrame:
        return pl.read_parquet(path, hive_partitioning=False)


def _writer_alive(name: str) -> bool:
    """Whether the process that named a staging file ``.tmp-{pid}-{uuid}.partial`` still runs."""
    pid = name.removeprefix(STAGING_PREFIX).split("-")[0]
    if not pid.isdigit() or int(pid) == os.getpid():
        return False  # an older name without a pid, or this process's own leftover: not being written
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ArrowStore:
    """A pyarrow filesystem (S3): objects appear whole, there are no real folders."""

    def __init__(self, filesystem: Any, root: str) -> None:
        self.filesystem = filesystem
        self.root = root

    def _infos(self, folder: str) -> list[Any]:
        from pyarrow import fs

        return list(self.filesystem.get_file_info(fs.FileSelector(folder, allow_not_found=True)))

    def folders(self, folder: str) -> list[tuple[str, str]]:
        from pyarrow import fs

        return sorted((i.path, i.base_name) for i in self._infos(folder) if i.type == fs.FileType.Directory)

    def parts(self, folder: str) -> list[str]:
        from pyarrow import fs

        return sorted(
            i.path
            for i in self._infos(folder)
            if i.type == fs.FileType.File and i.base_name.startswith("part-") and i.path.endswith(".parquet")
        )

    def put(self, frame: pl.DataFrame, target: str, metadata: dict[str, str], compression: str) -> None:
        buffer = io.BytesIO()
        frame.write_parquet(buffer, compression=compression, metadata=metadata)  # type: ignore[arg-type]
        with self.filesystem.open_output_stream(target) as stream:
            stream.write(buffer.getvalue())

    def delete(self, path: str) -> None:
        self.filesystem.delete_file(path)

    def metadata(self, path: str) -> dict[str, str]:
        import pyarrow.parquet as pq

        raw = pq.read_metadata(path, filesystem=self.filesystem).metadata or {}
        return {key.decode(): value.decode() for key, value in raw.items()}

    def frame(self, path: str) -> pl.DataFrame:
        import pyarrow.parquet as pq

        frame = pl.from_arrow(pq.read_table(path, filesystem=self.filesystem, partitioning=None))
        assert isinstance(frame, pl.DataFrame)
        return frame
