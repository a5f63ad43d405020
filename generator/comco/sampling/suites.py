"""The standard suites: fixed lists of sampler configurations interleaved into one file."""

from __future__ import annotations

from collections.abc import Iterator

from comco.core.attributes import AttributeSetup
from comco.core.spec import Camera, RenderSettings
from comco.sampling.sampler import SamplerConfig, SceneDraw

# The paper's ComCO configurations: 2-5 objects, all the same size or one large.
PAPER_SUITE: tuple[tuple[int, int], ...] = tuple(
    (k, large) for large in (0, 1) for k in (2, 3, 4, 5)
)

# The binding suite's palette, also `--attributes color`'s when no --palette is given.
DEFAULT_PALETTE = "clevr8"

# The binding suite: SimCO and ComCO scenes of 2, 3, 4 and 6 same-size objects.
BINDING_SUITE: tuple[tuple[str, int], ...] = tuple(
    (vocab, k) for vocab in ("simco18", "comco72") for k in (2, 3, 4, 6)
)


def suite_jobs(configs: list[SamplerConfig], count: int, start: int = 0) -> Iterator[SceneDraw]:
    """Lines of several configurations interleaved (line j is config j % len, scene j // len),
    so any prefix of the file, and any `--limit`ed render of it, covers every configuration."""
    return (
        (configs[line % len(configs)], line // len(configs)) for line in range(start, start + count)
    )


def paper_suite(vocab: str, seed: int, camera: Camera, samples: int) -> list[SamplerConfig]:
    """The paper's eight configurations of one vocabulary."""
    return [
        SamplerConfig(
            vocab=vocab,
            objects=k,
            large=large,
            seed=seed,
            camera=camera,
            render=RenderSettings(samples=samples),
        )
        for k, large in PAPER_SUITE
    ]


def binding_suite(seed: int, camera: Camera, samples: int) -> list[SamplerConfig]:
    """The standard binding configurations, held-out pairs seeded by the suite's seed."""
    return [
        SamplerConfig(
            vocab=vocab,
            objects=k,
            seed=seed,
            camera=camera,
            render=RenderSettings(samples=samples),
            attributes=AttributeSetup(
                palette=DEFAULT_PALETTE,
                kinds=["color"],
                distinct=True,
                holdout_fraction=0.1,
                holdout_seed=seed,
            ),
        )
        for vocab, k in BINDING_SUITE
    ]
