"""comco export / verify on a small rendered folder built here: real PNGs, real specs,
real captions, a fake asset library. Rows are compared with the annotations they came from,
after loading through `datasets` (card configs, parquet and webdataset builders) and
`webdataset`."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
import webdataset as wds
import yaml
from click.testing import CliRunner
from datasets import load_dataset
from PIL import Image

from comco.annotate.annotation import ImageAnnotation
from comco.cli import main
from comco.dataset.folder import DatasetError, DatasetFolder
from comco.dataset.manifest import read_manifest
from comco.export.exporter import ExportError, export_dataset
from comco.export.tar_shards import TarShards
from comco.export.verify import verify_export
from support.fake_render import LIBRARY_SHA
from support.fake_render import fake_library as make_library
from support.scenes import EXPORT_CONFIGS as EXPECTED_CONFIGS
from support.scenes import EXPORT_GALLERY as GALLERY
from support.scenes import export_dataset_folder


def make_rendered(root: Path) -> dict[str, ImageAnnotation]:
    """The export scenes rendered (fake) into `root`; their annotations by id."""
    export_dataset_folder(root)
    return {i.annotation.id: i.annotation for i in DatasetFolder(root).iter_images()}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, ImageAnnotation]]:
    root = tmp_path_factory.mktemp("renders") / "small"
    return root, make_rendered(root)


@pytest.fixture(scope="module")
def exported(
    rendered: tuple[Path, dict[str, ImageAnnotation]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Both formats, with shards so small that every configuration rolls over."""
    out = tmp_path_factory.mktemp("dist") / "small"
    export_dataset(rendered[0], out, ("parquet", "webdataset"), max_shard_bytes=1)
    return out


def _png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def _source_pixels(rendered_root: Path, annotation: ImageAnnotation) -> np.ndarray:
    png = next(rendered_root.glob(f"images/*/{annotation.id}.png"))
    return _png_pixels(png.read_bytes())


def _check_parquet_rows(rows, annotations, rendered_root: Path, expected_ids: set[str]) -> None:
    assert {r["id"] for r in rows} == expected_ids
    for row in rows:
        a = annotations[row["id"]]
        assert isinstance(row["image"], Image.Image)
        assert np.array_equal(
            np.asarray(row["image"].convert("RGB")), _source_pixels(rendered_root, a)
        )
        assert row["categories"] == a.spec.categories
        assert row["size_roles"] == [o.size_role.value for o in a.spec.objects]
        assert row["n_objects"] == len(a.spec.objects)
        assert row["caption"] == a.captions.orders[0].text
        assert row["captions_all_orders"] == [c.text for c in a.captions.orders]
        assert row["bboxes"] == [list(o.bbox_xywh) for o in a.objects]
        assert row["areas"] == [o.visible_area_px for o in a.objects]
        assert json.loads(row["annotation"]) == json.loads(a.model_dump_json())


