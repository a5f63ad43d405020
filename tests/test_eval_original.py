"""The original ComCO release layout, built here from our own (fake-rendered) images: file
names map to category ids through the vocabulary, and the tasks that need no annotation run on
its records through the same registry, with known answers."""

from __future__ import annotations

import json
import shutil
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from comco.captions.plain import caption_style, names_caption, single_object_captions
from comco.cli import main
from comco.core.catalog import load_vocabulary
from comco.dataset.folder import DatasetError, DatasetFolder
from comco.dataset.original import is_original_release, read_original_release
from comco.eval.cache import CachedEncoder
from comco.eval.dataset import release_dataset
from comco.eval.encoders import ModelSpec
from comco.eval.tasks import TASKS
from comco.eval.tasks.context import EvalContext
from support.scenes import eval_dataset

COUNT_WORDS = {2: "Two", 3: "Three", 4: "Four"}
CATEGORIES = load_vocabulary().presets["comco72"]


def release_from(rendered: Path, root: Path) -> Path:
    """Our renders in the release's layout; multi-word names written with spaces, as in
    'fire hydrant', so they also straddle the '_' separator test."""
    vocabulary = load_vocabulary()
    folder = DatasetFolder(rendered)
    for item in folder.iter_images():
        names = [vocabulary.category(c).name for c in item.annotation.spec.categories]
        k = len(names)
        config = root / f"CoCo-{COUNT_WORDS[k]}Object-Middle-Big"
        config.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.png, config / f"{'_'.join(names)}.png")
    gallery = root / "CoCo-OneObject"
    gallery.mkdir(parents=True)
    for item in folder.iter_gallery():
        shutil.copyfile(item.png, gallery / f"{vocabulary.category(item.category).name}.png")
    return root


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("original")
    return release_from(eval_dataset(base / "renders", n_images=9), base / "release")


def one_hot(category: str) -> np.ndarray:
    vector = np.full(len(CATEGORIES), 1e-3, np.float32)
    vector[CATEGORIES.index(category)] = 1.0
    return vector


class SlotPicker:
    """Captions and images embed as the object in a chosen slot of their names; one-object
    captions and gallery images as their own object."""

    modalities = frozenset({"text", "image"})

    def __init__(self, release_dir: Path, slot: int) -> None:
        self.spec = ModelSpec("hf", f"slot-{slot}")
        self.fingerprint = f"slot-{slot}".ljust(24, "0")
        release = read_original_release(release_dir)
        style = caption_style("bare")
        self.texts = {t: c for c, t in single_object_captions("comco72", style).items()}
        self.images = {path: c for c, path in release.gallery}
        for image in release.images:
            self.images[image.path] = image.categories[slot]
            for order in permutations(image.categories):
                self.texts[names_caption(list(order), style)] = order[slot]

    def encode_text(self, texts: list[str]) -> np.ndarray:
        return np.stack([one_hot(self.texts[t]) for t in texts])

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        return np.stack([one_hot(self.images[Path(p)]) for p in paths])


def test_names_map_to_category_ids_and_folders_to_presets(release_dir: Path) -> None:
    assert is_original_release(release_dir) and not is_original_release(release_dir.parent)
    release = read_original_release(release_dir)
    assert len(release.images) == 9 and {i.vocab for i in release.images} == {"comco72"}
    assert all(c in CATEGORIES for i in release.images for c in i.categories)
    hydrant = [i for i in release.images if "fire_hydrant" in i.categories]
    assert hydrant and all("fire hydrant" in i.path.stem for i in hydrant)
    assert len(dict(release.gallery)) == 12


def test_an_unknown_name_and_a_wrong_count_are_errors(release_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "release"
    shutil.copytree(release_dir, copy)
    folder = next(copy.glob("CoCo-ThreeObject-*"))
    (folder / "car_spaceship_dog.png").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"'spaceship' is not in the vocabulary"):
        read_original_release(copy)
    (folder / "car_spaceship_dog.png").unlink()
    (folder / "car_dog.png").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"names 2 objects \['car', 'dog'\].*3-object"):
        read_original_release(copy)


@pytest.mark.parametrize("slot", [0, 1])
def test_tor_and_ior_report_the_planted_slot(release_dir: Path, tmp_path: Path, slot: int) -> None:
    dataset = release_dataset(read_original_release(release_dir))
    encoder = CachedEncoder(SlotPicker(release_dir, slot), tmp_path)
    context = EvalContext(dataset, encoder, n_boot=20)
    tor = {r.group: r.cells for r in TASKS["tor_paper"].run(context).tables[0].rows}
    assert tor["3 objects"][f"pos{slot + 1}"].pct == 100
    assert tor["4 objects"]["none"].pct == 0
    result = TASKS["ior"].run(context)
    assert [t.name for t in result.tables] == ["by_name_slot", "correct_top_n"]
    found = {r.group: r.cells for r in result.tables[0].rows}
    assert found["CoCo-FourObject-Middle-Big"][f"slot{slot + 1}"].pct == 100


@pytest.mark.models
def test_eval_cli_runs_what_the_layout_allows_and_says_why_not_the_rest(
    release_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "results"
    args = ["eval", "--dataset", str(release_dir), "--model", "sbert:all-MiniLM-L6-v2",
            "--task", "tor_paper,ior,itm", "--out", str(out), "--cache-dir", str(tmp_path / "c"),
            "--bootstrap", "20", "--device", "cpu"]  # fmt: skip
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run,) = json.loads((out / "results.json").read_text())["runs"]
    assert [r["task"] for r in run["results"]] == ["tor_paper"]
    assert run["skipped"]["ior"].startswith("needs ['image']")
    assert run["skipped"]["itm"].startswith("needs ['annotation']; the original release")
    assert "no captions of its own, masks, size roles" in run["skipped"]["itm"]
    assert "tor_paper" in (out / "report.md").read_text()
