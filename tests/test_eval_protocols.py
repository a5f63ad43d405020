"""The tasks that follow the papers' protocols, on planted encoders whose answers are worked out
by hand from the original scripts' rules (clip-oscope: IOR.py, TOR_*_CLIP*.py,
Image_Text_Matching.py; see docs/PROTOCOLS.md)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from comco.captions.plain import caption_style, names_caption
from comco.core.catalog import load_vocabulary
from comco.eval.align_run import alignment_split, scene_pairs
from comco.eval.cache import CachedEncoder
from comco.eval.dataset import EvalDataset, load_dataset
from comco.eval.encoders import ModelSpec
from comco.eval.results import Row, Table, TaskResult
from comco.eval.tasks import TASKS
from comco.eval.tasks.binding_labclip import caption_set
from comco.eval.tasks.context import EvalContext
from comco.eval.tasks.itm import paper_pairs
from comco.eval.tasks.toc_list import balanced_sentences
from comco.eval.tasks.tor_list import (
    combinations,
    long_prompt,
    paper_lists,
    sample_pairs,
    score,
    size_lists,
)
from comco.eval.top_n import SlotTables, ranked
from support.scenes import POOL, binding_dataset, eval_dataset

CATEGORIES = load_vocabulary().presets["comco72"]
NAMES = list(
    dict.fromkeys(
        name
        for key in ("comco", "simco", "size_small", "size_mid", "size_big")
        for name in paper_lists()[key]
    )
)


def long_pattern(n: int) -> re.Pattern[str]:
    """_LongPrompt's sentence for n names with each OBJk as a capture group."""
    text = re.escape(paper_lists()["long_prompts"][n])
    for k in range(1, n + 1):
        text = text.replace(f"OBJ{k}", "(.+?)")
    return re.compile(f"^{text}$")


def one_hot(index: int, size: int) -> np.ndarray:
    vector = np.full(size, 1e-3)
    vector[index] = 1.0
    return vector


def names_in(text: str) -> list[str]:
    """The listed names a name-list query holds, in order (bare join or long prompt)."""
    if text in NAMES:
        return [text]
    parts = text.split(" and ")
    if all(p in NAMES for p in parts):
        return parts
    for n in range(2, 6):
        if match := long_pattern(n).match(text):
            return list(match.groups())
    raise KeyError(text)


class Planted:
    """Text and image encoders built from rules; `modalities` both."""

    modalities = frozenset({"text", "image"})

    def __init__(
        self, name: str, text: Callable | None = None, image: Callable | None = None
    ) -> None:
        self.spec = ModelSpec("hf", name)
        self.fingerprint = name.ljust(24, "0")
        self.text, self.image = text, image

    def encode_text(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.text(t) for t in texts])

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        return np.stack([self.image(Path(p)) for p in paths])


def run(
    task: str, dataset: EvalDataset, encoder: Planted, cache: Path, **options: int
) -> TaskResult:
    context = EvalContext(dataset, CachedEncoder(encoder, cache), n_boot=20, **options)
    return TASKS[task].run(context)


def table(result: TaskResult, name: str) -> dict[str, Row]:
    (found,) = [t for t in result.tables if t.name == name]
    return {row.group: row for row in found.rows}


def pct(row: Row) -> dict[str, float]:
    return {c: round(v.pct, 2) for c, v in row.cells.items()}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> EvalDataset:
    """15 scenes: five each of 1 large + 3 small, 1 large + 2 small, 3 of equal size."""
    return load_dataset(eval_dataset(tmp_path_factory.mktemp("protocols") / "renders", 15))


# --- the 'correct top-n' rule itself ------------------------------------------------------


def test_ranked_breaks_ties_by_the_lower_index() -> None:
    assert ranked(np.array([0.1, 0.9, 0.5, 0.9]), 3) == (1, [1, 3, 2])


