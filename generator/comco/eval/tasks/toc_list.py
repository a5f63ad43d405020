"""TOC as the ComCO paper's TOC_*_CLIP.py measures it: no renders. For each caption position a
set of unique sentences 'a X and a Y and a Z and a W' over the paper's name list, balanced so
every name is the probed position's object equally often; a linear head on the L2-normalised
text embeddings, Adam lr 1e-3, 10 epochs, batch 32, split 75/10/15 at random by sentence (each
sentence is unique, so no text is both trained and tested on); the figure is the last epoch's
test accuracy. The paper draws 180,000 sentences per position (2,000 per name); here
`EvalContext.list_queries` per position (0: the paper's 180,000).

comco's own `toc` probes the dataset's captions.
"""

from __future__ import annotations

import numpy as np

from comco.eval.probes.linear import ProbeConfig
from comco.eval.probes.protocol import mean_cell, run_slot_probe
from comco.eval.results import Row, Table, TaskResult
from comco.eval.tasks.context import EvalContext
from comco.eval.tasks.probes import seeds
from comco.eval.tasks.tor_list import NameList, name_lists

PAPER_SENTENCES = 180_000
TOC_PAPER = ProbeConfig("adam", 1e-3, 10, 32, normalise=True, keep="last")
SPLIT = (0.75, 0.10, 0.15)


def sentence(names: list[str]) -> str:
    return " and ".join(f"a {name}" for name in names)


def balanced_sentences(
    n_names: int, n: int, position: int, per_name: int, seed: int
) -> list[tuple[int, ...]]:
    """`per_name` unique n-name sentences (list indices) for each name at `position`, the other
    names drawn at random without repeats."""
    rng = np.random.default_rng([seed, n, position, 31])
    chosen: dict[tuple[int, ...], None] = {}
    for name in range(n_names):
        others = [i for i in range(n_names) if i != name]
        found = 0
        while found < per_name:
            rest = [others[i] for i in rng.choice(len(others), n - 1, replace=False)]
            combo = tuple([*rest[:position], name, *rest[position:]])
            if combo not in chosen:
                chosen[combo] = None
                found += 1
    return list(chosen)


def _position_rows(context: EvalContext, listed: NameList, n: int, per_name: int) -> list[Row]:
    """Accuracy and chance rows for n-name sentences: one probe per position."""
    names = listed.names
    outcomes = []  # per position, per seed
    for position in range(n):
        combos = balanced_sentences(len(names), n, position, per_name, context.seed)
        texts = [sentence([names[i] for i in combo]) for combo in combos]
        labels = np.array([[combo[position]] for combo in combos])
        vectors = context.encoder.encode_text(texts)
        outcomes.append(
            run_slot_probe(
                vectors, labels, texts, len(names), TOC_PAPER, seeds(context), fractions=SPLIT
            )
        )
    columns = [f"pos{p}" for p in range(1, n + 1)]
    tested = len(outcomes[0][0].test_rows)
    rows = []
    for group, score in ((listed.group(n), "accuracy"), (f"{listed.group(n)}, chance", "chance")):
        values = np.array([[getattr(o, score)()[0] for o in per_seed] for per_seed in outcomes])
        cells = {c: mean_cell(values[j]) for j, c in enumerate(columns)}
        rows.append(Row(group=group, n_images=tested, n_queries=tested, cells=cells))
    return rows


def toc_list(context: EvalContext) -> TaskResult:
    """Per position, the object named there predicted from the sentence's text embedding."""
    total = context.list_queries or PAPER_SENTENCES
    rows, notes = (
        [],
        [
            f"Heads: Linear(D, names), {TOC_PAPER.describe()}; split 75/10/15 by sentence. "
            f"Cells: mean over {context.probe_seeds} seeds with its 95% t-interval; ', chance': "
            "the train split's most common name.",
        ],
    )
    for listed in name_lists(context):
        names = listed.names
        per_name = max(1, total // len(names))
        notes.insert(
            0,
            f"Sentences ({listed.key} list): {per_name} per name and position "
            f"({per_name * len(names)} per position; the paper: {PAPER_SENTENCES}), e.g. "
            f"{sentence(names[:4])!r}.",
        )
        for n in listed.counts:
            rows += _position_rows(context, listed, n, per_name)
    table = Table(
        name="by_position",
        title="Name at each position of a list sentence, predicted by a linear head per "
        "position (one class per listed name)",
        unit="% of test sentences",
        columns=sorted({c for r in rows for c in r.cells}, key=lambda c: int(c[3:])),
        rows=rows,
    )
    return TaskResult(task="toc_list", model=context.model, tables=[table], notes=notes)
