"""Resume start-up at scale: how long a resumed `comco render` takes to decide what is left,
before its first render, over N finished scenes (no Blender).

    python benchmarks/resume_start.py [--n 20000] [--stat-latency-ms 0]

Builds a folder of N finished scenes as a run leaves them (stand-in PNG and JSON files of a
few bytes, their completion records in completed.jsonl, the spec digests), then times what a
resume does before it renders: `CompletionLog` (one read of the journal) and `scene_tasks`
(reading and validating the specs, the digest check, two `stat`s per scene for the recorded
sizes), then the size checks alone again, to split the time. `--stat-latency-ms` adds that
much to every `stat`, a model of a network file system. Prints seconds, and seconds per 10^6
scenes at the same rate.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from comco.assets.toy_library import toy_scene
from comco.dataset.folder import DatasetFolder
from comco.runner.completion import CompletionLog
from comco.runner.journal import RejectedLog
from comco.runner.tasks import Task, scene_tasks

PNG_STAND_IN = b"\x89PNG\r\n\x1a\n" + bytes(8)
JSON_STAND_IN = b"{}"


def build(root: Path, n: int) -> Path:
    """A folder of `n` finished scenes and its specs file; return the specs file."""
    folder = DatasetFolder(root)
    specs = root.parent / "specs.jsonl"
    base = toy_scene(0)
    with open(specs, "w") as f:
        for i in range(n):
            f.write(base.model_copy(update={"id": f"s{i:07d}", "seed": i}).model_dump_json())
            f.write("\n")
    completed = CompletionLog(folder.completed)
    for i in range(n):
        spec_id = f"s{i:07d}"
        task = Task(key=f"{i}:{spec_id}", spec=base, png=folder.image(i, spec_id))
        task.png.parent.mkdir(parents=True, exist_ok=True)
        task.png.write_bytes(PNG_STAND_IN)
        task.annotation.write_bytes(JSON_STAND_IN)
        completed.add(task)
    scene_tasks(specs, folder, RejectedLog(folder.rejected), None)  # records the digests
    return specs


def timed_resume(
    root: Path, specs: Path, n: int, latency_s: float
) -> tuple[float, float, float, int, int]:
    """Seconds to read the journal, for `scene_tasks`, for its completion checks alone;
    scenes left; stats made by `scene_tasks`."""
    folder = DatasetFolder(root)
    real_stat = Path.stat
    stats = 0

    def slow_stat(self: Path, *args: Any, **kwargs: Any) -> os.stat_result:
        nonlocal stats
        stats += 1
        if latency_s:
            time.sleep(latency_s)
        return real_stat(self, *args, **kwargs)

    began = time.perf_counter()
    completed = CompletionLog(folder.completed)
    journal = time.perf_counter() - began
    Path.stat = slow_stat  # type: ignore[method-assign]
    try:
        began = time.perf_counter()
        todo, _, _ = scene_tasks(specs, folder, RejectedLog(folder.rejected), None, completed)
        tasks = time.perf_counter() - began
        made = stats
        base = toy_scene(0)
        scenes = [
            Task(key=f"{i}:s{i:07d}", spec=base, png=folder.image(i, f"s{i:07d}")) for i in range(n)
        ]
        began = time.perf_counter()
        assert all(completed.finished(task) for task in scenes)
        checks = time.perf_counter() - began
    finally:
        Path.stat = real_stat  # type: ignore[method-assign]
    return journal, tasks, checks, len(todo), made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--stat-latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-resume-") as tmp:
        root = Path(tmp) / "out"
        began = time.perf_counter()
        specs = build(root, args.n)
        print(f"built {args.n} finished scenes in {time.perf_counter() - began:.1f} s")
        latency = args.stat_latency_ms / 1000
        journal, tasks, checks, left, stats = timed_resume(root, specs, args.n, latency)
    scale = 1e6 / args.n
    total = journal + tasks
    print(
        f"stat latency    {args.stat_latency_ms:g} ms ({stats} stats, {stats / args.n:g} per scene)"
    )
    print(f"journal read    {journal:.2f} s  ({journal * scale:.1f} s per 10^6 scenes)")
    print(f"scene_tasks     {tasks:.2f} s  ({tasks * scale:.1f} s per 10^6 scenes)")
    print(f"  size checks   {checks:.2f} s  ({checks * scale:.1f} s per 10^6 scenes)")
    parse = tasks - checks
    print(f"  specs, rest   {parse:.2f} s  ({parse * scale:.1f} s per 10^6 scenes)")
    print(f"resume start    {total:.2f} s  ({total * scale:.1f} s per 10^6 scenes); {left} left")


if __name__ == "__main__":
    main()