def test_text_queries_use_the_scripts_substring_test_and_sums_exact_membership() -> None:
    names = ["dog", "hot dog", "cat"]
    vectors = np.eye(3)
    query = np.array([[0.9, 0.0, 1.0]])  # top-2: cat, dog; 'dog' occurs in 'hot dog'
    for texts, conditioned in ((["hot dog and cat"], 1), (None, 0)):
        tables = SlotTables("pos")
        score(tables, "2 objects", names, vectors, [(1, 2)], query, texts)
        every, correct = tables.tables("names", "position", "%", 0, 0)
        assert every.rows[0].cells["pos2"].pct == 100  # cat, named second
        assert correct.rows[0].n_queries == conditioned


def test_combinations_keep_list_order_and_sample_without_repeats() -> None:
    every = combinations(6, 3, cap=0, seed=0)
    assert len(every) == math.comb(6, 3) and every == sorted(every)
    assert all(list(c) == sorted(c) for c in every)
    sample = combinations(90, 4, cap=50, seed=1)
    assert len(set(sample)) == 50 and sample == sorted(sample)
    assert sample == combinations(90, 4, cap=50, seed=1) != combinations(90, 4, cap=50, seed=2)
    assert len(sample_pairs(43, 43, 0, 0)) == 43 * 43 and len(sample_pairs(43, 43, 10, 0)) == 10


# --- IOR (Table 2) -------------------------------------------------------------------------


def test_ior_correct_top_n_counts_only_images_whose_top_4_are_their_objects(
    dataset: EvalDataset, tmp_path: Path
) -> None:
    """Five 4-object images: top-1 at size ranks 1, 1, 2, 1, 3; the last two have a foreign
    gallery object in their top 4. The paper's figure: among the 3 clean ones, rank 1 for 2
    and rank 2 for 1; over all 5, ranks 1, 2, 3 take 3, 1 and 1."""
    plan = [(1, False), (1, False), (2, False), (1, True), (3, True)]
    four = [r for r in dataset.records if r.n_objects == 4]
    assert len(four) == 5
    planted: dict[Path, np.ndarray] = {p: one_hot(CATEGORIES.index(c), 72)
                                       for c, p in dataset.gallery.items()}  # fmt: skip
    for record in dataset.records:
        by_rank = sorted(record.annotation.objects, key=lambda o: o.size_rank)
        planted[record.image_path] = one_hot(CATEGORIES.index(by_rank[0].category), 72)
    for record, (top, intruder) in zip(four, plan, strict=True):
        vector = np.zeros(72)
        by_rank = sorted(record.annotation.objects, key=lambda o: o.size_rank)
        for obj, weight in zip(by_rank, [0.5, 0.45, 0.4, 0.35], strict=True):
            vector[CATEGORIES.index(obj.category)] = weight
        vector[CATEGORIES.index(by_rank[top - 1].category)] = 1.0
        if intruder:
            foreign = next(c for c in POOL if c not in record.categories)
            vector[CATEGORIES.index(foreign)] = 0.48  # above ranks 3-4's weights, below top-1
        planted[record.image_path] = vector
    result = run("ior", dataset, Planted("ior", image=planted.__getitem__), tmp_path)
    group = "4 objects: 1 large + 3 small"
    correct = table(result, "correct_top_n")[group]
    assert pct(correct) == {"rank1": 66.67, "rank2": 33.33, "rank3": 0, "rank4": 0}
    assert (correct.n_images, correct.n_queries) == (5, 3)
    every = table(result, "by_size_rank")[group]
    assert pct(every) == {"rank1": 60, "rank2": 20, "rank3": 20, "rank4": 0, "none": 0}
    assert "4 objects: 1 large + 3 small: 3 of 5" in " ".join(result.notes)


# --- TOR on the paper's name list (Tables 1, 5) and its variants ---------------------------


def weighted(names: list[str], weights: list[float], extra: dict | None = None) -> np.ndarray:
    vector = np.zeros(len(NAMES))
    for name, weight in [*zip(names, weights, strict=False), *(extra or {}).items()]:
        vector[NAMES.index(name)] = weight
    return vector


def first_named(text: str) -> np.ndarray:
    """Single names as themselves; a query as its names, the first one strongest."""
    named = names_in(text)
    return weighted(named, [1.0, 0.6, 0.5, 0.4, 0.3])


