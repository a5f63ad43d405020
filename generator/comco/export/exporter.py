"""`comco export`: stream a rendered dataset folder into Parquet and/or WebDataset shards,
one folder per configuration, plus the dataset card and the checksum manifest.

The output is built under a temporary name beside the target and renamed into place at the
end, so a failed export leaves nothing half-written, and an existing export is replaced only
when asked. One export at a time writes a given target: it holds `.<name>.lock` beside it
(removed when it ends). Nothing exported names a local path: the run's files are recorded by
name only.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from datasets import Features

from comco import __version__
from comco.assets.library import AssetRecord, load_manifest
from comco.dataset.configs import GALLERY_CONFIG, config_name, family, size_setting
from comco.dataset.folder import DatasetError, DatasetFolder
from comco.dataset.info import DatasetInfo
from comco.dataset.manifest import (
    MANIFEST_NAME,
    ConfigRecord,
    ExportManifest,
    Format,
    hash_folder,
)
from comco.export.card import dataset_card
from comco.export.clip_benchmark import ClipBenchmarkWriter
from comco.export.coco import CocoWriter
from comco.export.facts import GenerationFacts
from comco.export.layout import LayoutWriter
from comco.export.parquet_shards import ParquetShards
from comco.export.rows import (
    GALLERY_FEATURES,
    IMAGE_FEATURES,
    gallery_row,
    image_row,
)
from comco.export.tar_shards import SPLIT, TarShards
from comco.io.atomic import build_folder, recover_folder, remove_stale_builds, write_atomic
from comco.io.hashing import sha256_file
from comco.io.lock import LockHeld, exclusive_lock

SHARD_FORMATS: tuple[Format, ...] = ("parquet", "webdataset")
LAYOUTS: dict[str, Callable[[Path], LayoutWriter]] = {
    "coco": CocoWriter,
    "clip_benchmark": ClipBenchmarkWriter,
}
FORMATS: tuple[str, ...] = (*SHARD_FORMATS, *LAYOUTS)
DEFAULT_MAX_SHARD_BYTES = 512 * 1024 * 1024


class ExportError(ValueError):
    """The export cannot be made as asked."""


# a scene's split (spec.split) -> the dataset split its rows go to; no split: test
HF_SPLITS = {"train": "train", "val": "validation", "test": "test"}


@dataclass
class _Config:
    """Writers (one per dataset split and format) and description of one configuration while
    it is being written."""

    name: str
    record: dict[str, object]
    features: Features
    writers: dict[tuple[str, Format], ParquetShards | TarShards] = field(default_factory=dict)


@dataclass
class ExportResult:
    out: Path
    manifest: ExportManifest
    skipped_unfinished: list[Path] = field(default_factory=list)


def _check_target(out: Path, overwrite: bool) -> None:
    recover_folder(out)
    if not out.exists():
        return
    if not overwrite:
        raise ExportError(f"out: {out} already exists; pass --overwrite to replace it")
    if not (out / MANIFEST_NAME).is_file() and any(out.iterdir()):
        raise ExportError(
            f"out: {out} is not empty and has no {MANIFEST_NAME}, so it is not an earlier "
            "export; refusing to replace it even with --overwrite"
        )


def _library(
    info: DatasetInfo, library_dir: Path | None, facts: GenerationFacts, used: set[str]
) -> tuple[Path, str, dict[str, AssetRecord]]:
    """The library manifest, checked against what the run recorded; the assets used."""
    folder = library_dir or Path(info.library_path)
    manifest = load_manifest(folder)
    expected = {info.asset_library_sha256, *facts.library_sha256}
    wrong = sorted(s for s in expected if s != manifest.library_sha256)
    if wrong:
        raise ExportError(
            f"library: {folder} has library_sha256 {manifest.library_sha256}, but the rendered "
            f"dataset records {wrong}; pass --library with the library the images were made with"
        )
    missing = sorted(used - set(manifest.assets))
    if missing:
        raise ExportError(
            f"library: {folder}/manifest.json has no asset for categories {missing}; "
            "their licences cannot be stated"
        )
    return folder, manifest.library_sha256, {c: manifest.assets[c] for c in sorted(used)}


class _Writers:
    """One writer per (configuration, split, format), made on first use."""

    def __init__(self, root: Path, formats: tuple[Format, ...], max_bytes: int) -> None:
        self.root, self.formats, self.max_bytes = root, formats, max_bytes
        self.configs: dict[str, _Config] = {}

    def get(self, base: str, features: Features, record: dict[str, object]) -> _Config:
        if base not in self.configs:
            self.configs[base] = _Config(name=base, record=record, features=features)
        return self.configs[base]

    def write(self, config: _Config, split: str, row: dict[str, object], annotation: str) -> None:
        for fmt in self.formats:
            writer = config.writers.get((split, fmt))
            if writer is None:
                folder = self.root / fmt / config.name
                writer = (
                    ParquetShards(folder, config.features, self.max_bytes, split)
                    if fmt == "parquet"
                    else TarShards(folder, self.max_bytes, split)
                )
                config.writers[split, fmt] = writer
            if isinstance(writer, ParquetShards):
                writer.write(row)
            else:
                writer.write(
                    str(row["id"]),
                    {
                        "png": row["image"]["bytes"],  # type: ignore[index]
                        "json": annotation.encode(),
                        "txt": str(row["caption"]).encode(),
                    },
                )

    def close(
        self,
    ) -> tuple[dict[str, ConfigRecord], dict[str, Features], dict[str, dict[str, dict]]]:
        """The configurations' records and features, and bytes per config, split and format."""
        records: dict[str, ConfigRecord] = {}
        sizes: dict[str, dict[str, dict]] = {}
        for base, config in sorted(self.configs.items()):
            files: dict[str, list[str]] = {}
            splits: dict[str, int] = {}
            sizes[base] = {}
            for (split, fmt), writer in sorted(config.writers.items(), key=_split_order):
                written = [p.relative_to(self.root).as_posix() for p in writer.close()]
                files.setdefault(fmt, [])
                files[fmt] += [f for f in written if f not in files[fmt]]
                splits[split] = writer.rows
                data = [f for f in written if f.endswith((".parquet", ".tar"))]
                sizes[base].setdefault(split, {})[fmt] = sum(
                    (self.root / f).stat().st_size for f in data
                )
            shards = {fmt: {"folder": f"{fmt}/{base}", "files": files[fmt]} for fmt in files}
            record = {**config.record, "rows": sum(splits.values()), "shards": shards}
            records[base] = ConfigRecord.model_validate({**record, "splits": splits})
        return records, {b: c.features for b, c in self.configs.items()}, sizes


