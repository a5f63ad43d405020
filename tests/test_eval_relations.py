"""The relations and counting tasks on rendered-format datasets, with planted encoders whose
answers are known: an order-blind one ties every argument swap (50 %), one that reads the
first noun's side passes every pair (100 %); one that reads the number passes every miscount
and a count probe reads a planted count."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from comco.captions.counting import count_text
from comco.captions.plain import caption_style
from comco.captions.relations import WORDS
from comco.core.relations import RelationSetup
from comco.core.spec import Camera
from comco.eval.cache import CachedEncoder
from comco.eval.dataset import load_dataset
from comco.eval.encoders import ModelSpec
from comco.eval.results import TaskResult
from comco.eval.tasks import TASKS
from comco.eval.tasks.context import EvalContext
from comco.eval.tasks.relations import scene_relations
from comco.sampling.counting import CountRange
from comco.sampling.sampler import SamplerConfig, sample_scenes
from support.fake_render import fake_rendered_dataset

DIM = 512
SPLIT = re.compile("|".join(f" {re.escape(w)} " for w in WORDS.values()))


def vector(*key: object) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(repr(key).encode()).digest()[:8], "little")
    return np.random.default_rng(seed).normal(size=DIM)


class Planted:
    """An encoder whose embeddings are looked up in `texts` and `images`."""

    def __init__(self, root: Path, name: str) -> None:
        self.spec = ModelSpec("hf", name)
        self.fingerprint = name.ljust(24, "0")
        self.modalities = frozenset({"text", "image"})
        self.dataset = load_dataset(root)
        self.texts: dict[str, np.ndarray] = {}
        self.images: dict[Path, np.ndarray] = {}

    def encode_text(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.texts[t] for t in texts])

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        return np.stack([self.images[Path(p)] for p in paths])


def subject_side(text: str) -> np.ndarray:
    """Reads only the first noun phrase and the relation word after it."""
    subject = SPLIT.split(text)[0]
    relation = next(w for w in WORDS.values() if f" {w} " in text)
    return vector("side", subject, relation)


def bag(text: str) -> np.ndarray:
    """Ignores word order: the same words give the same bits (summed in sorted order)."""
    return sum(vector("word", w) for w in sorted(text.split()))


def relation_encoder(root: Path, name: str, reader) -> Planted:
    """Texts through `reader`; an image is the sum of its true captions' embeddings."""
    encoder = Planted(root, name)
    context = EvalContext(encoder.dataset, encoder)  # type: ignore[arg-type]
    for record in encoder.dataset.records:
        total = np.zeros(DIM)
        for variant in scene_relations(record, context):
            for caption in variant.captions:
                encoder.texts[caption.text] = reader(caption.text)
                total = total + reader(caption.text)
            for negative in variant.negatives:
                encoder.texts[negative.text] = reader(negative.text)
        encoder.images[record.image_path] = total if np.any(total) else vector("empty")
    return encoder


def run(root: Path, encoder: Planted, task: str, cache: Path) -> TaskResult:
    context = EvalContext(load_dataset(root), CachedEncoder(encoder, cache), n_boot=50,
                          probe_seeds=2)  # fmt: skip
    return TASKS[task].run(context)