@pytest.fixture(scope="module")
def exported_wds(
    rendered: tuple[Path, dict[str, ImageAnnotation]], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("dist") / "small-wds"
    export_dataset(rendered[0], out, ("webdataset",))
    return out


def _card_config_names(root: Path) -> list[str]:
    front = yaml.safe_load((root / "README.md").read_text().split("---\n")[1])
    return [c["config_name"] for c in front["configs"]]


def test_parquet_card_configs_load_with_datasets(exported: Path, rendered, tmp_path) -> None:
    root, annotations = rendered
    names = _card_config_names(exported)
    assert sorted(names) == sorted([*EXPECTED_CONFIGS, "gallery"])
    assert read_manifest(exported).card_format == "parquet"
    for name, ids in EXPECTED_CONFIGS.items():
        ds = load_dataset(str(exported), name=name, split="test", cache_dir=str(tmp_path))
        _check_parquet_rows(list(ds), annotations, root, ids)
    gallery = load_dataset(str(exported), name="gallery", split="test", cache_dir=str(tmp_path))
    assert [r["category"] for r in gallery] == GALLERY
    assert [r["caption"] for r in gallery] == ["an apple", "a bus", "a car"]
    assert isinstance(gallery[0]["image"], Image.Image)


def test_webdataset_card_configs_load_with_datasets(exported_wds: Path, rendered, tmp_path) -> None:
    root, annotations = rendered
    assert sorted(_card_config_names(exported_wds)) == sorted([*EXPECTED_CONFIGS, "gallery"])
    for name, ids in EXPECTED_CONFIGS.items():
        ds = load_dataset(str(exported_wds), name=name, split="test", cache_dir=str(tmp_path))
        assert {r["__key__"] for r in ds} == ids
        for row in ds:
            a = annotations[row["__key__"]]
            assert row["txt"] == a.captions.orders[0].text
            assert row["json"]["spec"]["id"] == a.id
            assert [o["bbox_xywh"] for o in row["json"]["objects"]] == [
                list(o.bbox_xywh) for o in a.objects
            ]
            assert np.array_equal(np.asarray(row["png"].convert("RGB")), _source_pixels(root, a))
    gallery = load_dataset(str(exported_wds), name="gallery", split="test", cache_dir=str(tmp_path))
    assert sorted(r["__key__"] for r in gallery) == GALLERY


def test_plain_builders_and_webdataset_read_the_shards(exported: Path, rendered, tmp_path) -> None:
    root, annotations = rendered
    record = read_manifest(exported).configs["comco_3obj_one_large"]
    files = [str(exported / f) for f in record.shards["parquet"].files]
    assert len(files) == 2  # max_shard_bytes=1: one row group per file
    ds = load_dataset("parquet", data_files={"test": files}, split="test", cache_dir=str(tmp_path))
    _check_parquet_rows(list(ds), annotations, root, EXPECTED_CONFIGS["comco_3obj_one_large"])

    tars = sorted(str(p) for p in (exported / "webdataset/comco_3obj_one_large/test").glob("*.tar"))
    assert (exported / "webdataset/comco_3obj_one_large/test/nshards.txt").read_text() == "2\n"
    ds = load_dataset(
        "webdataset", data_files={"test": tars}, split="test", cache_dir=str(tmp_path)
    )
    assert {r["__key__"] for r in ds} == EXPECTED_CONFIGS["comco_3obj_one_large"]

    samples = list(wds.WebDataset(tars, shardshuffle=False).decode("pil"))
    assert {s["__key__"] for s in samples} == EXPECTED_CONFIGS["comco_3obj_one_large"]
    for sample in samples:
        a = annotations[sample["__key__"]]
        assert sample["txt"] == a.captions.orders[0].text
        assert (
            ImageAnnotation.model_validate(sample["json"]).model_dump_json() == a.model_dump_json()
        )
        assert np.array_equal(np.asarray(sample["png"].convert("RGB")), _source_pixels(root, a))


def test_card_states_licences_generation_and_features(exported: Path) -> None:
    card = (exported / "README.md").read_text()
    front = card.split("---\n")[1]
    assert "license: other" in front
    assert "dtype: image" in front
    for category in ["apple", "bus", "car", "cat", "cup", "cube", "sphere"]:
        assert f"Author of {category}" in card
    assert "CC-BY-4.0 (5 assets)" in card and "CC0-1.0 (2 assets)" in card
    assert "| cube | CC0-1.0 | Author of cube | *modelled in code* (`procedural` 1.0) |" in card
    assert "| bus | CC-BY-4.0 | Author of bus | `debian:test-models` 1.0 |" in card
    assert "Blender 5.0.1" in card and LIBRARY_SHA in card
    assert '"samples":32' in card.replace(" ", "")
    assert (exported / "ATTRIBUTION.md").read_text().startswith("# Asset attribution")
    manifest = read_manifest(exported)
    for info in yaml.safe_load(front)["dataset_info"]:
        files = manifest.configs[info["config_name"]].shards["parquet"].files
        size = sum((exported / f).stat().st_size for f in files)
        assert info["splits"][0]["num_bytes"] == size > 0


def test_verify_passes_then_finds_each_kind_of_damage(exported: Path, tmp_path: Path) -> None:
    assert verify_export(exported) == []
    copy = tmp_path / "copy"

    shutil.copytree(exported, copy)
    shard = copy / read_manifest(copy).configs["comco_2obj_same"].shards["parquet"].files[0]
    shard.write_bytes(shard.read_bytes()[:-1] + b"x")
    (copy / "stray.txt").write_text("x")
    (copy / "ATTRIBUTION.md").unlink()
    problems = "\n".join(verify_export(copy))
    assert "sha256 differs" in problems
    assert "stray.txt: not listed" in problems
    assert "ATTRIBUTION.md: listed in the manifest but missing" in problems


def test_verify_finds_a_sample_without_annotation(exported: Path, tmp_path: Path) -> None:
    """A consistent manifest does not hide a tar whose sample lost its .json."""

    from comco.dataset.manifest import hash_folder

    copy = tmp_path / "copy"
    shutil.copytree(exported, copy)
    name = read_manifest(copy).configs["simco_2obj_same"].shards["webdataset"].files[0]
    with tarfile.open(copy / name) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar if not m.name.endswith(".json")]
    with tarfile.open(copy / name, "w") as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data))
    manifest = read_manifest(copy)
    manifest.files = hash_folder(copy)
    (copy / "manifest.json").write_text(manifest.model_dump_json())
    assert verify_export(copy) == [
        "simco_2obj_same (webdataset): sample 'shape-a' lacks ['json']",
        "simco_2obj_same (webdataset): 'shape-a' has no valid annotation JSON",
    ]


