"""The memory a run's task list holds: `scene_tasks` over N sampled paper-suite specs (a
fresh folder, so every line is a task), measured with tracemalloc, per task and in all.

    python benchmarks/task_memory.py [--n 20000]

A run holds every task from its start to its end, so this is the driver's fixed memory for
N scenes (the Ray engine sends each task's spec JSON and never parses it again).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from pathlib import Path

from comco.dataset.folder import DatasetFolder
from comco.runner.journal import RejectedLog
from comco.runner.tasks import scene_tasks
from comco.sampling.sampler import SamplerConfig, spec_lines
from comco.sampling.suites import PAPER_SUITE, suite_jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-tasks-") as tmp:
        specs = Path(tmp) / "specs.jsonl"
        suite = [SamplerConfig(objects=k, large=large) for k, large in PAPER_SUITE]
        with open(specs, "w") as f:
            f.writelines(line + "\n" for line in spec_lines(suite_jobs(suite, args.n)))
        folder = DatasetFolder(Path(tmp) / "out")
        folder.root.mkdir()
        line_bytes = specs.stat().st_size / args.n
        tracemalloc.start()
        began = time.perf_counter()
        scan = scene_tasks(specs, folder, RejectedLog(folder.rejected), None)
        seconds = time.perf_counter() - began
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    count = len(scan.tasks)
    print(f"{count} tasks from {args.n} paper-suite specs ({line_bytes:.0f} bytes per line)")
    print(f"task list held   {held / 2**20:.1f} MB, {held / 1024 / count:.2f} KB per task")
    print(f"peak while built {peak / 2**20:.1f} MB, {peak / 1024 / count:.2f} KB per task")
    print(f"scan             {seconds:.1f} s ({1e6 * seconds / count:.0f} us per line, traced)")


if __name__ == "__main__":
    main()