@pytest.mark.parametrize("task", ["tor_list", "tor_long"])
def test_a_first_named_reader_scores_100_at_position_1_under_both_metrics(
    dataset: EvalDataset, tmp_path: Path, task: str
) -> None:
    result = run(task, dataset, Planted("first", text=first_named), tmp_path, list_queries=40)
    for name in ("by_position", "correct_top_n"):
        rows = table(result, name)
        assert set(rows) == {"3 objects", "4 objects"}
        for group, row in rows.items():
            k = int(group[0])
            expected = {f"pos{i}": 100.0 if i == 1 else 0.0 for i in range(1, k + 1)}
            assert pct(row) == (expected | {"none": 0} if name == "by_position" else expected)
            assert row.n_queries == 40
    assert "all" not in result.notes[1] and "seeded sample of 40" in result.notes[1]


def test_tor_list_conditions_on_a_clean_top_n(dataset: EvalDataset, tmp_path: Path) -> None:
    """The last-named object read strongest; where the first name's list index is even, a
    foreign name outranks everything: top-1 'none' over all queries, and the query leaves
    the correct top-n figure, which stays 100 % at the last position."""
    comco = paper_lists()["comco"]

    def last_or_foreign(text: str) -> np.ndarray:
        named = names_in(text)
        if len(named) == 1:
            return weighted(named, [1.0])
        weights = [*[0.3, 0.4, 0.5, 0.6][: len(named) - 1], 1.0]
        foreign = {"toothbrush": 1.2} if comco.index(named[0]) % 2 == 0 else {}
        return weighted(named, weights, foreign)

    result = run("tor_list", dataset, Planted("last", text=last_or_foreign), tmp_path,
                 list_queries=60)  # fmt: skip
    for k in (3, 4):
        combos = combinations(90, k, 60, 0)
        clean = sum(1 for c in combos if c[0] % 2 == 1 or 89 in c)  # 89: the foreign name
        shares = table(result, "by_position")[f"{k} objects"]
        assert shares.cells[f"pos{k}"].pct == pytest.approx(100 * clean / 60, abs=1e-9)
        conditional = table(result, "correct_top_n")[f"{k} objects"]
        assert conditional.n_queries == clean and conditional.cells[f"pos{k}"].pct == 100


def test_tor_sum_reads_list_positions_not_word_order(dataset: EvalDataset, tmp_path: Path) -> None:
    """Name i of the list (0-based) shares f_i = (i + 1) / 400 of one common direction, so two
    names' cosine is f_i * f_j. A summed query's similarity to its member j is then
    1 + f_j (S - f_j) (S: the members' total), to an outsider at most 0.2: the nearest is the
    member whose f is closest to S / 2, and every top-n is the query's own names."""
    comco = paper_lists()["comco"]

    def share(index: int) -> float:
        return (index + 1) / 400

    def vector(text: str) -> np.ndarray:
        (name,) = names_in(text)
        f = share(comco.index(name))
        out = np.zeros(len(NAMES) + 1)
        out[NAMES.index(name)], out[-1] = math.sqrt(1 - f * f), f
        return out

    result = run("tor_sum", dataset, Planted("sum", text=vector), tmp_path, list_queries=80)
    for k in (3, 4):
        expected = dict.fromkeys(range(1, k + 1), 0)
        for combo in combinations(90, k, 80, 0):
            total = sum(share(i) for i in combo)
            nearest = min(range(k), key=lambda p: abs(share(combo[p]) - total / 2))
            expected[nearest + 1] += 1
        row = table(result, "correct_top_n")[f"{k} objects"]
        assert row.n_queries == 80
        assert pct(row) == {f"pos{p}": round(100 * n / 80, 2) for p, n in expected.items()}
        assert len(set(expected.values())) > 1  # not 1/k at every position