def test_export_refuses_to_clobber_and_cleans_up_on_failure(rendered, tmp_path: Path) -> None:
    root, _ = rendered
    out = tmp_path / "dist"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(ExportError, match="already exists; pass --overwrite"):
        export_dataset(root, out, ("parquet",))
    with pytest.raises(ExportError, match="not an earlier export"):
        export_dataset(root, out, ("parquet",), overwrite=True)
    assert (out / "mine.txt").read_text() == "keep me"
    partial = make_library(tmp_path / "partial-lib", ["apple"])
    with pytest.raises(ExportError, match=r"no asset for categories \['bus', 'car'"):
        export_dataset(root, tmp_path / "new", ("parquet",), library_dir=partial)
    other = make_library(tmp_path / "other-lib", ["apple"], sha="ef" * 32)
    with pytest.raises(ExportError, match="has library_sha256 efef"):
        export_dataset(root, tmp_path / "new", ("parquet",), library_dir=other)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "other-lib", "partial-lib"]


def test_overwrite_replaces_an_earlier_export(rendered, tmp_path: Path) -> None:
    root, _ = rendered
    out = tmp_path / "dist"
    export_dataset(root, out, ("webdataset",))
    export_dataset(root, out, ("parquet",), overwrite=True)
    assert sorted(read_manifest(out).configs) == sorted([*EXPECTED_CONFIGS, "gallery"])
    assert read_manifest(out).card_format == "parquet"
    assert not (out / "webdataset").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_unfinished_run_is_refused(rendered, tmp_path: Path) -> None:
    root, _ = rendered

    copy = tmp_path / "run"
    shutil.copytree(root, copy)
    (copy / "summary.json").unlink()
    with pytest.raises(DatasetError, match=r"no summary\.json"):
        export_dataset(copy, tmp_path / "a", ("parquet",))


def test_invalid_annotation_names_its_file_and_field(rendered, tmp_path: Path) -> None:
    root, _ = rendered
    copy = tmp_path / "run"
    shutil.copytree(root, copy)
    annotation = sorted((copy / "images").glob("*/*.json"))[0]
    data = json.loads(annotation.read_text())
    data["width"] = "wide"
    annotation.write_text(json.dumps(data))
    with pytest.raises(
        DatasetError, match=rf"{annotation.name}: not a valid ImageAnnotation: width:"
    ):
        export_dataset(copy, tmp_path / "a", ("parquet",))


def test_tar_keys_with_dots_are_refused(tmp_path: Path) -> None:
    # WebDataset splits a member name at its first dot, so a dotted key would lose files.
    with pytest.raises(ValueError, match=r"id: 'dotted.id' contains '\.'"):
        TarShards(tmp_path, max_bytes=1 << 20).write("dotted.id", {"png": b"x"})


def test_cli_export_and_verify(rendered, tmp_path: Path) -> None:
    root, _ = rendered
    out = tmp_path / "dist"
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["export", "--dataset", str(root), "--out", str(out), "--format", "webdataset,parquet"],
    )
    assert result.exit_code == 0, result.output
    assert "comco_3obj_one_large: 2 rows (test 2; parquet: 1 files, webdataset: 3 files)" in (
        result.output
    )
    assert runner.invoke(main, ["verify", str(out)]).output.strip().endswith(": ok")
    again = runner.invoke(main, ["export", "--dataset", str(root), "--out", str(out)])
    assert again.exit_code == 1 and "--overwrite" in again.output
    bad = runner.invoke(
        main, ["export", "--dataset", str(root), "--out", str(out), "--format", "tfrecord"]
    )
    assert bad.exit_code == 2 and "tfrecord" in bad.output
