"""Tasks end to end over the fixture dataset with a stand-in encoder whose answers are known.

The stand-in embeds every text and image as a one-hot vector of one chosen category, looked
up from the annotations (not from the words), so each task's expected table is exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from comco.captions.plain import all_order_captions, caption_style, single_object_captions
from comco.core.catalog import load_vocabulary
from comco.eval.cache import CachedEncoder
from comco.eval.dataset import load_dataset
from comco.eval.encoders import ModelSpec
from comco.eval.evaluate import save_run
from comco.eval.results import RETRIEVALS_FILE, EvalRun, ModelRun, TaskResult
from comco.eval.tasks import TASKS, parse_tasks
from comco.eval.tasks.context import EvalContext
from support.scenes import eval_dataset

CATEGORIES = load_vocabulary().presets["comco72"]


def one_hot(category: str) -> np.ndarray:
    vector = np.full(len(CATEGORIES), 1e-3, np.float32)
    vector[CATEGORIES.index(category)] = 1.0
    return vector


class StandIn:
    """Captions map to the object named at position `pick`, images to their largest object."""

    modalities = frozenset({"text", "image"})

    def __init__(self, root: Path, pick: int) -> None:
        self.spec = ModelSpec("hf", f"stand-in-{pick}")
        self.fingerprint = f"stand-in-{pick}".ljust(24, "0")
        self.texts: dict[str, str] = {}
        self.images: dict[Path, str] = {}
        for style in ("articles", "bare"):
            for category, text in single_object_captions("comco72", caption_style(style)).items():
                self.texts[text] = category
        dataset = load_dataset(root)
        for record in dataset.records:
            spec = record.annotation.spec
            for caption in [*record.annotation.captions.orders,
                            *all_order_captions(spec, caption_style("bare"))]:  # fmt: skip
                self.texts[caption.text] = caption.categories[pick]
            large = next(
                (o.category for o in record.annotation.objects if o.size_role == "large"), ""
            )
            for pair in record.annotation.captions.itm:  # a false caption's first-named object
                helpful = pair.scenario == "helpful"
                self.texts[pair.negative] = pair.absent_category if helpful else large
            largest = min(record.annotation.objects, key=lambda o: o.size_rank)
            self.images[record.image_path] = largest.category
        self.images.update({path: category for category, path in dataset.gallery.items()})

    def encode_text(self, texts: list[str]) -> np.ndarray:
        return np.stack([one_hot(self.texts[t]) for t in texts])

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        return np.stack([one_hot(self.images[Path(p)]) for p in paths])


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return eval_dataset(tmp_path_factory.mktemp("tasks") / "renders")


def context(root: Path, cache: Path, pick: int = -1) -> EvalContext:
    encoder = CachedEncoder(StandIn(root, pick), cache)
    return EvalContext(load_dataset(root), encoder, n_boot=50)


def cells(result: TaskResult, table: int = 0) -> dict[str, dict[str, float]]:
    return {r.group: {c: v.pct for c, v in r.cells.items()} for r in result.tables[table].rows}


def test_tor_places_the_retrieved_object_by_position(dataset_dir: Path, tmp_path: Path) -> None:
    last = cells(TASKS["tor"].run(context(dataset_dir, tmp_path, pick=-1)))
    assert last["4 objects"] == {"pos1": 0, "pos2": 0, "pos3": 0, "pos4": 100, "none": 0}
    assert last["3 objects"]["pos3"] == 100
    first = cells(TASKS["tor"].run(context(dataset_dir, tmp_path, pick=0)))
    assert first["4 objects"]["pos1"] == 100


def test_tor_paper_uses_the_bare_template(dataset_dir: Path, tmp_path: Path) -> None:
    result = TASKS["tor_paper"].run(context(dataset_dir, tmp_path, pick=1))
    assert cells(result)["4 objects"]["pos2"] == 100
    assert " and " in result.notes[0] and "'a " not in result.notes[0]


def test_tor_own_has_no_none_column(dataset_dir: Path, tmp_path: Path) -> None:
    result = TASKS["tor_own"].run(context(dataset_dir, tmp_path, pick=0))
    assert "none" not in result.tables[0].columns
    assert cells(result)["3 objects"]["pos1"] == 100


def test_tor_size_class_beside_the_named_shares(dataset_dir: Path, tmp_path: Path) -> None:
    result = TASKS["tor_size_class"].run(context(dataset_dir, tmp_path, pick=0))
    table = cells(result)
    assert result.tables[0].columns == ["small", "medium", "large", "none"]
    for k in (3, 4):  # the first-named object over every order: exactly the named shares
        assert table[f"{k} objects"] == pytest.approx(table[f"{k} objects, named"])
    last = cells(TASKS["tor_size_class"].run(context(dataset_dir, tmp_path, pick=-1)))
    assert last["4 objects"] == pytest.approx(table["4 objects"])
    classes = [
        load_vocabulary().category(o.category).size_class.value
        for r in load_dataset(dataset_dir).records
        if r.n_objects == 4
        for o in r.annotation.objects
    ]
    share = 100 * classes.count("large") / len(classes)
    assert table["4 objects, named"]["large"] == pytest.approx(share)


def test_ior_by_rank_and_role(dataset_dir: Path, tmp_path: Path) -> None:
    result = TASKS["ior"].run(context(dataset_dir, tmp_path))
    by_rank, by_role = cells(result, 0), cells(result, 1)
    assert by_rank["4 objects: 1 large + 3 small"] == {
        "rank1": 100, "rank2": 0, "rank3": 0, "rank4": 0, "none": 0,
    }  # fmt: skip
    assert by_role["4 objects: 1 large + 3 small"] == {"large": 100, "small": 0, "none": 0}
    assert by_role["3 objects: equal size"] == {"same": 100, "none": 0}
    assert result.tables[0].rows[0].n_images == 2


def test_ior_own_and_i2tor(dataset_dir: Path, tmp_path: Path) -> None:
    ctx = context(dataset_dir, tmp_path)
    assert cells(TASKS["ior_own"].run(ctx), 0)["3 objects: 1 large + 2 small"]["rank1"] == 100
    assert cells(TASKS["i2tor"].run(ctx), 1)["3 objects: 1 large + 2 small"]["large"] == 100


def test_itm_captions_helpful_passes_adversarial_fails(dataset_dir: Path, tmp_path: Path) -> None:
    result = TASKS["itm_captions"].run(context(dataset_dir, tmp_path, pick=0))
    assert cells(result) == {"helpful": {"correct": 100.0}, "adversarial": {"correct": 0.0}}
    assert [r.group for r in result.tables[0].rows] == ["helpful", "adversarial"]


def test_cache_embeds_each_input_once(dataset_dir: Path, tmp_path: Path) -> None:
    ctx = context(dataset_dir, tmp_path)
    TASKS["tor"].run(ctx)
    assert ctx.encoder.hits == 0 and ctx.encoder.misses > 0
    again = context(dataset_dir, tmp_path)  # a new run reads the files written by the first
    TASKS["tor"].run(again)
    assert again.encoder.misses == 0 and again.encoder.hits == ctx.encoder.misses


def test_images_without_gallery_answer_are_left_out_visibly(
    dataset_dir: Path, tmp_path: Path
) -> None:
    ctx = context(dataset_dir, tmp_path)
    first = ctx.dataset.records[0].annotation.objects[0].category
    ctx.dataset.gallery.pop(first)
    result = TASKS["ior"].run(ctx)
    n_used = sum(r.n_images for r in result.tables[0].rows)
    users = [r for r in ctx.dataset.records if first in r.annotation.spec.categories]
    assert n_used == len(ctx.dataset.records) - len(users)
    assert result.notes[0] == f"{len(users)} images left out: no gallery image for ['{first}']."
    ctx.dataset.gallery.clear()
    with pytest.raises(FileNotFoundError, match="gallery: no reference image"):
        TASKS["ior_own"].run(ctx)


def test_parse_tasks() -> None:
    assert parse_tasks("tor, ior") == ["tor", "ior"]
    assert parse_tasks("all") == list(TASKS)
    with pytest.raises(ValueError, match="'bogus'"):
        parse_tasks("tor,bogus")


class PlantedAttention(StandIn):
    """CLS attention planted on 4x4-pixel patches: `uniform` spreads it evenly, otherwise it
    all falls on one patch that the largest object covers completely."""

    patch = 4

    def __init__(self, root: Path, uniform: bool) -> None:
        super().__init__(root, pick=0)
        self.uniform = uniform
        self.masks = {r.image_path: [o.mask.decode() for o in r.annotation.objects]
                      for r in load_dataset(root).records}  # fmt: skip
        self.largest = {r.image_path: min(r.annotation.objects, key=lambda o: o.size_rank).index
                        for r in load_dataset(root).records}  # fmt: skip

    def mask_coverage(self, masks: list[np.ndarray]) -> np.ndarray:
        n, h, w = len(masks), *masks[0].shape
        stacked = np.stack(masks).astype(np.float32)
        return stacked.reshape(n, h // self.patch, self.patch, w // self.patch, self.patch).mean(
            axis=(2, 4)
        )

    def cls_attention(self, paths: list[Path]) -> np.ndarray:
        maps = []
        for path in paths:
            coverage = self.mask_coverage(self.masks[path])
            if self.uniform:
                planted = np.full(coverage.shape[1:], 1.0 / coverage[0].size)
            else:
                planted = np.zeros(coverage.shape[1:])
                full = np.argwhere(coverage[self.largest[path]] == 1.0)[0]
                planted[tuple(full)] = 1.0
            maps.append(np.stack([planted, planted]))  # two layers; the task reads the last
        return np.stack(maps)


def test_attention_shares_follow_a_planted_attention_map(dataset_dir: Path, tmp_path: Path) -> None:
    def run(uniform: bool) -> TaskResult:
        encoder = CachedEncoder(PlantedAttention(dataset_dir, uniform), tmp_path / str(uniform))
        return TASKS["attention"].run(EvalContext(load_dataset(dataset_dir), encoder, n_boot=20))

    focused = cells(run(uniform=False))
    for row in focused.values():
        assert row["rank1"] == pytest.approx(100) and row["background"] == pytest.approx(0)
    spread = run(uniform=True)  # attention spread evenly = each object's share of the patches
    attention, area = cells(spread, 0), cells(spread, 1)
    assert attention.keys() == area.keys()
    assert all(attention[group] == pytest.approx(area[group]) for group in area)
    assert all(0 < row["rank1"] < 100 for row in cells(spread, 0).values())


def test_retrievals_name_what_each_query_retrieved(dataset_dir: Path, tmp_path: Path) -> None:
    records = {r.annotation.id: r.annotation for r in load_dataset(dataset_dir).records}
    tor = TASKS["tor"].run(context(dataset_dir, tmp_path, pick=1))
    expected = {(i, c.text): c.categories[1] for i, a in records.items() for c in a.captions.orders}
    assert {(r.id, r.query): r.retrieved for r in tor.retrievals} == expected
    ior = TASKS["ior"].run(context(dataset_dir, tmp_path))
    largest = {i: min(a.objects, key=lambda o: o.size_rank).category for i, a in records.items()}
    assert {r.id: r.retrieved for r in ior.retrievals} == largest
    assert {r.query for r in ior.retrievals} == {"image"}
    run = EvalRun(dataset="d", n_images=len(records), comco_version="0",
                  runs=[ModelRun(model="m", fingerprint="f", device="cpu", seconds=0.0,
                                 results=[tor, ior])])  # fmt: skip
    save_run(run, tmp_path / "out")
    assert "retrievals" not in (tmp_path / "out" / "results.json").read_text()
    lines = [json.loads(x) for x in (tmp_path / "out" / RETRIEVALS_FILE).read_text().splitlines()]
    assert len(lines) == len(tor.retrievals) + len(ior.retrievals)
    assert lines[-1] == {"model": "m", "text_map": None, "task": "ior", "subset": None,
                         **ior.retrievals[-1].model_dump()}  # fmt: skip
