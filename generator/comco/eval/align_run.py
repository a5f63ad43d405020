"""The dataset side of LABCLIP alignment: which scenes train the map, the (image, caption,
attribute-swapped caption) triples, the held-out test scenes, and an encoder whose text
embeddings pass through a trained map."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from comco.eval.align import TextMap, TextMapError
from comco.eval.cache import CachedEncoder
from comco.eval.dataset import EvalDataset, EvalRecord
from comco.eval.probes.splits import Split, split_scenes
from comco.eval.tasks.binding import SWAP, binding_records

TRAINED_PROBES = frozenset({"toc", "ioc", "color_probe", "color_by_type"})  # train on train split
SPLITS = ("combination", "pair")
HELD_OUT_COMBINATIONS = 0.2  # share of a dataset's combinations a combination split tests on

Pair = tuple[str, str, str]  # (attribute kind, value, category)


def scene_pairs(record: EvalRecord) -> frozenset[Pair]:
    """The (kind, value, category) pairs of a scene's attributed objects."""
    kinds = ("color", "material")
    return frozenset(
        (kind, value, o.category)
        for o in record.annotation.spec.objects
        for kind, value in zip(kinds, (o.color_name, o.material), strict=True)
        if value is not None
    )


def combination_split(
    records: list[EvalRecord], seed: int, fraction: float = HELD_OUT_COMBINATIONS
) -> Split:
    """LABCLIP's split: a seeded share of the scenes' combinations (their sets of pairs) is
    test, each held out only while every one of its pairs stays in some training combination;
    so test combinations are new as combinations, never as pairs."""
    contents = {r.annotation.spec.id: scene_pairs(r) for r in records}
    combinations = sorted(set(contents.values()), key=sorted)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 13]))
    seen = Counter(pair for combination in combinations for pair in combination)
    held: set[frozenset[Pair]] = set()
    for i in rng.permutation(len(combinations)):
        if len(held) >= round(fraction * len(combinations)):
            break
        combination = combinations[i]
        if all(seen[pair] > 1 for pair in combination):
            held.add(combination)
            seen.subtract(combination)
    if not held:
        raise ValueError(
            f"split: none of {len(combinations)} combinations can be held out, each of them has "
            "a pair no other combination holds; expected more scenes (or --split pair)"
        )
    assignment = {k: "test" if v in held else "train" for k, v in contents.items()}
    rule = (
        f"LABCLIP's combination split: {len(held)} of {len(combinations)} combinations held "
        "out, each of their pairs seen in training"
    )
    return Split(assignment, seed, rule)


def alignment_split(records: list[EvalRecord], seed: int, kind: str = "combination") -> Split:
    """`combination`: LABCLIP's combination-level split (`combination_split`). `pair`: the
    binding data's own split (spec.split: scenes with a held-out attribute-category pair are
    test; harder: the test pairs were never seen), else a seeded 60/20/20 split by scene."""
    if kind not in SPLITS:
        raise ValueError(f"split: {kind!r} is not known; expected one of {list(SPLITS)}")
    if kind == "combination":
        return combination_split(records, seed)
    given = {r.annotation.spec.id: r.annotation.spec.split for r in records}
    if all(given.values()):
        return Split(given, seed, "the binding data's split (held-out attribute-category pairs)")
    return split_scenes(given, seed)


def check_alignment_split(split: Split) -> None:
    """A map needs scenes to train on and held-out scenes to test on: say which is missing
    and why, instead of failing later on an empty list."""
    counts = {name: len(split.ids(name)) for name in ("train", "val", "test")}
    total = sum(counts.values())
    if not counts["test"]:
        raise ValueError(
            f"split: no test scene among {total} ({counts}); every scene is 'train' because "
            "the specs were sampled without held-out pairs; expected a binding dataset sampled "
            "with --holdout-pairs F (comco suite --binding uses 0.1)"
        )
    if not counts["train"]:
        raise ValueError(
            f"split: no train scene among {total} ({counts}); every scene holds a held-out "
            "pair, so the map has nothing to train on; expected a smaller --holdout-pairs "
            "(a k-object scene is train only when none of its k pairs is held out)"
        )


def swap_triples(
    records: list[EvalRecord], encoder: CachedEncoder
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One (image, caption, attribute swap) triple per attribute-swap negative of each image."""
    rows, positives, negatives = [], [], []
    for i, record in enumerate(records):
        caption = record.annotation.captions.binding
        for negative in caption.negatives:
            if negative.kind == SWAP:
                rows.append(i)
                positives.append(caption.caption.text)
                negatives.append(negative.text)
    if not rows:
        raise ValueError(
            f"align: none of {len(records)} images has an attribute_swap negative; expected "
            "binding scenes with two or more attributed objects of different values"
        )
    images = encoder.encode_images([r.image_path for r in records])[rows]
    return images, encoder.encode_text(positives), encoder.encode_text(negatives)


def scenes_in(dataset: EvalDataset, split: Split, name: str) -> list[EvalRecord]:
    ids = set(split.ids(name))
    return [r for r in binding_records(dataset.records) if r.annotation.spec.id in ids]


def restrict_to_test_split(dataset: EvalDataset, text_map: TextMap, path: Path) -> EvalDataset:
    """The dataset restricted to the scenes the map was tested on (never trained on)."""
    test_ids = set(json.loads(text_map.meta.get("test_ids", "[]")))
    kept = [r for r in dataset.records if r.annotation.spec.id in test_ids]
    if not kept:
        raise TextMapError(
            f"text map: none of the {len(test_ids)} test scenes recorded in {path} is in "
            f"{dataset.source}; expected the dataset the map was trained on"
        )
    return replace(dataset, records=kept)


def probe_dataset(dataset: EvalDataset, text_map: TextMap) -> EvalDataset | str:
    """The whole dataset, for the trained probes of a text-map run: they train on its train
    split and test on the scenes holding a held-out pair, which are the map's own test scenes.
    A map trained on another split would let a probe test on scenes the map trained on: then
    the reason the probes are skipped."""
    test_ids = set(json.loads(text_map.meta.get("test_ids", "[]")))
    held_out = {r.annotation.spec.id for r in dataset.records if r.annotation.spec.split == "test"}
    if held_out != test_ids:
        return (
            f"the map's {len(test_ids)} test scenes are not the {len(held_out)} scenes the "
            "dataset holds out (spec.split 'test'), so a probe could test on scenes the map "
            "trained on; train the map with --split pair on data sampled with --holdout-pairs"
        )
    return dataset


class MappedEncoder:
    """A cached encoder whose text embeddings are mapped by A (images are unchanged)."""

    def __init__(self, encoder: CachedEncoder, text_map: TextMap, path: Path) -> None:
        trained_for = text_map.meta.get("fingerprint")
        if trained_for != encoder.fingerprint:
            raise TextMapError(
                f"text map: {path} was trained for {text_map.meta.get('model')} (fingerprint "
                f"{str(trained_for)[:12]}), not {encoder.spec} (fingerprint "
                f"{encoder.fingerprint[:12]}); expected a map trained for this model"
            )
        self.cached = encoder
        self.encoder = encoder.encoder
        self.spec = encoder.spec
        self.modalities = encoder.modalities
        self.fingerprint = encoder.fingerprint
        self.text_map = text_map

    @property
    def hits(self) -> int:
        return self.cached.hits

    @property
    def misses(self) -> int:
        return self.cached.misses

    def encode_text(self, texts: list[str]) -> np.ndarray:
        return self.text_map.apply(self.cached.encode_text(texts)).astype(np.float32)

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        return self.cached.encode_images(paths)
