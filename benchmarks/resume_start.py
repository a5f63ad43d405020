"""Resume start-up at scale: how long a resumed `comco render` of N scenes takes to reach its
first render, on a local disk and with a modelled network file system (no Blender).

    python benchmarks/resume_start.py [--scenes 100000] [--todo 0] [--stat-latency-ms 1]
                                      [--folder DIR]

Fabricates a folder as a run killed after all but the last `--todo` scenes leaves it: N spec
lines (one toy scene under N ids and seeds), their spec digests, the finished scenes'
completion records and 2 empty image files each in shards of 1,000 (a resume checks presence
only), the gallery of the specs' preset, and dataset.json; then runs
the real `comco.runner.run.Run` with an engine that stops at its first `render` call, and
prints the seconds until then, split by phase (each phase's own calls, timed by wrapping
them). `--stat-latency-ms` sleeps that long in every `stat`, directory listing and `open` of
the timed resume, a model of a network file system's round trip; the calls are counted. A
folder built with `--folder` is kept and reused by later runs with the same N and todo.
"""

from __future__ import annotations

import argparse
import builtins
import functools
import hashlib
import io
import json
import multiprocessing
import os
import resource
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from comco.annotate.measure import QualityGates
from comco.assets.toy_library import build_toy_library, toy_scene
from comco.core.catalog import load_vocabulary
from comco.core.spec import SceneSpec
from comco.dataset.folder import DatasetFolder
from comco.dataset.info import SpecFacts
from comco.runner import completion, journal, provenance, run, tasks
from comco.runner.outputs import CAPTION_STYLE

ID_MARK, SEED_MARK = "s#######", 7777777  # stand-ins replaced in the template line


def _spec_id(i: int) -> str:
    return f"s{i:07d}"


def build(root: Path, n: int, todo: int) -> Path:
    """A folder of `n` scenes, all finished but the last `todo` (and its library and specs file
    beside it); return the specs file. Writes the files a run leaves directly, in their formats,
    for speed."""
    library = root.parent / "library"
    manifest = build_toy_library(library)
    base = toy_scene(0)
    template = base.model_copy(update={"id": ID_MARK, "seed": SEED_MARK}).model_dump_json()
    head, rest = template.split(ID_MARK)
    middle, tail = rest.split(str(SEED_MARK))
    folder = DatasetFolder(root)
    folder.images.mkdir(parents=True)
    specs = root.parent / f"{root.name}-specs.jsonl"
    with (
        open(specs, "w") as lines,
        open(folder.spec_digests, "w") as digests,
        open(folder.completed, "w") as completed,
    ):
        for i in range(n):
            spec_id = _spec_id(i)
            line = f"{head}{spec_id}{middle}{i}{tail}"
            lines.write(line + "\n")
            value = hashlib.sha256(line.encode()).hexdigest()
            digests.write(json.dumps({"key": spec_id, "sha256": value}, sort_keys=True) + "\n")
            if i >= n - todo:
                continue
            record = {"json": 0, "key": f"{i}:{spec_id}", "png": 0}
            completed.write(json.dumps(record, sort_keys=True) + "\n")
            png = folder.image(i, spec_id)
            png.parent.mkdir(exist_ok=True)
            for name in (png, png.with_suffix(".json")):
                os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o644))
        folder.gallery.mkdir()
        for category in load_vocabulary().presets[base.vocab]:
            png = folder.gallery_image(category)
            for name in (png, png.with_suffix(".json")):
                os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o644))
            record = {"json": 0, "key": f"gallery:{category}", "png": 0}
            completed.write(json.dumps(record, sort_keys=True) + "\n")
    facts = SpecFacts.of([base]).model_copy(update={"count": n, "seed_min": 0, "seed_max": n - 1})
    record = provenance.DatasetRecord(
        folder,
        None,
        library=library,
        library_sha256=manifest.library_sha256,
        specs_file=specs,
        facts=facts,
        limit=None,
        caption_style=CAPTION_STYLE,
        gates=QualityGates(),
    )
    record.mark_finished()
    return specs


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class FirstRender(Exception):
    """Raised by the engine at its first render call: the resume has decided what to do."""

    def __init__(self, todo: int):
        self.todo = todo


class StopAtRender:
    """An engine that renders nothing: it stops the run where rendering would begin."""

    def session(self) -> AbstractContextManager[None]:
        return nullcontext()

    def render(self, todo: list[Any], *_: Any) -> dict[str, Any]:
        raise FirstRender(len(todo))


