"""Any copy of a dataset as the same records: a rendered folder, a `comco export` folder
(Parquet or WebDataset), or a hub copy of one (`hf:ORG/NAME`).

Exports carry every image's PNG bytes and annotation JSON verbatim, so the records read from
an export are the rendered folder's records: same annotations, same image bytes. An export or
hub copy is read only after every file its manifest lists matches its size and sha256. Images that
live inside shards are written once, content-addressed, under a cache folder, so encoders
(and their embedding cache) see ordinary files with the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from comco.annotate.annotation import ImageAnnotation
from comco.dataset.configs import GALLERY_CONFIG
from comco.dataset.folder import DatasetError, DatasetFolder, parse_annotation
from comco.dataset.manifest import MANIFEST_NAME, ManifestError, listed_file_problems, read_manifest
from comco.io.atomic import write_atomic
from comco.io.locations import cache_folder

HUB_PREFIX = "hf:"


@dataclass(frozen=True)
class Record:
    """One image: its annotation and a file holding its PNG. Copies list them by id, so every
    copy of a dataset gives the same order."""

    annotation: ImageAnnotation
    image_path: Path

    @property
    def n_objects(self) -> int:
        return len(self.annotation.objects)


@dataclass(frozen=True)
class DatasetCopy:
    """What a dataset copy holds, whatever its format."""

    source: str
    kind: str  # "rendered" or "export (parquet|webdataset)"
    records: tuple[Record, ...]
    gallery: tuple[tuple[str, Path], ...]  # (category, reference image), by category


def open_copy(reference: str | Path, cache_dir: Path | None = None) -> DatasetCopy:
    """Read a rendered folder, an export folder or `hf:ORG/NAME` (see the module docstring)."""
    stream = stream_copy(reference, cache_dir)
    records = sorted((record for record, _ in stream.records), key=lambda r: r.annotation.id)
    return DatasetCopy(stream.source, stream.kind, tuple(records), stream.gallery)


@dataclass(frozen=True)
class CopyStream:
    """A dataset copy read one image at a time, so a reader that keeps less than the parsed
    annotation (the evaluator) never holds every annotation at once."""

    source: str
    kind: str
    records: Iterator[tuple[Record, str]]  # each record and its annotation JSON as written
    gallery: tuple[tuple[str, Path], ...]  # (category, reference image), by category


def stream_copy(reference: str | Path, cache_dir: Path | None = None) -> CopyStream:
    """The records of a copy (see `open_copy`) in the copy's own order, not by id."""
    text = str(reference)
    if text.startswith(HUB_PREFIX):
        return _stream_export(_download(text.removeprefix(HUB_PREFIX)), text, cache_dir)
    root = Path(reference)
    if (root / "dataset.json").is_file():
        return _stream_rendered(root)
    if (root / MANIFEST_NAME).is_file() and (root / "README.md").is_file():
        return _stream_export(root, text, cache_dir)
    raise DatasetError(
        f"dataset: {root} is neither a rendered dataset folder (no dataset.json) nor a "
        f"`comco export` folder (no {MANIFEST_NAME} + README.md); expected one of them, "
        f"or {HUB_PREFIX}ORG/NAME"
    )


def _stream_rendered(root: Path) -> CopyStream:
    folder = DatasetFolder(root)
    records = ((Record(i.annotation, i.png), i.annotation_text) for i in folder.iter_images())
    gallery = tuple((g.category, g.png) for g in folder.iter_gallery())
    return CopyStream(str(root), "rendered", records, gallery)


def _download(repo_id: str) -> Path:
    """The hub dataset's files through huggingface_hub: from its cache when HF_HUB_OFFLINE is
    on, else from the hub, every request bounded (`comco.io.hub`)."""
    from huggingface_hub import constants, snapshot_download

    from comco.io import hub

    reference = f"{HUB_PREFIX}{repo_id}"
    fetch = f"`hf download --repo-type dataset {repo_id} --local-dir DIR` and pass --dataset DIR"
    try:
        with hub.bounded_requests():
            return Path(snapshot_download(repo_id, repo_type="dataset"))
    except Exception as error:  # the hub client raises many kinds; all mean "not available"
        if hub.offline():
            raise DatasetError(
                f"dataset: {reference} is not in the local Hugging Face cache and downloads are "
                "off here (HF_HUB_OFFLINE=1); set HF_HUB_OFFLINE=0 where the hub is "
                f"reachable, or there run {fetch}"
            ) from None
        raise DatasetError(
            f"dataset: {reference} could not be fetched from {constants.ENDPOINT} (each request "
            f"may wait {hub.request_timeout():g} s, HF_HUB_DOWNLOAD_TIMEOUT; "
            f"{hub.root_cause(error)}); "
            f"download it with {fetch}"
        ) from None


def _stream_export(root: Path, source: str, cache_dir: Path | None) -> CopyStream:
    """Records from an export's Parquet shards, or its WebDataset tars when it has no Parquet,
    once every file the manifest lists matches it."""
    try:
        manifest = read_manifest(root)
    except ManifestError as error:
        raise DatasetError(f"dataset: {source}: {error}") from None
    problems = listed_file_problems(root, manifest)
    if problems:
        raise DatasetError(
            f"dataset: {source} does not match its {MANIFEST_NAME} ({len(problems)} problems, "
            f"first: {problems[0]}); run `comco verify` on it, or export it again"
        )
    configs = manifest.configs
    formats = {fmt for config in configs.values() for fmt in config.shards}
    if not formats:
        raise DatasetError(f"dataset: {root}/{MANIFEST_NAME} lists no configuration shards")
    fmt = "parquet" if "parquet" in formats else "webdataset"
    read = _parquet_rows if fmt == "parquet" else _tar_rows
    images = (cache_dir or cache_folder("copies")) / "images"

    def files(name: str) -> list[Path]:
        return [root / f for f in configs[name].shards[fmt].files]

    gallery = []
    if GALLERY_CONFIG in configs:
        gallery = sorted(
            (key, _unpacked(images, png)) for key, png, _ in read(files(GALLERY_CONFIG))
        )

    def records() -> Iterator[tuple[Record, str]]:
        for name in sorted(configs):
            if name == GALLERY_CONFIG:
                continue
            for key, png, annotation_text in read(files(name)):
                where = f"{root} ({fmt}, {name}, {key})"
                annotation = parse_annotation(annotation_text, where)
                yield Record(annotation, _unpacked(images, png)), annotation_text

    return CopyStream(source, f"export ({fmt})", records(), tuple(gallery))


def _parquet_rows(files: list[Path]) -> Iterator[tuple[str, bytes, str]]:
    import pyarrow.parquet as pq

    for path in files:
        if path.suffix != ".parquet":
            continue
        shard = pq.ParquetFile(path)
        for batch in shard.iter_batches(batch_size=64, columns=["id", "image", "annotation"]):
            for row in batch.to_pylist():  # a batch at a time: shards can hold 512 MB
                yield row["id"], row["image"]["bytes"], row["annotation"]


def _tar_rows(files: list[Path]) -> Iterator[tuple[str, bytes, str]]:
    import webdataset as wds

    tars = [str(p) for p in files if p.suffix == ".tar"]
    for sample in wds.WebDataset(tars, shardshuffle=False, empty_check=False):
        yield sample["__key__"], sample["png"], sample["json"].decode()


def _unpacked(folder: Path, png: bytes) -> Path:
    """A file holding these PNG bytes, named by their sha256 and written once."""
    path = folder / f"{hashlib.sha256(png).hexdigest()}.png"
    if not path.is_file():
        write_atomic(path, png)
    return path
