"""`comco verify`: is an exported folder exactly what its manifest says, and is every image
paired with its annotation? Reads shards a row group or a tar member at a time."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from comco.dataset.manifest import (
    ConfigRecord,
    folder_files,
    listed_file_problems,
    read_manifest,
)

SAMPLE_EXTENSIONS = ("json", "png", "txt")


def _parquet_rows(root: Path, files: list[str]) -> Iterator[tuple[str, bytes | None, str]]:
    for name in files:
        table_file = pq.ParquetFile(root / name)
        for group in range(table_file.num_row_groups):
            table = table_file.read_row_group(group, columns=["id", "image", "annotation"])
            for row in table.to_pylist():
                yield row["id"], (row["image"] or {}).get("bytes"), row["annotation"]


def _tar_samples(root: Path, files: list[str]) -> Iterator[tuple[str, dict[str, bytes]]]:
    for name in files:
        if not name.endswith(".tar"):
            continue
        with tarfile.open(root / name) as tar:
            key, files = None, {}
            while (member := tar.next()) is not None:
                tar.members.clear()  # read once in order: TarFile's index would grow with it
                stem, _, extension = member.name.partition(".")
                if key is not None and stem != key:
                    yield key, files
                    files = {}
                key = stem
                files[extension] = tar.extractfile(member).read()  # type: ignore[union-attr]
            if key is not None:
                yield key, files


def _annotation_problem(where: str, row_id: str, text: str | None, kind: str) -> str | None:
    try:
        data = json.loads(text or "")
    except json.JSONDecodeError:
        return f"{where}: {row_id!r} has no valid annotation JSON"
    if kind == "images" and data.get("id") != row_id:
        return f"{where}: {row_id!r} carries the annotation of {data.get('id')!r}"
    return None


def check_config(root: Path, name: str, record: ConfigRecord) -> list[str]:
    """Row count and image/annotation pairing of one configuration, in each format."""
    problems: list[str | None] = []
    for fmt, shards in record.shards.items():
        where, rows = f"{name} ({fmt})", 0
        if fmt == "parquet":
            for row_id, image, annotation in _parquet_rows(root, shards.files):
                rows += 1
                if not image:
                    problems.append(f"{where}: {row_id!r} has no image bytes")
                problems.append(_annotation_problem(where, row_id, annotation, record.kind))
        else:
            for key, files in _tar_samples(root, shards.files):
                rows += 1
                missing = [e for e in SAMPLE_EXTENSIONS if e not in files]
                if missing:
                    problems.append(f"{where}: sample {key!r} lacks {missing}")
                text = files.get("json", b"").decode()
                problems.append(_annotation_problem(where, key, text, record.kind))
        if rows != record.rows:
            problems.append(f"{where}: {rows} rows, manifest says {record.rows}")
    return [p for p in problems if p]


def card_configs(root: Path) -> set[str]:
    """Configuration names declared in README.md's front matter."""
    text = (root / "README.md").read_text()
    if not text.startswith("---\n"):
        return set()
    front = yaml.safe_load(text.split("---\n", 2)[1]) or {}
    return {c["config_name"] for c in front.get("configs", [])}


def verify_export(root: Path) -> list[str]:
    """Every problem found; an empty list means the folder is sound."""
    manifest = read_manifest(root)
    problems = listed_file_problems(root, manifest) + [
        f"{name}: not listed in the manifest"
        for name in folder_files(root)
        if name not in manifest.files
    ]
    if problems:  # contents cannot be trusted until the bytes are right
        return problems
    declared = card_configs(root)
    if declared != set(manifest.configs):
        problems.append(
            f"README.md: configs {sorted(declared)}, manifest has {sorted(manifest.configs)}"
        )
    for name, record in manifest.configs.items():
        problems += check_config(root, name, record)
    return problems
