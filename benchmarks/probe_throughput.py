"""Training time of the trained probes and the LABCLIP map on cached embeddings (CPU).

Embeddings are planted (random slot vectors plus noise, 512-d like ViT-B/32), since the
time depends only on their number and width. One seed per probe; `comco eval` runs
`--probe-seeds` of them (default 5) per object count.

    nice .venv/bin/python benchmarks/probe_throughput.py [--sizes 10000,100000] [--dim 512]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from comco.eval.align import AlignConfig, train_text_map
from comco.eval.probes.linear import IOC, LABCLIP, TOC, ProbeConfig
from comco.eval.probes.protocol import run_slot_probe

SLOTS, CLASSES, COLOURS = 4, 72, 8


def planted(n: int, dim: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    codebook = rng.normal(size=(SLOTS, classes, dim)).astype(np.float32) / np.sqrt(dim)
    labels = rng.integers(0, classes, size=(n, SLOTS))
    x = sum(codebook[j, labels[:, j]] / (j + 1) for j in range(SLOTS))
    return x + 0.3 * rng.normal(size=(n, dim)).astype(np.float32) / np.sqrt(dim), labels


def time_probe(config: ProbeConfig, n: int, dim: int, classes: int) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of this process, slot-1 test accuracy."""
    x, labels = planted(n, dim, classes)
    ids = [f"s{i}" for i in range(n)]
    wall, cpu = time.perf_counter(), time.process_time()
    (outcome,) = run_slot_probe(x, labels, ids, classes, config, seeds=[0])
    return (
        time.perf_counter() - wall,
        time.process_time() - cpu,
        float(outcome.accuracy()[0]),
    )


def time_align(n: int, dim: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    images, positives, negatives = (rng.normal(size=(n, dim)).astype(np.float32) for _ in "abc")
    wall, cpu = time.perf_counter(), time.process_time()
    train_text_map(images, positives, negatives, AlignConfig(), seed=0)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--dim", type=int, default=512)
    args = parser.parse_args()
    time_probe(TOC, 200, args.dim, CLASSES)  # warm-up: torch.optim's first step imports ~15 s
    time_align(200, args.dim)
    print(f"dim {args.dim}, {SLOTS} slots, one seed; times include the 60/20/20 split and "
          "per-epoch validation")  # fmt: skip
    for n in (int(s) for s in args.sizes.split(",")):
        for name, config, classes in (
            ("toc (Adam, 10 epochs)", TOC, CLASSES),
            ("ioc (Adam, 25 epochs)", IOC, CLASSES),
            ("color_probe (SGD, 100 epochs)", LABCLIP, COLOURS),
        ):
            wall, cpu, accuracy = time_probe(config, n, args.dim, classes)
            print(
                f"{n:>7} embeddings  {name:34s} {wall:8.1f} s wall {cpu:8.1f} s CPU  "
                f"(slot-1 accuracy {accuracy:.2f})"
            )
        wall, cpu = time_align(n, args.dim)
        name = "align (Adam, 50 epochs, batch 128)"
        print(f"{n:>7} triples     {name:34s} {wall:8.1f} s wall {cpu:8.1f} s CPU")


if __name__ == "__main__":
    main()
