"""Errors about finding and reading source data; each names what is at fault."""

from __future__ import annotations

from datetime import date


class SourceError(Exception):
    """Base class of source errors."""


class MissingDataError(SourceError):
    """No file holds a table for a MIC and a date."""

    def __init__(self, table: str, mic: str, day: date, where: str) -> None:
        self.table, self.mic, self.day, self.where = table, mic, day, where
        super().__init__(
            f"no {table!r} data for MIC {mic} on {day:%Y-%m-%d}: nothing at {where}. "
            "Check the data root, the layout and the date range "
            "(`basalt data describe --date ...` lists what the source holds)."
        )


class CorruptFileError(SourceError):
    """A file exists but is not readable Parquet."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        super().__init__(
            f"file {path} is not a readable Parquet file ({reason}). "
            "Delete it and regenerate or re-download that day."
        )


class MissingRootError(SourceError):
    """The folder a source reads from does not exist (a wrong path, not a missing day)."""

    def __init__(self, root: str) -> None:
        self.root = root
        super().__init__(
            f"the lake folder {root} does not exist; check the path (in a pipeline file a relative "
            "path is relative to the file's folder, on the command line to the working directory)"
        )


class S3AccessError(SourceError):
    """S3 refused for good: no credentials, a wrong key, no such bucket, access denied.

    Transient failures (throttling, 5xx, dropped connections) are not turned into
    this error: they stay botocore's, for the runner to retry.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        super().__init__(
            f"cannot read {url}: {reason}. Check the bucket and the credentials (AWS_ACCESS_KEY_ID / "
            "AWS_SECRET_ACCESS_KEY or a profile; the s3 source's access_key_id, endpoint_url settings)"
        )
