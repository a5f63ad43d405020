"""How fast `comco sample` makes specs: specs/s per configuration on one process, then the
paper's suite on 1 process and on every core, and peak memory.

Wall time on a shared machine measures the other jobs as much as the sampler, so the suite
rows also give CPU seconds per 1,000 specs (this process and its pool workers together) and
the wall time 10^6 specs would take on that many dedicated cores.

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


def _cpu_seconds() -> float:
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(name: str, lines, processes: int = 1) -> None:
    began, cpu = time.perf_counter(), _cpu_seconds()
    count = sum(1 for _ in lines)
    seconds, cpu = time.perf_counter() - began, _cpu_seconds() - cpu
    line = f"{name:34s} {count} specs in {seconds:6.2f} s = {count / seconds:7.0f} specs/s"
    if processes > 1 or name.startswith("paper suite"):
        million = cpu / count * 1e6 / processes
        line += f"; {1000 * cpu / count:.2f} CPU s per 1k, 10^6 in {million:.0f} s on {processes}"
    print(line)


def main(count: int) -> None:
    for name, config in CONFIGS.items():
        _timed(f"{name}, 1 process", spec_lines(dataset_jobs(config, count)))
    cores = os.cpu_count() or 1
    suite = [SamplerConfig(objects=k, large=large) for k, large in PAPER_SUITE]
    _timed("paper suite, 1 process", spec_lines(suite_jobs(suite, count)))
    lines = spec_lines(suite_jobs(suite, count), cores)
    _timed(f"paper suite, {cores} processes", lines, cores)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak_mb:.0f} MB (main process)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
