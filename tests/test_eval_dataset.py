"""Reading a rendered dataset (and its other copies) for evaluation.

The folder comes from `support.fake_render`, which writes it through the runner's own code.
"""

from __future__ import annotations

import json
import shutil
import zlib
from pathlib import Path

import huggingface_hub
import numpy as np
import pytest
from PIL import Image

from comco.dataset.copies import open_copy
from comco.dataset.folder import DatasetError
from comco.eval.cache import CachedEncoder
from comco.eval.dataset import configuration, load_dataset
from comco.eval.encoders import ModelSpec
from comco.eval.tasks import TASKS
from comco.eval.tasks.context import EvalContext
from comco.export.exporter import export_dataset
from support.scenes import POOL, eval_dataset


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return eval_dataset(tmp_path_factory.mktemp("comco") / "renders")


def test_reads_finished_images_by_id_and_the_gallery(dataset_dir: Path) -> None:
    dataset = load_dataset(dataset_dir)
    ids = [r.annotation.id for r in dataset.records]
    assert ids == sorted(ids) and len(ids) == 6
    assert all(r.image_path == dataset_dir / "images" / "00000" / f"{i}.png"
               for r, i in zip(dataset.records, ids, strict=True))  # fmt: skip
    assert sorted(dataset.gallery) == sorted(POOL)
    assert len(load_dataset(dataset_dir, limit=2).records) == 2
    assert len(load_dataset(dataset_dir, min_objects=4).records) == 2  # the 1L3S scenes


def test_unfinished_images_are_not_read(dataset_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(dataset_dir, copy)
    (copy / "images" / "00000" / "unfinished.png").write_bytes(b"")  # PNG without JSON
    assert [r.annotation.id for r in load_dataset(copy).records] == [
        r.annotation.id for r in load_dataset(dataset_dir).records
    ]


def test_a_folder_that_is_no_dataset_copy_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="neither a rendered dataset folder"):
        load_dataset(tmp_path)


def test_bad_annotation_names_file_and_field(dataset_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(dataset_dir, copy)
    bad = copy / "images" / "00000" / "img0001.json"
    bad.write_text(json.dumps({**json.loads(bad.read_text()), "width": "wide"}))
    with pytest.raises(ValueError, match=r"img0001\.json: not a valid ImageAnnotation: width"):
        load_dataset(copy)


def test_gallery_for_names_missing_categories(dataset_dir: Path) -> None:
    dataset = load_dataset(dataset_dir)
    with pytest.raises(FileNotFoundError, match="zebra"):
        dataset.gallery_for(["zebra"])


class PixelsAndWords:
    """An encoder of content alone: images by their 8x8 thumbnail, texts by hashed words. Its
    numbers mean nothing; equal inputs must give equal results whatever copy they come from."""

    modalities = frozenset({"text", "image"})
    spec = ModelSpec("hf", "pixels-and-words")
    fingerprint = "pixels-and-words".ljust(24, "0")

    def encode_text(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 192), np.float32)
        for row, text in enumerate(texts):
            for position, word in enumerate(text.split()):
                out[row, zlib.crc32(word.encode()) % 192] += 1.0 / (1 + position)
        return out

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        thumbs = [np.asarray(Image.open(p).convert("RGB").resize((8, 8))) for p in paths]
        return np.stack([t.reshape(-1) / 255.0 for t in thumbs]).astype(np.float32)


def _results(reference: str | Path, cache: Path) -> list[str]:
    dataset = load_dataset(reference, cache_dir=cache / "copies")
    context = EvalContext(dataset, CachedEncoder(PixelsAndWords(), cache / "embeddings"), n_boot=50)
    return [TASKS[t].run(context).model_dump_json() for t in ("tor", "ior")]


def test_rendered_parquet_webdataset_and_hub_copies_give_identical_results(
    dataset_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parquet, tars = tmp_path / "parquet", tmp_path / "wds"
    export_dataset(dataset_dir, parquet, ("parquet",), max_shard_bytes=4096)
    export_dataset(dataset_dir, tars, ("webdataset",), max_shard_bytes=4096)
    expected = _results(dataset_dir, tmp_path / "a")
    assert _results(parquet, tmp_path / "b") == expected
    assert _results(tars, tmp_path / "c") == expected
    asked = []

    def snapshot_download(repo_id: str, repo_type: str) -> str:  # the hub, served from disk
        asked.append((repo_id, repo_type))
        return str(parquet)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    assert _results("hf:org/comco-small", tmp_path / "d") == expected
    assert asked == [("org/comco-small", "dataset")]


def test_lean_records_give_the_tasks_what_a_full_parse_gives(
    dataset_dir: Path, tmp_path: Path
) -> None:
    parquet = tmp_path / "parquet"
    export_dataset(dataset_dir, parquet, ("parquet",), max_shard_bytes=4096)
    for reference in (dataset_dir, parquet):
        full = open_copy(reference, tmp_path / "copies").records  # every annotation parsed
        lean = load_dataset(reference, cache_dir=tmp_path / "copies").records
        assert [r.id for r in lean] == [r.annotation.id for r in full]
        for record, parsed in zip(lean, full, strict=True):
            annotation = parsed.annotation
            assert record.annotation.model_dump_json() == annotation.model_dump_json()
            assert record.image_path == parsed.image_path
            assert record.vocab == annotation.spec.vocab
            assert record.categories == tuple(o.category for o in annotation.objects)
            assert record.config == configuration(annotation)
            assert record.caption_style == annotation.captions.style
            assert record.n_orders == len(annotation.captions.orders)
    # read back in any order, each record still gives its own annotation
    lean = load_dataset(dataset_dir).records
    assert [r.annotation.id for r in reversed(lean)] == [r.id for r in reversed(lean)]
