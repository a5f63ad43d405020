"""How fast `comco sample` makes specs: specs/s per configuration on one process, then the
paper's suite on 1 process and on every core, and peak memory.

Wall time on a shared machine measures the other jobs as much as the sampler, so the suite
rows also give CPU seconds per 1,000 specs (this process and its pool workers together) and
the wall time 10^6 specs would take on that many dedicated cores. `--cli N` instead times
`comco suite -n N --jobs J` as a command (wall, CPU of it and its pool, load average).

    python benchmarks/sample_throughput.py [N]
    python benchmarks/sample_throughput.py --cli 200000 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def time_command(count: int, jobs: int) -> None:
    """`comco suite -n count --jobs jobs` in a child process: wall and CPU seconds."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "suite.jsonl"
        command = ["comco", "suite", "-n", str(count), "--jobs", str(jobs), "--out", str(out)]
        load = os.getloadavg()[0]
        began, cpu = time.perf_counter(), _cpu_seconds()
        entry = "from comco.cli import main; main()"
        subprocess.run([sys.executable, "-c", entry, *command[1:]], check=True, capture_output=True)
        seconds, cpu = time.perf_counter() - began, _cpu_seconds() - cpu
        size_mb = out.stat().st_size / 1e6
    print(
        f"{' '.join(command[:-2])}: {seconds:.1f} s wall, {cpu:.1f} CPU s "
        f"({1000 * cpu / count:.3f} per 1k), {size_mb:.0f} MB; load average "
        f"{load:.1f} before, {os.getloadavg()[0]:.1f} after"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=50_000)
    parser.add_argument("--cli", type=int, help="time `comco suite -n CLI` instead")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.cli:
        time_command(args.cli, args.jobs)
    else:
        main(args.count)
