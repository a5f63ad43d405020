"""Evaluating the original ComCO/SimCO release (`comco.dataset.original`) with this evaluator.

The release holds only images and the objects in their file names, so two measurements can be
made exactly, with objects matched by category id: TOR with the original's bare "X and Y"
captions in every order of the named objects (`tor_paper`), and IOR against the one-object
folder, reported by the retrieved object's slot in the file name (`ior`; the release does not
record which object is large, nor any mask or measured size). Every other task is listed as
skipped with what the layout lacks, instead of being guessed.
"""

from __future__ import annotations

import itertools
import time
from importlib.metadata import version
from pathlib import Path

from comco.captions.plain import caption_style, names_caption, single_object_captions
from comco.dataset.original import OriginalRelease
from comco.eval.cache import CachedEncoder
from comco.eval.encoders import load_encoder, resolve_device
from comco.eval.evaluate import modality_gap, save_run
from comco.eval.metrics import nearest
from comco.eval.results import EvalRun, ModelRun, Tally, TaskResult

LACKS = (
    "the original release layout has only images and object names: no captions of its own, "
    "masks, size roles or measured sizes"
)


def _positions(k: int) -> list[str]:
    return [f"pos{i}" for i in range(1, k + 1)] + ["none"]


def tor_paper(
    release: OriginalRelease, encoder: CachedEncoder, n_boot: int, seed: int
) -> TaskResult:
    """Every order of each image's named objects as a bare caption, vs every object caption."""
    style = caption_style("bare")
    orders = [list(itertools.permutations(i.categories)) for i in release.images]
    texts = [names_caption(list(o), style) for per_image in orders for o in per_image]
    queries = encoder.encode_text(texts)
    targets = {
        vocab: single_object_captions(vocab, style) for vocab in {i.vocab for i in release.images}
    }
    vectors = {vocab: encoder.encode_text(list(t.values())) for vocab, t in targets.items()}
    tally, row = Tally(), 0
    for image, per_image in zip(release.images, orders, strict=True):
        ids = list(targets[image.vocab])
        picks = nearest(queries[row : row + len(per_image)], vectors[image.vocab])
        row += len(per_image)
        columns = _positions(len(image.categories))
        hits = dict.fromkeys(columns, 0.0)
        for order, pick in zip(per_image, picks, strict=True):
            chosen = ids[pick]
            hits[f"pos{order.index(chosen) + 1}" if chosen in order else "none"] += 1
        counts = dict.fromkeys(columns, float(len(per_image)))
        tally.add_image(f"{len(image.categories)} objects", columns, hits, counts, len(per_image))
    table = tally.table(
        "by_position",
        "Object retrieved from all single-object captions, by its position in the caption",
        "% of captions",
        n_boot,
        seed,
    )
    notes = [f"Captions: every order of each file name's objects, e.g. {texts[0]!r}."]
    return TaskResult(task="tor_paper", model=str(encoder.spec), tables=[table], notes=notes)


def ior(release: OriginalRelease, encoder: CachedEncoder, n_boot: int, seed: int) -> TaskResult:
    """Each image vs the one-object gallery; the retrieved object's slot in the file name."""
    gallery = dict(release.gallery)
    missing = sorted({c for i in release.images for c in i.categories} - gallery.keys())
    if missing:
        raise FileNotFoundError(
            f"gallery: the one-object folders of {release.root} lack {missing}; expected an "
            "image per object the release uses (e.g. CoCo-OneObject/banana.png)"
        )
    ids = list(gallery)
    targets = encoder.encode_images([gallery[c] for c in ids])
    picks = nearest(encoder.encode_images([i.path for i in release.images]), targets)
    tally = Tally()
    for image, pick in zip(release.images, picks, strict=True):
        columns = [f"slot{i}" for i in range(1, len(image.categories) + 1)] + ["none"]
        chosen = ids[pick]
        hit = f"slot{image.categories.index(chosen) + 1}" if chosen in image.categories else "none"
        tally.add_image(image.config, columns, {hit: 1.0}, dict.fromkeys(columns, 1.0), 1)
    table = tally.table(
        "by_name_slot",
        f"Object retrieved from all {len(ids)} one-object images, by its slot in the file name",
        "% of images",
        n_boot,
        seed,
    )
    notes = ["Rows are the release's configuration folders; slot 1 is the first name."]
    return TaskResult(task="ior", model=str(encoder.spec), tables=[table], notes=notes)


# task name -> (modalities it needs, what measures it)
SUPPORTED = {"tor_paper": (frozenset({"text"}), tor_paper), "ior": (frozenset({"image"}), ior)}


def evaluate_original(
    release: OriginalRelease,
    models: list[str],
    tasks: list[str],
    out: Path,
    *,
    device: str = "auto",
    batch_size: int = 64,
    cache_dir: Path | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    limit: int | None = None,
) -> EvalRun:
    """The supported tasks per model; the rest recorded as skipped with the reason."""
    if limit is not None:
        release = OriginalRelease(release.root, release.images[:limit], release.gallery)
    runs = []
    for model in models:
        start = time.perf_counter()
        resolved = resolve_device(device)
        encoder = CachedEncoder(load_encoder(model, resolved, batch_size), cache_dir)
        results, skipped = [], {}
        for task in tasks:
            if task not in SUPPORTED:
                skipped[task] = f"{LACKS}; this layout supports {list(SUPPORTED)}"
                continue
            needs, measure = SUPPORTED[task]
            lacking = modality_gap(needs, encoder)
            if lacking:
                skipped[task] = lacking
                continue
            results.append(measure(release, encoder, n_boot, seed))
        runs.append(
            ModelRun(
                model=model,
                fingerprint=encoder.fingerprint,
                device=resolved,
                seconds=time.perf_counter() - start,
                results=results,
                skipped=skipped,
            )
        )
    run = EvalRun(
        dataset=str(release.root),
        n_images=len(release.images),
        comco_version=version("comco"),
        runs=runs,
    )
    save_run(run, out)
    return run
