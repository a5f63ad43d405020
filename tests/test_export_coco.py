"""`comco export --format coco`: read back by pycocotools, and by `comco analyze`, which must
give back the caption knobs the scenes were generated with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from comco.analyze.run import analyze
from comco.analyze.stats import TOTAL, TOTAL_ORDER
from comco.cli import main
from comco.core.catalog import load_vocabulary
from comco.dataset.folder import DatasetFolder
from comco.export.coco import FIRST_EXTRA_ID
from comco.export.exporter import export_dataset
from comco.export.verify import verify_export
from support.scenes import KNOBS, export_dataset_folder, knob_dataset

N_KNOB_SCENES = 400


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """COCO and ComCO scenes of three configurations (one-large ones carry ITM pairs)."""
    root = tmp_path_factory.mktemp("plain")
    export_dataset_folder(root / "renders")
    export_dataset(root / "renders", root / "dist", ("coco",))
    return root / "renders", root / "dist"


@pytest.fixture(scope="module")
def knobbed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("knobs")
    knob_dataset(root / "renders", N_KNOB_SCENES)
    export_dataset(root / "renders", root / "dist", ("coco",))
    return root / "renders", root / "dist"


def _objects_by_image(renders: Path) -> dict[str, dict[int, object]]:
    return {
        i.annotation.id: {o.index: o for o in i.annotation.objects}
        for i in DatasetFolder(renders).iter_images()
    }


def test_pycocotools_reads_masks_boxes_areas_and_categories(plain) -> None:
    renders, dist = plain
    source = _objects_by_image(renders)
    coco = COCO(str(dist / "coco" / "instances.json"))
    assert len(coco.getImgIds()) == len(source)
    vocabulary = load_vocabulary()
    checked = 0
    for ann in coco.loadAnns(coco.getAnnIds()):
        image = coco.loadImgs(ann["image_id"])[0]
        rle = coco.annToRLE(ann)
        mask = mask_utils.decode(rle)
        assert mask.shape == (image["height"], image["width"])
        assert int(mask.sum()) == ann["area"] > 0
        assert mask_utils.toBbox(rle).tolist() == ann["bbox"]
        ys, xs = np.nonzero(mask)
        assert ann["bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]
        obj = source[image["comco_id"]][ann["comco_index"]]
        category = coco.loadCats(ann["category_id"])[0]
        assert category["comco_id"] == obj.category
        assert category["name"] == vocabulary.category(obj.category).name
        coco_id = vocabulary.category(obj.category).coco_id
        assert ann["category_id"] == (coco_id if coco_id is not None else category["id"])
        if coco_id is None:
            assert category["id"] >= FIRST_EXTRA_ID
        assert ann["iscrowd"] == 0
        checked += 1
    assert checked == sum(len(objects) for objects in source.values())


def test_images_sit_beside_the_annotations_byte_for_byte(plain) -> None:
    renders, dist = plain
    coco = COCO(str(dist / "coco" / "instances.json"))
    pngs = {i.annotation.id: i.png for i in DatasetFolder(renders).iter_images()}
    for image in coco.loadImgs(coco.getImgIds()):
        copied = dist / "coco" / "images" / image["file_name"]
        assert copied.read_bytes() == pngs[image["comco_id"]].read_bytes()


def test_captions_hold_every_order_of_every_image(plain) -> None:
    renders, dist = plain
    captions = COCO(str(dist / "coco" / "captions.json"))
    instances = json.loads((dist / "coco" / "instances.json").read_text())
    by_comco_id = {image["comco_id"]: image["id"] for image in instances["images"]}
    for item in DatasetFolder(renders).iter_images():
        image_id = by_comco_id[item.annotation.id]
        anns = captions.loadAnns(captions.getAnnIds(imgIds=[image_id]))
        assert [a["caption"] for a in anns] == [c.text for c in item.annotation.captions.orders]
        assert [a["order"] for a in anns] == [c.order for c in item.annotation.captions.orders]
    assert not (dist / "coco" / "captions_binding.json").exists()  # no attribute scenes


def test_the_export_is_verified_and_listed_in_the_card(plain) -> None:
    _, dist = plain
    assert verify_export(dist) == []
    card = (dist / "README.md").read_text()
    assert "## Tool layouts" in card and "coco/instances.json" in card


def test_analyze_on_the_export_gives_back_the_knobs(knobbed) -> None:
    _, dist = knobbed
    run = analyze(
        dist / "coco" / "captions_binding.json", dist / "coco" / "instances.json", n_boot=50
    )
    assert run.n_images > 0.9 * N_KNOB_SCENES
    first = run.table("first_largest").rows
    first_largest = next(r for r in first if r.group == TOTAL_ORDER)
    assert first_largest.cells["first named is largest"].pct == 100.0
    completeness = next(r for r in run.table("completeness").rows if r.group == TOTAL)
    assert completeness.cells["categories named"].pct == pytest.approx(50.0)
    density = next(r for r in run.table("attributes").rows if r.group == TOTAL)
    assert abs(density.cells["with a colour word"].pct - 100 * KNOBS.attribute_density) <= 5
    assert run.knobs.order == "saliency"
    assert run.knobs.saliency_bias == 1.0  # the named objects always largest first
    assert run.knobs.completeness == KNOBS.completeness


def test_cli_writes_the_coco_layout(tmp_path: Path) -> None:
    export_dataset_folder(tmp_path / "renders")
    result = CliRunner().invoke(
        main,
        ["export", "--dataset", str(tmp_path / "renders"), "--out", str(tmp_path / "d"),
         "--format", "coco"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "coco" / "instances.json").is_file()
    bad = CliRunner().invoke(
        main,
        ["export", "--dataset", str(tmp_path / "renders"), "--out", str(tmp_path / "e"),
         "--format", "cocoa"],
    )  # fmt: skip
    assert bad.exit_code != 0 and "cocoa" in bad.output
    assert not (tmp_path / "e").exists()


def test_the_same_dataset_gives_the_same_bytes(plain, tmp_path: Path) -> None:
    renders, dist = plain
    again = tmp_path / "again"
    export_dataset(renders, again, ("coco", "clip_benchmark"))
    first = json.loads((dist / "manifest.json").read_text())["files"]
    second = json.loads((again / "manifest.json").read_text())["files"]
    shared = {name for name in first if name.startswith("coco/")}
    assert shared and {n: first[n] for n in shared} == {n: second[n] for n in shared}
    export_dataset(renders, tmp_path / "third", ("coco", "clip_benchmark"))
    third = json.loads((tmp_path / "third" / "manifest.json").read_text())["files"]
    del second["README.md"], third["README.md"]  # the card is titled by the folder's name
    assert third == second
