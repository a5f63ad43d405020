"""A render whose specs mix vocabularies gets a gallery for every one of them."""

from pathlib import Path

from comco.core.catalog import load_vocabulary
from comco.dataset.folder import DatasetFolder
from comco.runner.completion import CompletionLog
from comco.runner.journal import RejectedLog
from comco.runner.tasks import gallery_tasks
from comco.sampling.sampler import SamplerConfig, sample_scene


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