def cells(result: TaskResult, name: str) -> dict[str, dict[str, float]]:
    table = next(t for t in result.tables if t.name == name)
    return {r.group: {c: v.pct for c, v in r.cells.items()} for r in table.rows}


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two coloured SimCO shapes per scene, placed left/right and front/back of each other."""
    config = SamplerConfig(
        vocab="simco18", objects=2, seed=0, camera=Camera(width=96, height=96),
        relations=RelationSetup(axes=["left-right", "front-back"]),
    )  # fmt: skip
    root = tmp_path_factory.mktemp("rel") / "renders"
    return fake_rendered_dataset(root, list(sample_scenes(config, 24)), [], drop_rejected=True)


@pytest.fixture(scope="module")
def counts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = SamplerConfig(
        vocab="comco72", objects=2, seed=0, camera=Camera(width=128, height=128),
        counts=CountRange(low=1, high=4),
    )  # fmt: skip
    root = tmp_path_factory.mktemp("count") / "renders"
    return fake_rendered_dataset(root, list(sample_scenes(config, 48)), [], drop_rejected=True)


def test_an_order_blind_encoder_ties_every_argument_swap(pairs: Path, tmp_path: Path) -> None:
    result = run(pairs, relation_encoder(pairs, "bag", bag), "relations", tmp_path)
    table = cells(result, "pairwise")
    assert set(table) == {"simco, without colours", "simco, with colours"}
    for row in table.values():
        assert row["argument_swap"] == 50


def test_an_encoder_reading_the_first_nouns_side_passes_every_pair(
    pairs: Path, tmp_path: Path
) -> None:
    result = run(pairs, relation_encoder(pairs, "side", subject_side), "relations", tmp_path)
    for row in cells(result, "pairwise").values():
        assert row == {"argument_swap": 100, "relation_flip": 100}
    by_relation = cells(result, "by_relation")["simco, without colours"]
    assert set(by_relation) == {"left of", "right of", "in front of", "behind"}
    assert all(v == 100 for v in by_relation.values())
    distances = next(t for t in result.tables if t.name == "by_distance")
    assert distances.columns == ["< 2.5 m", "2.5-4 m", ">= 4 m"]
    row = distances.rows[0]
    assert sum(1 for c in row.cells.values() if not np.isnan(c.pct)) >= 2
    assert all(c.lo <= c.pct <= c.hi for c in row.cells.values() if not np.isnan(c.pct))


def number_reader(text: str) -> np.ndarray:
    """Reads the counted phrase (the words before the first 'and') exactly."""
    return vector("count", text.split(" and ")[0])


def test_a_number_reader_passes_miscounts_and_retrieves_counts(
    counts: Path, tmp_path: Path
) -> None:
    encoder = Planted(counts, "numbers")
    for record in encoder.dataset.records:
        made = record.annotation.captions.counting
        encoder.images[record.image_path] = number_reader(made.caption)
        for text in [made.caption, *(n.text for n in made.negatives)]:
            encoder.texts[text] = number_reader(text)
        for m in range(1, 5):  # every count's caption, for zero-shot retrieval
            text = count_text(record.annotation.spec, caption_style("articles"), made.category, m)
            encoder.texts[text] = number_reader(text)
    result = run(counts, encoder, "counting", tmp_path)
    pairwise = cells(result, "pairwise")
    assert set(pairwise) == {f"{n} of a kind" for n in range(1, 5)}
    known = {g: {k: v for k, v in row.items() if not np.isnan(v)} for g, row in pairwise.items()}
    assert known["1 of a kind"] == {"count_plus_1": 100, "count_plus_2": 100}
    every = ["count_minus_2", "count_minus_1", "count_plus_1", "count_plus_2"]
    assert known["3 of a kind"] == dict.fromkeys(every, 100)
    assert all(v == 100 for row in known.values() for v in row.values())
    assert all(row["exact"] == 100 for row in cells(result, "retrieval").values())


def test_the_count_probe_reads_a_planted_count_and_not_noise(counts: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    planted, noise = Planted(counts, "probe-count"), Planted(counts, "probe-noise")
    for record in planted.dataset.records:
        made = record.annotation.captions.counting
        texts = [made.caption, *(n.text for n in made.negatives)]
        texts += [
            count_text(record.annotation.spec, caption_style("articles"), made.category, m)
            for m in range(1, 5)
        ]
        for encoder in (planted, noise):
            encoder.texts.update({t: vector("t", t) for t in texts})
        planted.images[record.image_path] = 3 * vector("n", made.count) + rng.normal(size=DIM)
        noise.images[record.image_path] = rng.normal(size=DIM)
    readable = cells(run(counts, planted, "counting", tmp_path / "a"), "probe")
    unreadable = cells(run(counts, noise, "counting", tmp_path / "b"), "probe")
    assert all(v > 90 for v in readable["image probe"].values())
    assert np.nanmean(list(unreadable["image probe"].values())) < 60
