"""Rolling Parquet files for one configuration, written a row group at a time.

Only one row group is buffered (at most ROWS_PER_GROUP rows, and no more image bytes than a
shard may hold), so memory stays bounded however large the dataset is. Files are
named `<split>-00000-of-0000N.parquet` (the hub's convention) once their count is known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Features

ROWS_PER_GROUP = 64  # images per row group: small enough to stream, large enough to compress


class ParquetShards:
    """Write rows to `<folder>/<split>-*.parquet`, starting a new file past `max_bytes`."""

    def __init__(
        self, folder: Path, features: Features, max_bytes: int, split: str = "test"
    ) -> None:
        self.folder = folder
        self.split = split
        self.schema = features.arrow_schema  # carries the features, so `image` decodes as Image
        self.max_bytes = max_bytes
        self.rows = 0
        self._buffer: list[dict[str, Any]] = []
        self._buffered_bytes = 0
        self._writer: pq.ParquetWriter | None = None
        self._parts: list[Path] = []

    def write(self, row: dict[str, Any]) -> None:
        self._buffer.append(row)
        self._buffered_bytes += len(row["image"]["bytes"])
        self.rows += 1
        if len(self._buffer) >= ROWS_PER_GROUP or self._buffered_bytes >= self.max_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        if self._writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._parts.append(self.folder / f"{self.split}-part-{len(self._parts)}.parquet.tmp")
            self._writer = pq.ParquetWriter(self._parts[-1], self.schema)
        self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
        self._buffer, self._buffered_bytes = [], 0
        if self._parts[-1].stat().st_size >= self.max_bytes:
            self._writer.close()
            self._writer = None

    def close(self) -> list[Path]:
        """Finish the last file and give every file its final name; returns them in order."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        final = []
        for i, part in enumerate(self._parts):
            name = self.folder / f"{self.split}-{i:05d}-of-{len(self._parts):05d}.parquet"
            part.rename(name)
            final.append(name)
        return final
