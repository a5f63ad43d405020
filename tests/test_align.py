"""LABCLIP alignment on planted embeddings: a bag-of-words encoder scores chance on swaps,
and a map trained on swaps undoes a planted linear distortion of the text side."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from comco.eval.align import AlignConfig, TextMap, load_text_map, swap_accuracy, train_text_map

HALF = 32  # bag-of-words subspace, then binding subspace


class World:
    """Two coloured objects per scene. Every embedding is bag + binding: the bag sums a vector
    per colour word and per object word (order-free), the binding sums a vector per
    (colour, object) pair, so a swapped caption differs from the true one in binding only."""

    def __init__(self, seed: int = 0, colours: int = 8, objects: int = 10) -> None:
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.colour = rng.normal(size=(colours, HALF)) / np.sqrt(HALF)
        self.object = rng.normal(size=(objects, HALF)) / np.sqrt(HALF)
        self.pair = rng.normal(size=(colours, objects, HALF)) / np.sqrt(HALF)
        self.rotation = np.linalg.qr(rng.normal(size=(HALF, HALF)))[0]

    def scenes(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        colours = np.stack([self.rng.choice(len(self.colour), 2, replace=False) for _ in range(n)])
        objects = np.stack([self.rng.choice(len(self.object), 2, replace=False) for _ in range(n)])
        return colours, objects

    def embed(
        self, colours: np.ndarray, objects: np.ndarray, binding: float, rotate: bool = False
    ) -> np.ndarray:
        bag = self.colour[colours].sum(axis=1) + self.object[objects].sum(axis=1)
        bound = self.pair[colours, objects].sum(axis=1)
        bound = bound @ self.rotation.T if rotate else bound
        noise = 0.05 * self.rng.normal(size=bag.shape) / np.sqrt(HALF)
        return np.concatenate([bag + noise, binding * bound], axis=1)


def triples(world: World, n: int, binding: float, rotate: bool) -> tuple[np.ndarray, ...]:
    colours, objects = world.scenes(n)
    swapped = colours[:, ::-1]  # (c2 o1, c1 o2): the attribute swap
    return (
        world.embed(colours, objects, binding),  # images bind correctly
        world.embed(colours, objects, binding, rotate),
        world.embed(swapped, objects, binding, rotate),
    )


def test_bag_of_words_scores_chance_on_swaps() -> None:
    images, positives, negatives = triples(World(), 2000, binding=0.0, rotate=False)
    assert abs(swap_accuracy(images, positives, negatives).mean() - 0.5) < 0.05
    exact = swap_accuracy(images, positives, positives)  # identical captions tie: half each
    assert np.all(exact == 0.5)


def test_trained_map_undoes_a_planted_distortion(tmp_path: Path) -> None:
    world = World()
    train = triples(world, 2000, binding=1.0, rotate=True)
    test = triples(world, 1000, binding=1.0, rotate=True)
    before = swap_accuracy(*test).mean()
    assert before < 0.7  # the rotated binding no longer tells the swap apart
    text_map = train_text_map(*train, AlignConfig(epochs=50), seed=0, meta={"model": "planted"})
    images, positives, negatives = test
    after = swap_accuracy(images, text_map.apply(positives), text_map.apply(negatives)).mean()
    assert after > 0.95
    path = text_map.save(tmp_path / "A.safetensors")
    again = load_text_map(path)
    np.testing.assert_array_equal(again.matrix, text_map.matrix)
    assert again.meta == {"model": "planted"}


def test_same_seed_same_map() -> None:
    train = triples(World(), 300, binding=1.0, rotate=True)
    first = train_text_map(*train, AlignConfig(epochs=2), seed=1)
    again = train_text_map(*train, AlignConfig(epochs=2), seed=1)
    np.testing.assert_array_equal(first.matrix, again.matrix)


def test_bad_maps_and_widths_fail_clearly(tmp_path: Path) -> None:
    (tmp_path / "bogus.safetensors").write_bytes(b"not a map")
    with pytest.raises(ValueError, match="not a map from 'comco align train'"):
        load_text_map(tmp_path / "bogus.safetensors")
    identity = TextMap(np.eye(4, dtype=np.float32), 0.0, {"model": "hf:x"})
    with pytest.raises(ValueError, match=r"width 3, map of width 4.*hf:x"):
        identity.apply(np.ones((2, 3)))