def test_tor_size_pairs_big_and_small_words_in_both_orders(
    dataset: EvalDataset, tmp_path: Path
) -> None:
    small, mid, big = size_lists()
    assert (len(small), len(mid), len(big)) == (43, 40, 43)
    assert small[:3] == ["cake", "banana", "lipstick"]  # random.seed(42), as the script
    result = run("tor_size", dataset, Planted("first", text=first_named), tmp_path)
    rows = table(result, "correct_top_n")
    assert list(rows) == ["big and small", "small and big"]
    for row in rows.values():
        assert pct(row) == {"pos1": 100, "pos2": 0} and row.n_queries == 43 * 43


# --- ITM (Table 6) -------------------------------------------------------------------------


def test_itm_pairs_as_the_script_builds_them() -> None:
    """File name a_L_c_d with the large object in slot 2 and absent x."""
    assert paper_pairs(["a", "L", "c", "d"], 1, "x") == [
        (["L", "a", "c", "d"], ["x", "a", "c", "d"]),  # scenario 1: L replaced
        (["a", "d", "c", "L"], ["L", "a", "c", "x"]),  # scenario 2: L first, last replaced
    ]


def test_itm_a_first_named_reader_passes_scenario_1_and_fails_scenario_2(
    dataset: EvalDataset, tmp_path: Path
) -> None:
    vocabulary = load_vocabulary()
    ids = {vocabulary.category(c).name: c for c in CATEGORIES}
    images = {r.image_path: next(o.category for o in r.annotation.objects
                                 if o.size_role == "large") for r in dataset.records
              if any(o.size_role == "large" for o in r.annotation.objects)}  # fmt: skip

    def text(caption: str) -> np.ndarray:
        return one_hot(CATEGORIES.index(ids[caption.split(" and ")[0]]), 72)

    def image(path: Path) -> np.ndarray:
        return one_hot(CATEGORIES.index(images[path]), 72)

    result = run("itm", dataset, Planted("itm", text=text, image=image), tmp_path)
    rows = table(result, "accuracy")
    assert pct(rows["scenario 1: large first"]) == {"correct": 100}
    assert pct(rows["scenario 2: large last"]) == {"correct": 0}
    pairs = 5 * (72 - 4) + 5 * (72 - 3)  # every absent category of the preset, per image
    assert rows["scenario 1: large first"].n_queries == pairs
    assert "5 images left out" in result.notes[0]  # the equal-size scenes have no large object
    record = next(r for r in dataset.records if r.n_objects == 4)
    large = next(o.index for o in record.annotation.objects if o.size_role == "large")
    true, false = paper_pairs(list(record.categories), large, "zebra")[0]
    assert names_caption(false, caption_style("bare")).startswith("zebra and ")
    assert true[0] == record.categories[large]


# --- the report sets published figures only beside the paper's protocol ---------------------


def test_published_rows_address_only_tables_computed_the_papers_way() -> None:
    from comco.eval.paper import paper_rows

    for row in paper_rows():
        assert row.table in TASKS[row.task].paper_tables, row


