"""TOR the way the ComCO paper's text scripts measure it: no renders, no scenes. Queries are
combinations of n names from the paper's own name list, in list order; candidates are the
list's single names, bare; both of the scripts' figures are reported (`comco.eval.top_n`).

- `tor_list` (TOR_*_CLIP.py): the query is the names joined with ' and '.
- `tor_long` (_LongPrompt): each name gets its own descriptive clause in one long sentence.
- `tor_sum` (_Sum): the query is the sum of the names' normalised embeddings, so it has no
  word order at all; what remains by position is how the list order places names.
- `tor_size` (_SizeCategory): two names, a big-object word and a small-object word, in the
  orders 'big and small' and 'small and big'.

The list is the paper's ComCO list (90 names) for a comco72 dataset and its SimCO list (18
shapes) for simco18; n is each object count the dataset's images have. Where C(names, n)
exceeds `EvalContext.list_queries`, a seeded uniform sample of the combinations is used.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml

from comco.eval.metrics import normalize
from comco.eval.results import TaskResult
from comco.eval.tasks.context import EvalContext
from comco.eval.top_n import SlotTables, ranked

LISTS = {"comco72": "comco", "simco18": "simco"}
SIZE_SEED = 42  # _SizeCategory's random.seed


@cache
def paper_lists() -> dict:
    """comco/data/paper_lists.yaml: the scripts' name lists and long prompts."""
    return yaml.safe_load(resources.files("comco").joinpath("data/paper_lists.yaml").read_text())


@dataclass(frozen=True)
class NameList:
    """The paper's list for one preset of the dataset, and that preset's object counts."""

    key: str  # 'comco' or 'simco'
    names: list[str]
    counts: list[int]

    def group(self, n: int) -> str:
        """The table row: '4 objects' on the ComCO list (Table 1's), else named."""
        return f"{n} objects" if self.key == "comco" else f"{n} objects, SimCO list"


def name_lists(context: EvalContext) -> list[NameList]:
    """One list per preset of the dataset that the paper has a list for."""
    counts: dict[str, set[int]] = {}
    for record in context.dataset.records:
        counts.setdefault(record.vocab, set()).add(len(set(record.categories)))
    known = [v for v in sorted(counts) if v in LISTS]
    if not known:
        raise NotImplementedError(
            f"the paper's name lists exist for {sorted(LISTS)}; the dataset uses {sorted(counts)}"
        )
    return [NameList(LISTS[v], list(paper_lists()[LISTS[v]]), sorted(counts[v])) for v in known]


def combinations(n_names: int, n: int, cap: int, seed: int) -> list[tuple[int, ...]]:
    """Every n-combination of list indices in list order, or (cap > 0 and fewer than all) a
    seeded uniform sample of `cap` of them, sorted into the same order."""
    if cap <= 0 or math.comb(n_names, n) <= cap:
        return list(itertools.combinations(range(n_names), n))
    rng = np.random.default_rng([seed, n, 23])
    chosen: set[tuple[int, ...]] = set()
    while len(chosen) < cap:
        chosen.add(tuple(sorted(int(i) for i in rng.choice(n_names, n, replace=False))))
    return sorted(chosen)


def named_in_text(text: str) -> Callable[[str], bool]:
    """The scripts' 'correct top-n' test on a text query: each retrieved name occurs in the
    sentence as a substring (so 'dog' counts as named in 'hot dog')."""
    return lambda name: name in text


def score(
    tables: SlotTables,
    group: str,
    names: list[str],
    name_vectors: np.ndarray,
    combos: list[tuple[int, ...]],
    queries: np.ndarray,
    texts: list[str] | None,
) -> None:
    """Tally each query: the slot of its top-1 and whether its top-n pass the script's test
    (substring in the text when there is one, else exact membership)."""
    similarity = normalize(queries) @ name_vectors.T
    for row, combo in enumerate(combos):
        top1, top_n = ranked(similarity[row], len(combo))
        if texts is None:
            correct = set(top_n) <= set(combo)
        else:
            occurs = named_in_text(texts[row])
            correct = all(occurs(names[i]) for i in top_n)
        slot = combo.index(top1) if top1 in combo else None
        tables.add(group, len(combo), slot, correct)


def _result(
    context: EvalContext, task: str, tables: SlotTables, what: str, notes: list[str]
) -> TaskResult:
    return TaskResult(
        task=task,
        model=context.model,
        tables=tables.tables(what, "position", "% of queries", context.n_boot, context.seed),
        notes=[*notes, *tables.notes(), "Intervals: 95% bootstrap over queries."],
    )


def _sampling_note(key: str, n_names: int, n: int, used: int) -> str:
    total = math.comb(n_names, n)
    if used == total:
        return f"{n} objects: all {total} combinations of the {key} list."
    return f"{n} objects: a seeded sample of {used} of the {total} combinations of the {key} list."


