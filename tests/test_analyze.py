"""`comco analyze` on a COCO-format fixture with answers worked out by hand, plus planted corpora
for the knobs and one-line errors for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from comco.analyze.coco import MAX_CAPTION_CHARS, MAX_DEPTH, CocoFormatError
from comco.analyze.mentions import find_mentions, named_categories
from comco.analyze.run import AnalyzeRun, analyze
from comco.analyze.stats import size_ranks, spearman_mention_vs_size
from comco.analyze.words import build_lexicon, tokenize
from comco.cli import main

CATEGORY_IDS = {
    "person": 1, "bus": 6, "car": 3, "cat": 17, "dog": 18, "elephant": 22, "bear": 23,
    "orange": 55, "carrot": 57, "hot dog": 58, "dining table": 67, "tv": 72, "cell phone": 77,
    "teddy bear": 88, "widget": 900,
}  # fmt: skip

# image id -> (areas of its annotations by category, its captions); images are 100 x 100 px,
# so the default --min-area 0.01 keeps categories of 100 px and more
FIXTURE: dict[int, tuple[dict[str, list[float]], list[str]]] = {
    1: ({"car": [4000], "carrot": [500]}, ["A carrot lies next to a car."]),
    2: ({"dog": [3000], "hot dog": [800]}, ["A dog looks at a hot dog.", "A hot dog on a plate."]),
    3: ({"teddy bear": [2000], "bear": [6000, 1500]},
        ["A big brown bear next to a small teddy bear."]),
    4: ({"person": [5000, 2000], "cell phone": [300]}, ["Two women talking on cellphones."]),
    5: ({"tv": [2500], "cat": [1500], "person": [50]}, ["A cat watches television."]),
    6: ({"cat": [2000], "orange": [400]}, ["An orange cat sleeps."]),
    7: ({"orange": [600], "elephant": [7000]}, ["An orange next to a baby elephant."]),
    8: ({"dining table": [5000], "person": [3000], "dog": [1000]}, ["A man, a dog and a table"]),
    9: ({"bus": [6000], "car": [2000], "person": [1000]},
        ["A red double decker bus, a white car and a person"]),
    10: ({"widget": [3000], "dog": [2000]}, ["A dog with a widget."]),
    11: ({"car": [3000]}, ["A bus stop in the rain.", "A car parked at a bus stop."]),
    12: ({"person": [4000], "dog": [2000]}, ["A cat on a sofa."]),
    13: ({}, ["An empty street."]),
}  # fmt: skip
ORPHAN_CAPTION = (999, "A dog in an image the instances file lacks.")


def write_coco(
    folder: Path,
    images: dict[int, tuple[dict[str, list[float]], list[str]]],
    extra_captions: tuple[tuple[int, str], ...] = (),
) -> tuple[Path, Path]:
    """Captions and instances files in COCO 2017 layout (categories last, as COCO has them)."""
    folder.mkdir(parents=True, exist_ok=True)
    annotations, captions = [], []
    for image_id, (objects, texts) in images.items():
        for name, areas in objects.items():
            for area in areas:
                side = area**0.5
                annotations.append({
                    "id": len(annotations) + 1, "image_id": image_id,
                    "category_id": CATEGORY_IDS[name], "area": area, "iscrowd": 0,
                    "bbox": [0, 0, side, side], "segmentation": [[0, 0, side, 0, side, side]],
                })  # fmt: skip
        captions += [{"id": len(captions) + 1, "image_id": image_id, "caption": t} for t in texts]
    captions += [
        {"id": len(captions) + 1 + i, "image_id": image_id, "caption": text}
        for i, (image_id, text) in enumerate(extra_captions)
    ]
    listed = [{"id": i, "width": 100, "height": 100, "file_name": f"{i}.jpg"} for i in images]
    instances = {
        "info": {}, "licenses": [], "images": listed, "annotations": annotations,
        "categories": [{"id": i, "name": n, "supercategory": "x"} for n, i in CATEGORY_IDS.items()],
    }  # fmt: skip
    caption_file, instance_file = folder / "captions.json", folder / "instances.json"
    caption_file.write_text(json.dumps({"info": {}, "images": listed, "annotations": captions}))
    instance_file.write_text(json.dumps(instances))
    return caption_file, instance_file


@pytest.fixture
def fixture_run(tmp_path: Path) -> AnalyzeRun:
    captions, instances = write_coco(tmp_path, FIXTURE, (ORPHAN_CAPTION,))
    return analyze(captions, instances, n_boot=200)


def cells(run: AnalyzeRun, table: str, group: str) -> dict[str, float]:
    row = next(r for r in run.table(table).rows if r.group == group)
    return {c: cell.pct for c, cell in row.cells.items()}


def names(
    caption: str, categories: list[str]
) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    found = named_categories(find_mentions(tokenize(caption), build_lexicon(categories)))
    return [(n.category, n.colours, n.adjectives) for n in found]


COCO = list(CATEGORY_IDS)


def test_mentions_match_whole_phrases_never_substrings() -> None:
    assert names("A carrot and a Cars-sign.", COCO) == [("carrot", (), ()), ("car", (), ())]
    assert names("the hot-dog and the dog", COCO) == [("hot dog", (), ()), ("dog", (), ())]
    assert names("a teddy bear, not a bear", COCO) == [("teddy bear", (), ()), ("bear", (), ())]
    assert names("People with cell phones and a TV", COCO) == [
        ("person", (), ()), ("cell phone", (), ()), ("tv", (), ()),
    ]  # fmt: skip
    assert names("a bus stop", COCO) == []
    assert names("scattered cartons", COCO) == []


def test_category_words_that_describe_become_attributes() -> None:
    assert names("an orange cat", COCO) == [("cat", ("orange",), ())]
    assert names("an orange and white cat", COCO) == [("cat", ("orange", "white"), ())]
    assert names("an orange and a cat", COCO) == [("orange", (), ()), ("cat", (), ())]
    assert names("a baby elephant", COCO) == [("elephant", (), ("baby",))]
    assert names("a crying baby", COCO) == [("person", (), ())]
    assert names("a big black and white dog and a cat", COCO) == [
        ("dog", ("black", "white"), ("big",)), ("cat", (), ()),
    ]  # fmt: skip


def test_a_category_unknown_to_the_vocabulary_matches_by_its_name() -> None:
    assert names("Two widgets and a widget", ["widget"]) == [("widget", (), ())]


def test_spearman_agrees_with_the_textbook_formula() -> None:
    assert spearman_mention_vs_size([3, 2, 1]) == pytest.approx(1.0)
    assert spearman_mention_vs_size([1, 2, 3]) == pytest.approx(-1.0)
    assert spearman_mention_vs_size([3000, 1000, 5000]) == pytest.approx(-0.5)
    assert spearman_mention_vs_size([2, 2]) is None
    assert size_ranks([5, 7, 5, 1]) == [2.5, 1.0, 2.5, 4.0]
    scipy_stats = pytest.importorskip("scipy.stats")
    areas = [4.0, 9.0, 9.0, 1.0, 6.0]
    expected = scipy_stats.spearmanr(range(5), [-a for a in areas]).statistic
    assert spearman_mention_vs_size(areas) == pytest.approx(expected)


def test_size_order_on_the_fixture(fixture_run: AnalyzeRun) -> None:
    two, three = (
        cells(fixture_run, "first_largest", "k = 2"),
        cells(fixture_run, "first_largest", "k = 3"),
    )
    assert two == {
        "first named is largest": pytest.approx(300 / 7),
        "chance (1/k)": 50.0,
        "named largest first throughout": pytest.approx(300 / 7),
    }
    assert three["first named is largest"] == 50.0
    total = cells(fixture_run, "first_largest", "all (k ≥ 2)")
    assert total["first named is largest"] == pytest.approx(400 / 9)
    assert total["named largest first throughout"] == pytest.approx(400 / 9)
    assert total["chance (1/k)"] == pytest.approx(100 * (3.5 + 2 / 3) / 9)
    assert cells(fixture_run, "first_rank", "k = 2") == {
        "size rank 1": pytest.approx(300 / 7), "size rank 2": pytest.approx(400 / 7),
    }  # fmt: skip
    assert cells(fixture_run, "first_rank", "k = 3") == {
        "size rank 1": 50.0, "size rank 2": 50.0, "size rank 3": 0.0,
    }  # fmt: skip
    assert cells(fixture_run, "spearman", "k = 2")["Spearman ρ"] == pytest.approx(-1 / 7)
    assert cells(fixture_run, "spearman", "k = 3")["Spearman ρ"] == pytest.approx(0.25)
    row = next(r for r in fixture_run.table("first_largest").rows if r.group == "all (k ≥ 2)")
    assert (row.n_queries, row.n_images) == (9, 9)


def test_completeness_on_the_fixture(fixture_run: AnalyzeRun) -> None:
    assert cells(fixture_run, "completeness", "1 category") == {
        "categories named": 50.0, "largest named": 50.0,
    }  # fmt: skip
    assert cells(fixture_run, "completeness", "2 categories") == {
        "categories named": 80.0, "largest named": 80.0,
    }  # fmt: skip
    assert cells(fixture_run, "completeness", "3 categories")["categories named"] == 100.0
    total = cells(fixture_run, "completeness", "all")
    assert total["categories named"] == pytest.approx(100 * 23 / 28)
    assert total["largest named"] == pytest.approx(100 * 11 / 14)
    dog = next(n for n in fixture_run.naming if n.category == "dog")
    assert (dog.present, dog.named) == (5, 3)


def test_attribute_density_on_the_fixture(fixture_run: AnalyzeRun) -> None:
    first = cells(fixture_run, "attributes", "1st named")
    assert first == {"with a colour word": 25.0, "with any attribute word": 25.0}
    second = cells(fixture_run, "attributes", "2nd named")
    assert second["with a colour word"] == pytest.approx(100 / 9)
    assert second["with any attribute word"] == pytest.approx(100 / 3)
    total = cells(fixture_run, "attributes", "all")
    assert total["with a colour word"] == pytest.approx(100 * 4 / 23)
    assert total["with any attribute word"] == pytest.approx(100 * 6 / 23)


def test_what_could_not_be_matched_is_recorded(fixture_run: AnalyzeRun) -> None:
    assert fixture_run.counts == {
        "captions": 16,
        "captions naming no annotated category": 2,
        "captions of images without annotations": 1,
        "captions whose image_id is not in the instances file": 1,
    }
    assert fixture_run.named_not_annotated == {"cat": 1}
    assert fixture_run.unmatched_examples == ["A bus stop in the rain.", "A cat on a sofa."]
    assert fixture_run.vocabulary_misses == ["widget"]
    assert fixture_run.knobs.completeness == 0.82
    assert fixture_run.knobs.attribute_density == 0.17
    assert fixture_run.knobs.order == "random"


def planted(
    first_largest: bool, n: int = 60
) -> dict[int, tuple[dict[str, list[float]], list[str]]]:
    """Images of a dog (large) and a cat (small) whose captions name them in a set order."""
    caption = "A dog and a cat." if first_largest else "A cat and a dog."
    return {i: ({"dog": [5000.0], "cat": [500.0]}, [caption]) for i in range(1, n + 1)}


@pytest.mark.parametrize(
    ("largest_first", "order"), [(True, "saliency"), (False, "reverse-saliency")]
)
def test_suggested_order_follows_a_planted_saliency(
    tmp_path: Path, largest_first: bool, order: str
) -> None:
    run = analyze(*write_coco(tmp_path, planted(largest_first)), n_boot=100)
    assert run.knobs.order == order
    assert run.knobs.completeness == 1.0
    assert run.knobs.attribute_density == 0.0


def test_the_suggested_saliency_bias_is_the_share_of_largest_first_captions(
    tmp_path: Path,
) -> None:
    corpus = {i: ({"dog": [5000.0], "cat": [500.0]}, ["A dog and a cat."]) for i in range(1, 71)}
    corpus |= {i: ({"dog": [5000.0], "cat": [500.0]}, ["A cat and a dog."]) for i in range(71, 101)}
    # the largest first, but the other two out of order: not the saliency order
    three = {"dog": [5000.0], "cat": [500.0], "bear": [2000.0]}
    corpus |= {i: (three, ["A dog, a cat and a bear."]) for i in range(101, 121)}
    run = analyze(*write_coco(tmp_path, corpus), n_boot=20)
    assert cells(run, "first_largest", "k = 3")["first named is largest"] == 100.0
    assert cells(run, "first_largest", "k = 3")["named largest first throughout"] == 0.0
    assert run.knobs.saliency_bias == round(70 / 120, 2)
    assert run.knobs.flags().endswith(f"--saliency-bias {70 / 120:.2f}")
    assert "--order" not in run.knobs.flags()


def test_cli_writes_results_report_plots_and_the_knob_line(tmp_path: Path) -> None:
    captions, instances = write_coco(tmp_path / "data", FIXTURE, (ORPHAN_CAPTION,))
    out = tmp_path / "out"
    args = ["analyze", "--captions", str(captions), "--instances", str(instances),
            "--out", str(out), "--bootstrap", "50", "--suggest-knobs"]  # fmt: skip
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "--completeness 0.82 --attribute-density 0.17 --saliency-bias 0.44"
    )
    first = (out / "results.json").read_bytes()
    AnalyzeRun.model_validate_json(first)
    report = (out / "report.md").read_text()
    assert "## Size and mention order" in report and "| k = 2 | 7 | 7 |" in report
    for plot in ("first_mention_by_size_rank.png", "completeness_by_object_count.png"):
        assert f"plots/{plot}" in report
        assert (out / "plots" / plot).read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]
    again = CliRunner().invoke(main, args, catch_exceptions=False)
    assert again.exit_code == 0 and (out / "results.json").read_bytes() == first


def test_box_areas_need_no_area_field(tmp_path: Path) -> None:
    captions, instances = write_coco(tmp_path, planted(True, n=3))
    data = json.loads(instances.read_text())
    for annotation in data["annotations"]:
        del annotation["area"]
    instances.write_text(json.dumps(data))
    run = analyze(captions, instances, area="box", n_boot=10)
    assert cells(run, "first_largest", "k = 2")["first named is largest"] == 100.0
    with pytest.raises(ValueError, match=r"annotations\[0\]\.area: missing.*--area box"):
        analyze(captions, instances, n_boot=10)


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["analyze", *args])
    return result.exit_code, result.output


def test_bad_files_fail_with_one_line(tmp_path: Path) -> None:
    captions, instances = write_coco(tmp_path, planted(True, n=2))
    out = ["--out", str(tmp_path / "out")]

    code, output = run_cli("--captions", str(tmp_path / "nope.json"), "--instances", str(instances))
    assert code == 2 and "'--captions'" in output and "does not exist" in output

    truncated = tmp_path / "truncated.json"
    truncated.write_text(captions.read_text()[:-40])
    code, output = run_cli("--captions", str(truncated), "--instances", str(instances), *out)
    assert code == 1
    assert output.startswith(f"Error: captions file {truncated}: not valid JSON")
    assert len(output.strip().splitlines()) == 1

    wrong = tmp_path / "list.json"
    wrong.write_text("[1, 2, 3]")
    code, output = run_cli("--captions", str(wrong), "--instances", str(instances), *out)
    assert code == 1 and "no captions under 'annotations'" in output

    bad_caption = tmp_path / "bad_caption.json"
    bad_caption.write_text(json.dumps({"annotations": [{"image_id": 1, "caption": 5}]}))
    code, output = run_cli("--captions", str(bad_caption), "--instances", str(instances), *out)
    assert code == 1
    assert (
        output.strip()
        == f"Error: captions file {bad_caption}: annotations[0].caption: 5; expected str"
    )

    code, output = run_cli("--captions", str(instances), "--instances", str(captions), *out)
    assert code == 1 and "category" in output and len(output.strip().splitlines()) == 1

    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps({"annotations": [{"image_id": 77, "caption": "a dog"}]}))
    code, output = run_cli("--captions", str(elsewhere), "--instances", str(instances), *out)
    assert code == 1 and "no caption's image_id is in --instances" in output
    assert not (tmp_path / "out").exists()


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def edit_json(source: Path, target: Path, edit) -> Path:
    data = json.loads(source.read_text())
    edit(data)
    target.write_text(json.dumps(data))
    return target


def test_hostile_files_fail_with_one_line_and_leave_results_alone(tmp_path: Path) -> None:
    """Deep nesting is refused at the bound without building anything (20,000 levels in
    40 KB once peaked at 1 GB), fields are type-checked at their first event, sizes and
    areas are bounded; an earlier run's results stay as they were."""
    captions, instances = write_coco(tmp_path / "data", planted(True, n=2))
    out = tmp_path / "out"
    good = ["--captions", str(captions), "--instances", str(instances), "--out", str(out),
            "--bootstrap", "10"]  # fmt: skip
    assert run_cli(*good)[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    deep = tmp_path / "deep.json"
    text = instances.read_text()
    deep.write_text(text.replace('"segmentation": [[', f'"segmentation": [{nested(20_000)}, [', 1))
    deep_info = tmp_path / "deep_info.json"
    deep_info.write_text(f'{{"info": {nested(20_000)}, ' + text[1:])
    deep_caption = tmp_path / "deep_caption.json"
    deep_caption.write_text(f'{{"annotations": [{{"image_id": 1, "caption": {nested(500)}}}]}}')
    long_caption = edit_json(captions, tmp_path / "long.json", lambda d: d["annotations"][0]
                             .update(caption="a dog " * (MAX_CAPTION_CHARS // 6 + 1)))  # fmt: skip

    def instances_with(name: str, section: str, field: str, value: object) -> Path:
        return edit_json(instances, tmp_path / name, lambda d: d[section][1].update({field: value}))

    cases = [
        (captions, deep, f"annotations[0] nests deeper than {MAX_DEPTH} levels"),
        (captions, deep_info, f"info nests deeper than {MAX_DEPTH} levels"),
        (deep_caption, instances, "annotations[0].caption: an array; expected str"),
        (long_caption, instances, f"annotations[0].caption: {MAX_CAPTION_CHARS + 2} characters; "
         f"expected at most {MAX_CAPTION_CHARS}"),
        (captions, instances_with("w.json", "images", "width", 0),
         "images[1].width: 0; expected a positive number"),
        (captions, instances_with("h.json", "images", "height", -100),
         "images[1].height: -100; expected a positive number"),
        (captions, instances_with("a.json", "annotations", "area", 0.0),
         "annotations[1].area: 0.0; expected a positive number (or use --area box)"),
        (captions, instances_with("s.json", "annotations", "segmentation", {"x": 1}), None),
        (captions, instances_with("b.json", "annotations", "bbox", [0, 0, 10, 0, [1]]),
         "annotations[1].bbox: more than 4 values or a nested one"),
        (captions, instances_with("n.json", "categories", "name", "a b c d e f g"),
         "categories[1].name: 'a b c d e f g' has 7 words; expected at most 6"),
    ]  # fmt: skip
    for caption_file, instance_file, expected in cases:
        args = ["--captions", str(caption_file), "--instances", str(instance_file)]
        if expected is None:  # a field the analysis does not read may hold anything shallow
            assert run_cli(*args, "--out", str(tmp_path / "other"), "--bootstrap", "10")[0] == 0
            continue
        code, output = run_cli(*args, "--out", str(out), "--bootstrap", "10")
        assert code == 1, (expected, output)
        assert len(output.strip().splitlines()) == 1 and expected in output, output
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before

    box = instances_with("box.json", "annotations", "bbox", [0, 0, 10, -3])
    with pytest.raises(CocoFormatError, match=r"annotations\[1\]\.bbox: \[0, 0, 10, -3\]; "
                       "expected a positive, finite width and height"):  # fmt: skip
        analyze(captions, box, area="box", n_boot=10)