def test_the_report_never_prints_a_published_row_beside_our_own_protocol(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from comco.eval import report
    from comco.eval.paper import PaperRow

    def any_row(task: str, name: str, group: str) -> list[PaperRow]:
        return [PaperRow(task=task, table=name, group=group, label="published",
                         values={"pos1": 1.0})]  # fmt: skip

    monkeypatch.setattr(report, "rows_for", any_row)
    row = Row(group="4 objects", n_images=1, n_queries=1, cells={})
    for task, name, shown in [("tor_list", "correct_top_n", True),
                              ("ior", "by_size_rank", False),
                              ("tor_paper", "by_position", False)]:  # fmt: skip
        lines = report.table_markdown(Table(name=name, title="t", unit="%",
                                            columns=["pos1"], rows=[row]), task)  # fmt: skip
        assert ("*published*" in "\n".join(lines)) == shown
        assert f"docs/PROTOCOLS.md#{TASKS[task].protocol}" in "\n".join(lines)


def test_long_prompt_gives_each_name_its_clause() -> None:
    text = long_prompt(["cat", "dog", "cup"])
    assert text.startswith("This vibrant display features a stunning cat with its radiant glow")
    assert "a mesmerizing dog with bold contours" in text and "an enchanting cup" in text
    assert long_prompt(["a"] * 6) is None


# --- LABCLIP's binding evaluation ----------------------------------------------------------


def words(text: str) -> np.ndarray:
    """A bag of words: the sum of one fixed vector per word (order and binding lost; summed in
    sorted order, so two orders of the same words give the same bits)."""
    out = np.zeros(64)
    for word in sorted(text.lower().split()):
        seed = sum(word.encode()) * 7919 + len(word)
        out += np.random.default_rng(seed).normal(size=64)
    return out


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> EvalDataset:
    """Two-object simco18 scenes in CLEVR's 8 colours (distinct colours per scene)."""
    return load_dataset(binding_dataset(tmp_path_factory.mktemp("labclip") / "renders", 12, 2))


def test_labclip_caption_set_is_the_configurations_not_the_renders() -> None:
    index = caption_set(["red", "blue"], ["cube", "sphere", "cone"])
    assert len(index) == 2 * 3 * 2 * 2 // 2  # ordered contents with o1 != o2, two orders one
    assert list(index)[:2] == [("red", "cube", "red", "sphere"), ("red", "cube", "red", "cone")]
    assert ("red", "sphere", "red", "cube") not in index
    eight, eighteen = [f"c{i}" for i in range(8)], [f"o{i}" for i in range(18)]
    assert len(caption_set(eight, eighteen)) == 8 * 18 * 8 * 17 // 2


def test_a_bag_of_words_model_passes_labclips_swap_rule_and_is_at_chance_under_ours(
    pairs: EvalDataset, tmp_path: Path
) -> None:
    vocabulary = load_vocabulary()
    planted: dict[Path, np.ndarray] = {}
    for record in pairs.records:
        a, b = record.annotation.spec.objects
        planted[record.image_path] = words(
            f"{a.color_name} {vocabulary.category(a.category).name} and "
            f"{b.color_name} {vocabulary.category(b.category).name}"
        )
    bow = Planted("bow", text=words, image=planted.__getitem__)
    labclip = run("binding_labclip", pairs, bow, tmp_path)
    retrieval = table(labclip, "retrieval")["2 objects"]
    cells = pct(retrieval)
    assert cells["R@5"] == 100 and cells["R@1"] + cells["reverse"] == 100  # own or its swap
    assert retrieval.n_images == len(pairs.records)
    assert pct(table(labclip, "swap")["2 objects"]) == {"accuracy": 100}  # every swap ties
    ours = run("binding", pairs, bow, tmp_path)
    assert pct(table(ours, "pairwise")["2 objects"])["attribute_swap"] == 50


def test_the_combination_split_tests_unseen_combinations_of_seen_pairs(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    root = tmp_path_factory.mktemp("split") / "renders"
    records = load_dataset(binding_dataset(root, 60, 2)).records
    split = alignment_split(records, seed=0)
    assert split.rule.startswith("LABCLIP's combination split")
    by_id = {r.annotation.spec.id: scene_pairs(r) for r in records}
    test = {by_id[i] for i in split.ids("test")}
    train = {by_id[i] for i in split.ids("train")}
    assert test and not test & train
    seen = set().union(*train)
    assert all(combination <= seen for combination in test)
    assert split.ids("test") != alignment_split(records, seed=1).ids("test")
    pair_level = alignment_split(records, seed=0, kind="pair")
    assert set(pair_level.ids("test")) == {
        r.annotation.spec.id for r in records if r.annotation.spec.split == "test"
    }


# --- LABCLIP's uni-modal probes: one per object type ---------------------------------------


@pytest.fixture(scope="module")
def coloured(tmp_path_factory: pytest.TempPathFactory) -> EvalDataset:
    """600 two-object scenes, 18 shapes in 8 colours (train, val and test pairs): enough for
    each (shape, colour) pair a probe is tested on to occur in training."""
    return load_dataset(binding_dataset(tmp_path_factory.mktemp("types") / "renders", 600, 2))


def caption_embedder(dataset: EvalDataset, bound: bool) -> Callable[[str], np.ndarray]:
    """Captions embed their colours by position (pos 1's colour, pos 2's colour) and, when
    `bound`, each (shape, colour) pair too; with `bound` False the shape is nowhere."""
    colours = sorted({o.color_name for r in dataset.records for o in r.annotation.spec.objects})
    shapes = load_vocabulary().presets["simco18"]
    table: dict[str, np.ndarray] = {}
    for record in dataset.records:
        objects = record.annotation.spec.objects
        captions = [*record.annotation.captions.orders, record.annotation.captions.binding.caption]
        for caption in captions:
            vector = np.zeros(2 * 8 + 18 * 8)
            for position, index in enumerate(caption.order):
                colour = colours.index(objects[index].color_name)
                vector[position * 8 + colour] = 1.0
                if bound:
                    vector[16 + shapes.index(objects[index].category) * 8 + colour] = 1.0
            table[caption.text] = vector
    return table.__getitem__


class TextOnly(Planted):
    modalities = frozenset({"text"})


def test_a_positional_colour_code_passes_the_slot_probe_and_fails_the_type_probe(
    coloured: EvalDataset, tmp_path: Path
) -> None:
    positional = TextOnly("positional", text=caption_embedder(coloured, bound=False))
    slots = run("color_probe", coloured, positional, tmp_path, probe_seeds=1)
    per_slot = table(slots, "text_by_position")["2 objects"]
    assert min(pct(per_slot).values()) >= 95  # the colour at each position is right there
    types = run("color_by_type", coloured, positional, tmp_path, probe_seeds=1)
    (name,) = [t.name for t in types.tables]
    text = table(types, "by_object_type")["text"]
    assert name == "by_object_type" and text.cells["mean over types"].pct < 75
    held = sum(r.annotation.spec.split in ("val", "test") for r in coloured.records)
    assert f"{held} scenes of the data's held-out pairs left out" in " ".join(types.notes)
    bound = TextOnly("bound", text=caption_embedder(coloured, bound=True))
    text = table(run("color_by_type", coloured, bound, tmp_path, probe_seeds=1), "by_object_type")
    assert text["text"].cells["mean over types"].pct >= 90


def test_the_datas_validation_scenes_never_train_a_probe() -> None:
    from comco.eval.probes.splits import split_scenes

    ids = [f"s{i}" for i in range(20)]
    split = split_scenes(ids, 0, held_out={"s0", "s1"}, validation={"s2", "s3", "s1"})
    assert split.assignment["s0"] == split.assignment["s1"] == "test"
    assert split.assignment["s2"] == split.assignment["s3"] == "val"
    assert "s2" not in split.ids("train") and len(split.ids("train")) > 10
    plain = split_scenes(ids, 0, validation={"s5"})
    assert plain.assignment["s5"] == "val" and len(plain.ids("val")) == 4
    assert split_scenes(ids, 0).digest == split_scenes(ids, 0, validation=()).digest


# --- TOC on the paper's synthetic sentences -------------------------------------------------


def test_toc_sentences_are_unique_and_balanced_per_name() -> None:
    combos = balanced_sentences(90, 4, 2, 3, seed=0)
    assert len(combos) == len(set(combos)) == 270
    assert all(len(set(c)) == 4 for c in combos)
    assert sorted(c[2] for c in combos) == sorted(list(range(90)) * 3)


def test_toc_list_reads_the_position_the_encoder_keeps(
    dataset: EvalDataset, tmp_path: Path
) -> None:
    """Sentences embed only their first name: its head is right, the others at chance."""

    def first_only(text: str) -> np.ndarray:
        first = text.split(" and ")[0].removeprefix("a ")
        return weighted([first], [1.0]) + 1e-3

    result = run("toc_list", dataset, TextOnly("toc", text=first_only), tmp_path,
                 list_queries=900, probe_seeds=1)  # fmt: skip
    rows = table(result, "by_position")
    for k in (3, 4):
        cells = pct(rows[f"{k} objects"])
        assert cells["pos1"] >= 75  # 7-8 train sentences per name, 10 epochs: about 86
        assert all(cells[f"pos{p}"] < 10 for p in range(2, k + 1))  # 90 names: chance ~1 %
    assert "last epoch" in " ".join(result.notes)
