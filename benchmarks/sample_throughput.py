"""How fast `comco sample` makes specs: specs/s per configuration on one process, then the
paper's suite on every core, and peak memory.

    python benchmarks/sample_throughput.py [N]
"""

from __future__ import annotations

import os
import resource
import sys
import time

from comco.sampling.sampler import SamplerConfig, dataset_jobs, spec_lines
from comco.sampling.suites import PAPER_SUITE, suite_jobs

CONFIGS = {
    "2 same": SamplerConfig(objects=2),
    "3 one-large bottom-right": SamplerConfig(objects=3, large=1, layout="bottom-right"),
    "4 one-large all-orders": SamplerConfig(objects=4, large=1, all_orders=True),
    "5 same": SamplerConfig(objects=5),
}


def _timed(name: str, lines) -> None:
    began = time.perf_counter()
    count = sum(1 for _ in lines)
    seconds = time.perf_counter() - began
    print(f"{name:34s} {count} specs in {seconds:6.2f} s = {count / seconds:7.0f} specs/s")


def main(count: int) -> None:
    for name, config in CONFIGS.items():
        _timed(f"{name}, 1 process", spec_lines(dataset_jobs(config, count)))
    cores = os.cpu_count() or 1
    suite = [SamplerConfig(objects=k, large=large) for k, large in PAPER_SUITE]
    _timed(f"paper suite, {cores} processes", spec_lines(suite_jobs(suite, count), cores))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mb:.0f} MB (main process)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