def _split_order(item: tuple[tuple[str, Format], object]) -> tuple[int, str]:
    (split, fmt), _ = item
    return list(HF_SPLITS.values()).index(split), fmt


def export_dataset(
    source: Path,
    out: Path,
    formats: tuple[str, ...],
    *,
    library_dir: Path | None = None,
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
    overwrite: bool = False,
    allow_incomplete: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Export `source` (a rendered dataset folder) to `out`; see the module docstring."""
    unknown = sorted(set(formats) - set(FORMATS))
    if not formats or unknown:
        raise ExportError(f"format: got {list(formats)}; expected one or more of {list(FORMATS)}")
    shard_formats = tuple(f for f in SHARD_FORMATS if f in formats)
    layouts = tuple(f for f in LAYOUTS if f in formats)
    folder = DatasetFolder(source)
    info = folder.require_info()
    if not allow_incomplete and not folder.finished:
        raise DatasetError(
            f"dataset: {source} has no summary.json, so its run has not finished; "
            "pass --allow-incomplete to export the finished images anyway"
        )
    try:
        with exclusive_lock(lock_path(out), remove=True):
            _check_target(out, overwrite)
            remove_stale_builds(out)
            with build_folder(out) as building:
                manifest = _write(
                    folder,
                    building,
                    out.name,
                    (shard_formats, layouts),
                    info,
                    library_dir,
                    max_shard_bytes,
                    progress,
                )
    except LockHeld as held:
        raise ExportError(
            f"out: {out} is being written by another `comco export` (pid {held.holder}); "
            "wait for it or export elsewhere"
        ) from None
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise ExportError(
            f"out: no space left on the device of {out.parent.resolve()} while exporting; the "
            "partial build was removed and any earlier export at --out is unchanged"
        ) from None
    return ExportResult(out=out, manifest=manifest, skipped_unfinished=folder.unfinished_images())


def lock_path(out: Path) -> Path:
    """The lock an export holds while it writes `out` (beside it: `out` itself is swapped)."""
    return out.with_name(f".{out.name}.lock")


def _write(
    source: DatasetFolder,
    root: Path,
    title: str,
    chosen: tuple[tuple[Format, ...], tuple[str, ...]],
    info: DatasetInfo,
    library_dir: Path | None,
    max_shard_bytes: int,
    progress: Callable[[int], None] | None,
) -> ExportManifest:
    formats, layout_names = chosen
    writers = _Writers(root, formats, max_shard_bytes)
    layouts = [LAYOUTS[name](root) for name in layout_names]
    facts = GenerationFacts()
    seen: set[str] = set()
    used: set[str] = set()
    for item in source.iter_images():
        spec = item.annotation.spec
        if spec.id in seen:
            raise DatasetError(f"id: {spec.id!r} appears in more than one images/<shard> folder")
        seen.add(spec.id)
        facts.add(item.annotation)
        used.update(spec.categories)
        description = {
            "kind": "images",
            "family": family(spec.vocab),
            "n_objects": len(spec.objects),
            "size_setting": size_setting([o.size_role for o in spec.objects]),
        }
        if formats:
            config = writers.get(config_name(spec), IMAGE_FEATURES, description)
            split = HF_SPLITS[spec.split] if spec.split else SPLIT
            writers.write(config, split, image_row(item), item.annotation_text)
        for layout in layouts:
            layout.add_image(item)
        if progress:
            progress(1)
    for gallery in source.iter_gallery():
        used.add(gallery.category)
        if formats:
            config = writers.get(GALLERY_CONFIG, GALLERY_FEATURES, {"kind": "gallery"})
            writers.write(config, SPLIT, gallery_row(gallery), gallery.annotation_text)
        for layout in layouts:
            layout.add_gallery(gallery)
    if not seen:
        raise DatasetError(f"dataset: {source.images} holds no finished image (PNG with its JSON)")
    configs, features, sizes = writers.close()
    layout_folders = [
        layout.folder.relative_to(root).as_posix() for layout in layouts if layout.close()
    ]
    folder, library_sha, assets = _library(info, library_dir, facts, used)
    has_attribution = (folder / "ATTRIBUTION.md").is_file()
    if has_attribution:
        shutil.copyfile(folder / "ATTRIBUTION.md", root / "ATTRIBUTION.md")
    # parquet when exported: the hub viewer and datasets read it best
    card_format = formats[0] if formats else None
    config_bytes = {
        name: {split: by_format[card_format] for split, by_format in sizes[name].items()}
        for name in configs
        if card_format is not None
    }
    card = dataset_card(
        title,
        card_format,
        configs,
        features,
        config_bytes,
        facts,
        info.without_local_paths().model_dump(mode="json"),
        assets,
        library_sha,
        has_attribution,
        layout_folders,
    )
    write_atomic(root / "README.md", card)
    manifest = ExportManifest(
        comco_version=__version__,
        card_format=card_format,
        source={
            "path": source.root.resolve().name,
            "dataset_json_sha256": sha256_file(source.info_file),
            "library_sha256": library_sha,
        },
        configs=configs,
        files=hash_folder(root),
    )
    write_atomic(root / MANIFEST_NAME, manifest.model_dump_json(indent=2) + "\n")
    return manifest