class Phases:
    """Seconds and calls per phase, from wrapped functions (a phase inside itself counts
    once; a phase inside another counts in both)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.peak_mb: dict[str, float] = {}  # the process's peak when the phase last ended
        self.calls: Counter[str] = Counter()
        self._depth: Counter[str] = Counter()

    def wrap(self, owner: Any, name: str, phase: str) -> Callable[[], None]:
        """Time `owner.name` under `phase`; return the undo (a no-op when it does not exist)."""
        real = getattr(owner, name, None)
        if real is None:
            return lambda: None
        self.seconds[phase] += 0.0  # listed even when never called

        @functools.wraps(real)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth[phase] += 1
            began, began_cpu = time.perf_counter(), time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                self._depth[phase] -= 1
                if self._depth[phase] == 0:
                    self.seconds[phase] += time.perf_counter() - began
                    self.cpu[phase] += time.process_time() - began_cpu
                    self.peak_mb[phase] = _peak_mb()
                self.calls[phase] += 1

        setattr(owner, name, timed)
        return lambda: setattr(owner, name, real)


@contextmanager
def file_system_latency(latency_s: float, counts: Counter[str]) -> Iterator[None]:
    """Sleep `latency_s` in every stat, listing and open of this process; count them."""
    targets = [
        (os, "stat"), (os, "lstat"), (os, "listdir"), (os, "scandir"), (os, "open"),
        (io, "open"), (builtins, "open"),
    ]  # fmt: skip
    reals = [(owner, name, getattr(owner, name)) for owner, name in targets]

    def slowed(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            if latency_s:
                time.sleep(latency_s)
            return real(*args, **kwargs)

        return call

    for owner, name, real in reals:
        setattr(owner, name, slowed(name if owner is os else "open", real))
    try:
        yield
    finally:
        for owner, name, real in reals:
            setattr(owner, name, real)


def timed_resume(
    root: Path, specs: Path, latency_s: float
) -> tuple[float, float, Phases, Counter, int]:
    """Seconds and CPU seconds from the start of a resumed run to its first render call, the
    phases, the file system calls made, and the tasks left."""
    config = run.RunConfig(
        specs=specs, out=root, library=root.parent / "library", device="CPU", progress=False
    )
    phases, counts = Phases(), Counter()
    with ExitStack() as undo:
        undo.enter_context(file_system_latency(latency_s, counts))
        for owner, name, phase in [
            (completion.CompletionLog, "__init__", "completion journal"),
            (journal.RejectedLog, "__init__", "rejected journal"),
            (tasks, "SpecDigests", "spec digests"),
            (tasks, "check_and_record", "spec digests"),
            (os, "listdir", "shard listings"),
            (SceneSpec, "model_validate_json", "spec parsing"),
            (run, "scene_tasks", "scene_tasks"),
            (run, "DatasetRecord", "dataset.json (specs sha256, lines)"),
            (DatasetFolder, "clean_strays", "stray clean-up"),
            (run, "gallery_tasks", "gallery"),
        ]:
            undo.callback(phases.wrap(owner, name, phase))
        began, began_cpu = time.perf_counter(), time.process_time()
        try:
            run.Run(config, StopAtRender()).execute()  # type: ignore[arg-type]
            raise AssertionError("the run did not reach its render call")
        except FirstRender as stop:
            left = stop.todo
        total, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    return total, cpu, phases, counts, left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=100_000)
    parser.add_argument("--todo", type=int, default=0, help="of the scenes, the last not done")
    parser.add_argument("--stat-latency-ms", type=float, default=0.0)
    parser.add_argument("--folder", type=Path, help="build here, or reuse what is built here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-resume-") as tmp:
        base = args.folder or Path(tmp)
        root = base / f"out-{args.scenes}-{args.todo}"
        specs = base / f"{root.name}-specs.jsonl"
        if not (root / "dataset.json").is_file():
            if root.exists():
                raise SystemExit(f"{root} holds a folder whose build did not finish; delete it")
            began = time.perf_counter()
            builder = multiprocessing.get_context("fork").Process(
                target=build, args=(root, args.scenes, args.todo)
            )  # in a child, so the peak memory printed is the resume's
            builder.start()
            builder.join()
            if builder.exitcode:
                raise SystemExit(f"building {root} failed")
            print(f"built {args.scenes} scenes in {time.perf_counter() - began:.1f} s")
        latency = args.stat_latency_ms / 1000
        total, cpu, phases, counts, left = timed_resume(root, specs, latency)
    scale = 1e6 / args.scenes
    peak_mb = _peak_mb()
    calls = sum(counts.values())
    print(
        f"{args.scenes} scenes ({args.todo} to do), "
        f"{args.stat_latency_ms:g} ms per file-system call: "
        f"{calls} calls ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}), "
        f"{calls * latency:.1f} s of modelled latency"
    )
    inside = ("spec digests", "shard listings", "spec parsing")
    print(f"  {'phase':<38} {'wall s':>8} {'CPU s':>8}  calls  peak MB after")
    for phase, seconds in sorted(phases.seconds.items(), key=lambda kv: -kv[1]):
        name = f"  {phase}" if phase in inside else phase
        peak = phases.peak_mb.get(phase, 0.0)
        print(
            f"  {name:<38} {seconds:8.2f} {phases.cpu[phase]:8.2f}  {phases.calls[phase]:<5}  "
            f"{peak:.0f}"
        )
    rest = [d["scene_tasks"] - sum(d[q] for q in inside) for d in (phases.seconds, phases.cpu)]
    print(f"  {'  reading, hashing, matching lines':<38} {rest[0]:8.2f} {rest[1]:8.2f}")
    modelled = cpu + calls * latency
    print(
        f"first render call after {total:.2f} s wall, {cpu:.2f} CPU s; on a free core "
        f"~{modelled:.1f} s (CPU + modelled latency), {modelled * scale:.1f} s per 10^6 scenes; "
        f"{left} tasks left; peak memory {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