def _text_task(
    context: EvalContext, task: str, build: Callable[[list[str]], str | None], what: str
) -> TaskResult:
    tables, notes, example = SlotTables("pos"), [], ""
    for listed in name_lists(context):
        names = listed.names
        vectors = normalize(context.encoder.encode_text(names))
        for n in listed.counts:
            combos = combinations(len(names), n, context.list_queries, context.seed)
            texts = [build([names[i] for i in combo]) for combo in combos]
            if None in texts:
                notes.append(f"{n} objects: the script has no query for {n} names; left out.")
                continue
            queries = context.encoder.encode_text(texts)
            score(tables, listed.group(n), names, vectors, combos, queries, texts)
            notes.append(_sampling_note(listed.key, len(names), n, len(combos)))
            example = example or texts[0]
    notes.insert(0, f"Queries such as {example!r}; candidates: the list's bare names.")
    return _result(context, task, tables, what, notes)


def tor_list(context: EvalContext) -> TaskResult:
    """The paper's TOR: list-ordered name combinations joined with ' and '."""
    return _text_task(context, "tor_list", " and ".join, "the list's single names")


def long_prompt(names: list[str]) -> str | None:
    """_LongPrompt's sentence for these names (None beyond the 2-5 names it is written for)."""
    prompt = paper_lists()["long_prompts"].get(len(names))
    if prompt is None:
        return None
    for i, name in enumerate(names, start=1):
        prompt = prompt.replace(f"OBJ{i}", name)
    return prompt


def tor_long(context: EvalContext) -> TaskResult:
    """TOR with each name in its own clause of one long sentence; candidates stay bare."""
    return _text_task(context, "tor_long", long_prompt, "the list's single names")


def tor_sum(context: EvalContext) -> TaskResult:
    """TOR whose query is the sum of the combination's normalised name embeddings."""
    tables, notes = SlotTables("pos"), []
    for listed in name_lists(context):
        vectors = normalize(context.encoder.encode_text(listed.names))
        for n in listed.counts:
            combos = combinations(len(listed.names), n, context.list_queries, context.seed)
            sums = np.stack([vectors[list(combo)].sum(axis=0) for combo in combos])
            score(tables, listed.group(n), listed.names, vectors, combos, sums, None)
            notes.append(_sampling_note(listed.key, len(listed.names), n, len(combos)))
    notes.insert(
        0,
        "Query: the sum of the normalised name embeddings (no word order); positions are list "
        "positions, so a position effect here comes from where names sit in the list.",
    )
    return _result(context, "tor_sum", tables, "the list's single names", notes)


def size_lists() -> tuple[list[str], list[str], list[str]]:
    """_SizeCategory's small (sampled with its seed to the length of big), mid and big lists."""
    lists = paper_lists()
    big = list(lists["size_big"])
    small = random.Random(SIZE_SEED).sample(list(lists["size_small"]), len(big))
    return small, list(lists["size_mid"]), big


def sample_pairs(n_big: int, n_small: int, cap: int, seed: int) -> list[tuple[int, int]]:
    """Every (big, small) index pair in the script's order, or a seeded sample of `cap`."""
    pairs = [(b, s) for b in range(n_big) for s in range(n_small)]
    if cap <= 0 or len(pairs) <= cap:
        return pairs
    rng = np.random.default_rng([seed, 2, 29])
    return [pairs[i] for i in sorted(rng.choice(len(pairs), cap, replace=False))]


def tor_size(context: EvalContext) -> TaskResult:
    """Two names, one big-object word and one small-object word, in both orders; candidates
    are the small, mid and big lists together."""
    small, mid, big = size_lists()
    names = small + mid + big
    vectors = normalize(context.encoder.encode_text(names))
    index = {name: i for i, name in enumerate(names)}
    tables = SlotTables("pos")
    kept = sample_pairs(len(big), len(small), context.list_queries, context.seed)
    for group, pairs in (
        ("big and small", [(big[b], small[s]) for b, s in kept]),
        ("small and big", [(small[s], big[b]) for b, s in kept]),
    ):
        texts = [" and ".join(pair) for pair in pairs]
        combos = [tuple(index[name] for name in pair) for pair in pairs]
        score(tables, group, names, vectors, combos, context.encoder.encode_text(texts), texts)
    share = "every" if len(kept) == len(big) * len(small) else f"a seeded sample of {len(kept)}"
    notes = [
        f"Queries: {share} big x small pair ({len(big)} x {len(small)}) as 'big and small' and "
        f"as 'small and big'; candidates: the {len(names)} names of the small, mid and big "
        "lists. pos1 in 'big and small' is the big word; in 'small and big' the small one."
    ]
    return _result(context, "tor_size", tables, "the size lists' single names", notes)
