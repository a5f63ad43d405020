import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comco.core import geometry
from comco.core.catalog import load_vocabulary
from comco.core.permutation import KeyedPermutation, ordered_tuple_count, unrank_ordered_tuple
from comco.core.spec import SizeRole
from comco.sampling import sampler
from comco.sampling.sampler import (
    SamplerConfig,
    _roles_and_scales,
    predicted_area,
    sample_scene,
    sample_scenes,
)
from comco.sampling.suites import suite_jobs

configs = st.builds(
    SamplerConfig,
    objects=st.integers(2, 5),
    large=st.integers(0, 1),
    layout=st.sampled_from(["free", "middle", "bottom-right", "down-left"]),
    all_orders=st.booleans(),
    seed=st.integers(0, 2**31 - 1),
    vocab=st.sampled_from(["comco72", "simco18", "coco80"]),
)


@settings(max_examples=60, deadline=None)
@given(config=configs, index=st.integers(0, 10_000))
def test_sampled_scenes_have_the_asked_roles_and_layout(config, index):
    """What the sampler decides; placement rules are SceneSpec's (tested in test_spec)."""
    vocab_size = len(load_vocabulary().presets[config.vocab])
    scene = sample_scene(config, index % ordered_tuple_count(vocab_size, config.objects))
    assert len(scene.objects) == config.objects
    roles = [o.size_role for o in scene.objects]
    assert roles.count(SizeRole.large) == config.large
    if not config.large:
        return
    areas = [predicted_area(o.category, *o.position, o.scale, scene.camera) for o in scene.objects]
    large = [areas[i] for i, r in enumerate(roles) if r is SizeRole.large]
    small = [areas[i] for i, r in enumerate(roles) if r is SizeRole.small]
    assert min(large) >= config.large_factor * max(small)
    big = scene.objects[roles.index(SizeRole.large)]
    ground = np.array([[big.position[0], big.position[1], 0.0]])
    pixels, _ = geometry.project(ground, scene.camera.matrix_world, scene.camera.intrinsics)
    x, y = pixels[0][0] / scene.camera.width - 0.5, pixels[0][1] / scene.camera.height - 0.5
    expected = {"middle": abs(x) < 0.2 and abs(y) < 0.25, "bottom-right": x > 0 and y > 0,
                "down-left": x < 0 and y > 0, "free": True}  # fmt: skip
    assert expected[config.layout], (config.layout, x, y)


@settings(max_examples=20, deadline=None)
@given(config=configs, start=st.integers(0, 300))
def test_scene_depends_only_on_seed_and_index(config, start):
    alone = sample_scene(config, start + 2)
    in_run = list(sample_scenes(config, 3, start=start))[2]
    assert alone.model_dump_json() == in_run.model_dump_json()


def test_same_arguments_give_the_same_bytes():
    config = SamplerConfig(objects=4, large=1, seed=3)
    first = [s.model_dump_json() for s in sample_scenes(config, 20)]
    second = [s.model_dump_json() for s in sample_scenes(config, 20)]
    assert first == second


def test_different_seeds_give_different_scenes():
    a = sample_scene(SamplerConfig(seed=1), 0)
    b = sample_scene(SamplerConfig(seed=2), 0)
    assert a.model_dump_json() != b.model_dump_json()


def test_all_orders_never_repeats_an_ordered_tuple():
    config = SamplerConfig(vocab="simco18", objects=2, all_orders=True, seed=5)
    total = ordered_tuple_count(18, 2)
    tuples = [tuple(s.categories) for s in sample_scenes(config, total)]
    assert len(set(tuples)) == total
    with pytest.raises(ValueError, match="only 306 ordered tuples"):
        sample_scene(config, total)


def test_simco_shapes_carry_distinct_colours():
    scene = sample_scene(SamplerConfig(vocab="simco18", objects=4), 0)
    names = [o.color_name for o in scene.objects]
    assert None not in names and len(set(names)) == 4


def test_more_large_than_objects_is_refused():
    with pytest.raises(ValueError, match="fewer large objects than objects"):
        SamplerConfig(objects=3, large=3)


@given(n=st.integers(1, 5000), key=st.integers(0, 2**63 - 1))
@settings(max_examples=30, deadline=None)
def test_keyed_permutation_is_a_bijection(n, key):
    permutation = KeyedPermutation(n, key)
    assert sorted(permutation(i) for i in range(n)) == list(range(n))


def test_unranking_covers_every_ordered_tuple_once():
    expected = set(itertools.permutations(range(6), 3))
    ranks = range(ordered_tuple_count(6, 3))
    assert {tuple(unrank_ordered_tuple(r, 6, 3)) for r in ranks} == expected


def test_a_thin_object_is_not_made_the_large_one_beside_bulky_ones():
    # a fork fills a few percent of its box; a microwave, oven and sink fill ~40 %
    config = SamplerConfig(objects=4, large=1)
    categories = ["fork", "microwave", "oven", "sink"]
    for seed in range(20):
        sizes = _roles_and_scales(config, categories, np.random.default_rng(seed))
        assert sizes[0][0] is SizeRole.small
        assert [role for role, _ in sizes].count(SizeRole.large) == 1


def test_pool_chunks_of_interleaved_configurations_keep_the_order(monkeypatch):
    """Pool tasks carry each configuration they use once, as bytes: many small chunks of an
    interleaved suite give the lines of one process, in order."""
    monkeypatch.setattr(sampler, "CHUNK_SCENES", 7)
    suite = [SamplerConfig(objects=k, large=large) for k, large in [(2, 0), (3, 1), (4, 0)]]
    one = list(sampler.spec_lines(suite_jobs(suite, 50)))
    assert list(sampler.spec_lines(suite_jobs(suite, 50), processes=2)) == one
