"""A render whose specs mix vocabularies gets a gallery for every one of them, and a resume
reads the specs for a gallery only while one is left to do."""

from collections.abc import Iterator
from pathlib import Path

from comco.core.catalog import load_vocabulary
from comco.core.spec import SceneSpec
from comco.dataset.folder import DatasetFolder
from comco.runner.append_log import AppendLog
from comco.runner.completion import CompletionLog
from comco.runner.journal import RejectedLog
from comco.runner.tasks import gallery_tasks
from comco.sampling.sampler import SamplerConfig, sample_scene

VOCABS = ["comco72", "simco18", "comco72", "simco18"]


def test_a_mixed_simco_comco_run_renders_both_galleries(tmp_path: Path) -> None:
    simco = sample_scene(SamplerConfig(vocab="simco18", objects=2), 0)
    comco = sample_scene(SamplerConfig(vocab="comco72", objects=2), 0)
    folder = DatasetFolder(tmp_path / "run")
    rejected = RejectedLog(tmp_path / "rejected.jsonl")
    completed = CompletionLog(tmp_path / "completed.jsonl")
    presets = ["comco72", "simco18"]  # as the folder's facts list them
    tasks = gallery_tasks(presets, [simco, comco, simco], folder, rejected, completed)
    vocabulary = load_vocabulary().presets
    categories = [t.spec.categories[0] for t in tasks]
    assert categories == list(vocabulary["simco18"]) + list(vocabulary["comco72"])
    by_preset = {t.spec.categories[0]: t.spec.vocab for t in tasks}
    assert {by_preset[c] for c in vocabulary["comco72"]} == {"comco72"}
    assert all(t.spec.camera == comco.camera for t in tasks if t.spec.vocab == "comco72")


def _untouchable() -> Iterator[SceneSpec]:
    raise AssertionError("the specs were read")
    yield  # a generator: fails only when read


def test_specs_are_read_for_a_gallery_only_while_one_is_left_to_do(tmp_path: Path) -> None:
    folder = DatasetFolder(tmp_path / "run")
    folder.gallery.mkdir(parents=True)
    rejected = RejectedLog(tmp_path / "rejected.jsonl")
    records = AppendLog(tmp_path / "completed.jsonl")
    categories = list(load_vocabulary().presets["simco18"])
    for category in categories:  # every gallery image recorded and in place
        png = folder.gallery_image(category)
        png.touch()
        png.with_suffix(".json").touch()
        records.append({"key": f"gallery:{category}", "png": 0, "json": 0})
    completed = CompletionLog(tmp_path / "completed.jsonl")
    assert gallery_tasks(["simco18"], _untouchable(), folder, rejected, completed) == []
    folder.gallery_image(categories[1]).with_suffix(".json").unlink()
    read = []
    specs = [sample_scene(SamplerConfig(vocab=v, objects=2), i) for i, v in enumerate(VOCABS)]
    completed = CompletionLog(tmp_path / "completed.jsonl")
    tasks = gallery_tasks(
        ["simco18"], (read.append(s) or s for s in specs), folder, rejected, completed
    )
    assert [t.key for t in tasks] == [f"gallery:{categories[1]}"]
    assert [s.vocab for s in read] == ["comco72", "simco18"]  # up to simco18's first spec
    assert tasks[0].spec.camera == specs[1].camera
