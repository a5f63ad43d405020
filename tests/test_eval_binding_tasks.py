"""The trained-probe and binding tasks over rendered-format binding datasets, with stand-in
encoders whose embeddings are planted: the answer each table must show is known."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pytest

from comco.eval.cache import CachedEncoder
from comco.eval.dataset import load_dataset
from comco.eval.encoders import ModelSpec
from comco.eval.results import TaskResult
from comco.eval.tasks import TASKS
from comco.eval.tasks.context import EvalContext
from support.scenes import binding_dataset, eval_dataset

DIM = 96


def vector(*key: object) -> np.ndarray:
    """A fixed random unit-ish vector per key (the same in every process)."""
    seed = int.from_bytes(hashlib.sha256(repr(key).encode()).digest()[:8], "little")
    return np.random.default_rng(seed).normal(size=DIM) / np.sqrt(DIM)


class Planted:
    """Embeddings built from the annotations: `text` and `image` map an input to a vector."""

    def __init__(self, root: Path, name: str, modalities: frozenset[str]) -> None:
        self.spec = ModelSpec("hf", name)
        self.fingerprint = name.ljust(24, "0")
        self.modalities = modalities
        self.dataset = load_dataset(root)
        self.texts: dict[str, np.ndarray] = {}
        self.images: dict[Path, np.ndarray] = {}

    def encode_text(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.texts[t] for t in texts]).astype(np.float32)

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        return np.stack([self.images[Path(p)] for p in paths]).astype(np.float32)


def bag_of_words(text: str, bound: bool) -> np.ndarray:
    """Sum of word vectors; `bound` adds a vector per (position, word, next word), so 'red cube'
    differs from 'red sphere' beyond the words, and two captions naming the same coloured
    objects in another order differ too (without the position, 'a cyan torus and a purple
    cylinder' has the same pairs as 'a purple cylinder and a cyan torus')."""
    words = text.split()
    total = sum(vector("word", w) for w in words)
    if bound:
        pairs = enumerate(itertools.pairwise(words))
        total = total + sum(vector("pair", i, a, b) for i, (a, b) in pairs)
    return total


def binding_encoder(root: Path, bound: bool) -> Planted:
    encoder = Planted(root, f"bow-{bound}", frozenset({"text", "image"}))
    for record in encoder.dataset.records:
        caption = record.annotation.captions.binding
        for text in [caption.caption.text, *(n.text for n in caption.negatives)]:
            encoder.texts[text] = bag_of_words(text, bound)
        encoder.images[record.image_path] = bag_of_words(caption.caption.text, bound)
    return encoder


def slot_encoder(root: Path, weights: list[float], modalities: frozenset[str]) -> Planted:
    """Captions: sum over positions j of weights[j] * a vector for (j, category) and for
    (j, colour). Images: the same by size rank. Noise keeps faint slots unreadable."""
    encoder = Planted(root, "slots", modalities)
    rng = np.random.default_rng(0)

    def embed(categories: list[str], colours: list[str]) -> np.ndarray:
        total = 0.3 * rng.normal(size=DIM) / np.sqrt(DIM)
        for j, (category, colour) in enumerate(zip(categories, colours, strict=True)):
            total = total + weights[j] * (vector(j, category) + vector(j, colour))
        return total

    for record in encoder.dataset.records:
        spec = record.annotation.spec
        for caption in record.annotation.captions.orders:
            encoder.texts[caption.text] = embed(
                caption.categories, [spec.objects[i].color_name for i in caption.order]
            )
        ranked = sorted(record.annotation.objects, key=lambda o: o.size_rank)
        encoder.images[record.image_path] = embed(
            [o.category for o in ranked], [spec.objects[o.index].color_name for o in ranked]
        )
    return encoder


def run(root: Path, encoder: Planted, task: str, cache: Path, seeds: int = 2) -> TaskResult:
    context = EvalContext(
        load_dataset(root), CachedEncoder(encoder, cache), n_boot=50, probe_seeds=seeds
    )
    return TASKS[task].run(context)


def cells(result: TaskResult, table: int = 0) -> dict[str, dict[str, float]]:
    return {r.group: {c: v.pct for c, v in r.cells.items()} for r in result.tables[table].rows}


@pytest.fixture(scope="module")
def scenes3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return binding_dataset(tmp_path_factory.mktemp("bind") / "renders", 240)


@pytest.fixture(scope="module")
def one_large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return binding_dataset(tmp_path_factory.mktemp("large") / "renders", 240, large=1)


def test_bag_of_words_ties_swaps_and_passes_replacements(scenes3: Path, tmp_path: Path) -> None:
    table = cells(run(scenes3, binding_encoder(scenes3, bound=False), "binding", tmp_path))
    row = table["3 objects"]
    assert row["attribute_swap"] == 50 and row["attribute_replace"] == 100
    assert "object_swap" not in row  # one colour per object: no object swap is its own test


def test_a_binding_encoder_passes_every_kind_and_retrieves_its_caption(
    scenes3: Path, tmp_path: Path
) -> None:
    result = run(scenes3, binding_encoder(scenes3, bound=True), "binding", tmp_path)
    pairwise = cells(result, 0)["3 objects"]
    assert (pairwise["attribute_swap"], pairwise["attribute_replace"]) == (100, 100)
    assert cells(result, 1)["3 objects"] == {"R@1": 100, "R@5": 100, "reverse": 0}


def test_toc_reads_strong_positions_and_not_faint_ones(scenes3: Path, tmp_path: Path) -> None:
    encoder = slot_encoder(scenes3, [1.0, 0.5, 0.0], frozenset({"text"}))
    result = run(scenes3, encoder, "toc", tmp_path)
    objects, colours = cells(result, 0), cells(result, 1)
    for table in (objects, colours):
        row, chance = table["3 objects"], table["3 objects, chance"]
        # on L2-normalised features (the paper's TOC), 10 epochs reach about 86 here
        assert row["pos1"] > 80 and row["pos1"] > row["pos2"]
        assert (
            abs(row["pos3"] - chance["pos3"]) < 20
        )  # an unweighted position: no better than chance
    dataset = load_dataset(scenes3)
    test_ids = {r.annotation.spec.id for r in dataset.records if r.annotation.spec.split == "test"}
    assert result.tables[0].rows[0].n_images == len(test_ids)  # held-out pairs are the test split
    assert "held-out attribute-category pairs are test" in " ".join(result.notes)


def test_ioc_by_rank_and_role(one_large: Path, tmp_path: Path) -> None:
    encoder = slot_encoder(one_large, [3.0, 0.0, 0.0], frozenset({"image"}))
    result = run(one_large, encoder, "ioc", tmp_path)
    group = "3 objects: 1 large + 2 small"
    names = ["by_name_slot", "by_size_rank", "by_size_role"]
    assert [t.name for t in result.tables] == names  # the paper's heads per slot, then ours
    by_rank, by_role = cells(result, 1), cells(result, 2)
    # the data's 46 val scenes never train: 92 train images
    assert by_rank[group]["rank1"] > 60 and by_rank[group]["rank3"] < 40
    assert by_role[group]["large"] > 60 and by_role[group]["small"] < 40
    assert set(by_role[f"{group}, chance"]) == {"large", "small"}
    rank_row, role_row = (next(r for r in t.rows if r.group == group) for t in result.tables[1:])
    assert role_row.n_queries == 3 * rank_row.n_queries  # objects, not images: 3 per image


def test_colour_probe_text_only_model_says_so(scenes3: Path, tmp_path: Path) -> None:
    encoder = slot_encoder(scenes3, [1.0, 0.5, 0.0], frozenset({"text"}))
    result = run(scenes3, encoder, "color_probe", tmp_path, seeds=1)
    assert [t.name for t in result.tables] == ["text_by_position"]
    assert "Image probe not run: the model embeds text only." in result.notes
    assert cells(result)["3 objects"]["pos1"] > 90


def test_colour_probe_needs_colours(tmp_path: Path) -> None:
    root = eval_dataset(tmp_path / "plain", n_images=3)
    with pytest.raises(NotImplementedError, match="comco suite --binding"):
        run(root, Planted(root, "x", frozenset({"text"})), "color_probe", tmp_path)
    with pytest.raises(NotImplementedError, match=r"captions\.binding"):
        run(root, Planted(root, "x", frozenset({"text", "image"})), "binding", tmp_path)


def test_top_candidates_in_chunks_equal_a_full_sort() -> None:
    from comco.eval.tasks.binding import top_candidates

    rng = np.random.default_rng(0)
    queries, candidates = rng.normal(size=(50, 8)), rng.normal(size=(300, 8))
    candidates[7] = candidates[3]  # a tie: the lower index comes first
    queries[0] = candidates[3]
    full = np.argsort(-(queries @ candidates.T), axis=1, kind="stable")[:, :5]
    np.testing.assert_array_equal(top_candidates(queries, candidates, 5, chunk=7), full)
    assert top_candidates(queries, candidates, 5)[0, :2].tolist() == [3, 7]
