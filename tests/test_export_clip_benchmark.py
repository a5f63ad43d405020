"""`comco export --format clip_benchmark`: the roots load through CLIP_benchmark's WebDataset
code path (`clip_benchmark.datasets.builder.build_wds_dataset` and the `dataset.batched`
loader of its `eval` command, repeated here call for call) with the true caption first in
every sample; with CLIP_benchmark installed, through its own builder too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import webdataset as wds

from comco.core.relations import RelationSetup
from comco.core.spec import Camera
from comco.dataset.folder import DatasetFolder
from comco.export.exporter import export_dataset
from comco.sampling.counting import CountRange
from comco.sampling.sampler import SamplerConfig, sample_scene
from support.fake_render import fake_rendered_dataset
from support.scenes import EXPORT_GALLERY, export_dataset_folder, knob_dataset

BATCH = 4


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Plain scenes (two one-large ones carry ITM pairs), coloured scenes (binding negatives),
    relation and count scenes (their negatives); each exported alone."""
    root = tmp_path_factory.mktemp("cb")
    export_dataset_folder(root / "plain")
    knob_dataset(root / "binding", 12)
    camera = Camera(width=96, height=96)
    relation = SamplerConfig(
        objects=3, seed=1, camera=camera, relations=RelationSetup(axes=["left-right"], margin=0.03)
    )
    count = SamplerConfig(objects=2, seed=1, camera=camera, counts=CountRange(low=2, high=3))
    specs = [sample_scene(relation, i) for i in range(3)] + [
        sample_scene(count, i) for i in range(3)
    ]
    fake_rendered_dataset(root / "relations", specs, [], drop_rejected=True)
    names = ("plain", "binding", "relations")
    for name in names:
        export_dataset(root / name, root / f"{name}-dist", ("clip_benchmark",))
    return [root / f"{name}-dist" / "clip_benchmark" for name in names]


def _read_txt(path: Path) -> str:
    return path.read_text()


def build_wds_dataset(data_dir: Path, split: str = "test"):
    """CLIP_benchmark's loader for local roots, with its calls and arguments."""
    nshards = int(_read_txt(data_dir / split / "nshards.txt"))
    dataset_type = _read_txt(data_dir / "dataset_type.txt").strip().lower()
    pattern = os.path.join(data_dir, split, "{0..%d}.tar" % (nshards - 1))  # noqa: UP031
    dataset = wds.WebDataset(pattern, cache_dir=None, nodesplitter=lambda src: src).decode(
        wds.autodecode.ImageHandler("pil", extensions=["webp", "png", "jpg", "jpeg"])
    )
    if dataset_type == "retrieval":
        dataset = dataset.to_tuple(["webp", "png", "jpg", "jpeg"], "txt").map_tuple(
            None, str.splitlines
        )
        dataset.classes = dataset.templates = None
    else:
        dataset = dataset.to_tuple(["webp", "png", "jpg", "jpeg"], "cls").map_tuple(None, None)
        dataset.classes = _read_txt(data_dir / "classnames.txt").splitlines()
        template_file = data_dir / "zeroshot_classification_templates.txt"
        dataset.templates = _read_txt(template_file).splitlines()
    return dataset


def _keys(data_dir: Path) -> list[str]:
    tars = sorted(str(p) for p in (data_dir / "test").glob("*.tar"))
    return [s["__key__"] for s in wds.WebDataset(tars, shardshuffle=False)]


def _expected(renders: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(root, sample key) -> (true caption, false caption), from the annotations."""
    expected = {}
    for item in DatasetFolder(renders).iter_images():
        a = item.annotation
        c = a.captions
        for family, mark, held in (("binding", "n", c.binding), ("relation", "r", c.relations),
                                   ("count", "c", c.counting)):  # fmt: skip
            for j, n in enumerate(held.negatives if held else []):
                root = f"comco_{family}_{n.kind.removeprefix(family + '_')}"
                expected[(root, f"{a.id}_{mark}{j}")] = (n.positive, n.text)
        for j, pair in enumerate(c.itm):
            expected[(f"comco_itm_{pair.scenario}", f"{a.id}_itm{j}")] = (
                pair.positive.text,
                pair.negative,
            )
    return expected


def _roots(listing: Path) -> list[Path]:
    return [listing.parent / line.removeprefix("wds/") for line in listing.read_text().split()]


def test_every_sample_loads_with_the_true_caption_first(exported) -> None:
    loaded = {}
    for folder in exported:
        for root in _roots(folder / "selection.txt"):
            samples = []
            for images, texts in build_wds_dataset(root).batched(BATCH):
                assert len(images) == len(texts) <= BATCH
                samples += texts
            keys = _keys(root)
            assert len(keys) == len(samples)
            loaded.update({(root.name, k): tuple(t) for k, t in zip(keys, samples, strict=True)})
    expected = {}
    for folder in exported:
        expected.update(_expected(folder.parent.parent / folder.parent.name.removesuffix("-dist")))
    assert loaded == expected
    roots = {name for name, _ in loaded}
    assert {"comco_itm_helpful", "comco_itm_adversarial", "comco_binding_attribute_swap",
            "comco_binding_object_swap", "comco_binding_attribute_replace"} <= roots  # fmt: skip
    assert {"comco_relation_flip", "comco_relation_argument_swap", "comco_count_plus_1"} <= roots


def test_the_gallery_is_a_zero_shot_classification_set(exported) -> None:
    (root,) = _roots(exported[0] / "classification.txt")
    dataset = build_wds_dataset(root)
    assert dataset.classes == sorted(EXPORT_GALLERY)  # their vocabulary names are their ids
    assert all("{c}" in t for t in dataset.templates)
    labels = [label for _, label in dataset]
    keys = _keys(root)
    assert [dataset.classes[label] for label in labels] == keys


def test_clip_benchmark_itself_loads_the_roots(exported) -> None:
    builder = pytest.importorskip("clip_benchmark.datasets.builder")
    for root in [r for folder in exported for r in _roots(folder / "selection.txt")]:
        dataset = builder.build_dataset(
            f"wds/{root.name}", root=str(root), transform=None, task="image_caption_selection"
        )
        for _, texts in dataset:
            assert len(texts) == 2 and texts[0] != texts[1]
    (gallery,) = _roots(exported[0] / "classification.txt")
    dataset = builder.build_dataset(
        f"wds/{gallery.name}", root=str(gallery), transform=None, task="zeroshot_classification"
    )
    assert dataset.classes == sorted(EXPORT_GALLERY)
