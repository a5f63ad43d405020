"""`comco browse`: the static site's files (index, detail chunks, images, eval report), and the
page itself in headless Chromium: a filter, an opened image and its mask overlay, checked on
a screenshot against the masks decoded by pycocotools."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from comco.browse.catalog import CHUNK
from comco.browse.evaluation import MAX_QUERIES_SHOWN
from comco.browse.site import SiteError, write_site
from comco.cli import main
from comco.core.spec import SceneSpec
from comco.dataset.folder import DatasetFolder
from comco.eval.report import slug
from comco.eval.results import RETRIEVALS_FILE, Cell, EvalRun, ModelRun, Row, Table, TaskResult
from comco.runner.journal import RejectedLog, RejectionStage
from support.chromium import Browser, find_chromium
from support.scenes import knob_dataset

N_SCENES = 30
MODEL = "hf:/models/tiny-clip"


def _js_payload(path: Path, call: str) -> list:
    text = path.read_text()
    prefix = f"COMCO.{call}("
    assert text.startswith(prefix) and text.endswith(");\n")
    return json.loads(f"[{text[len(prefix) : -3]}]")


def _eval_folder(root: Path, ids: list[str]) -> Path:
    """A `comco eval` output with one planted table, its plot, and per image more TOR
    retrievals than the site shows."""
    table = Table(
        name="by_position",
        title="Object retrieved, by caption position",
        unit="% of captions",
        columns=["pos1", "pos2"],
        rows=[
            Row(
                group="4 objects",
                n_images=N_SCENES,
                n_queries=4 * N_SCENES,
                cells={
                    "pos1": Cell(pct=61.5, lo=55.0, hi=68.0),
                    "pos2": Cell(pct=38.5, lo=32.0, hi=45.0),
                },
            )
        ],
    )
    run = EvalRun(
        dataset="renders",
        n_images=N_SCENES,
        comco_version="0.1.0",
        runs=[
            ModelRun(
                model=MODEL,
                fingerprint="f" * 64,
                device="cpu",
                seconds=1.0,
                results=[TaskResult(task="tor", model=MODEL, tables=[table])],
                skipped={"ior": "no gallery"},
            )
        ],
    )
    root.mkdir()
    (root / "results.json").write_text(run.model_dump_json())
    (root / "report.md").write_text("# comco eval report\n")
    (root / "plots").mkdir()
    lines = [
        {"model": MODEL, "text_map": None, "task": "tor", "id": image_id, "query": f"q{q}",
         "retrieved": "cube"}
        for image_id in ids
        for q in range(MAX_QUERIES_SHOWN + 2)
    ]  # fmt: skip
    (root / RETRIEVALS_FILE).write_text("".join(json.dumps(line) + "\n" for line in lines))
    plot = root / "plots" / f"{slug(MODEL)}_tor_by_position.png"
    Image.new("RGB", (40, 20), (200, 30, 30)).save(plot)
    return root


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Coloured four-object scenes and one scene the gates rejected."""
    root = tmp_path_factory.mktemp("browse")
    renders = knob_dataset(root / "renders", N_SCENES)
    first = next(DatasetFolder(renders).iter_images()).annotation.spec
    rejected = SceneSpec.model_validate({**first.model_dump(mode="json"), "id": "refused-1"})
    RejectedLog(DatasetFolder(renders).rejected).add(
        "99:refused-1", "object 2 shows 3 px", RejectionStage.gate,
        id=rejected.id, spec=rejected.model_dump(mode="json"),
    )  # fmt: skip
    _eval_folder(root / "results", [i.annotation.id for i in DatasetFolder(renders).iter_images()])
    return renders


@pytest.fixture(scope="module")
def site(dataset: Path) -> Path:
    out = dataset.parent / "site"
    write_site(dataset, out, dataset.parent / "results")
    return out


def test_index_lists_kept_and_rejected_images(dataset: Path, site: Path) -> None:
    (index,) = _js_payload(site / "data" / "index.js", "index")
    kept = list(DatasetFolder(dataset).iter_images())
    assert index["id"] == [i.annotation.id for i in kept] + ["refused-1"]
    assert index["reasons"] == ["object 2 shows 3 px"]
    assert index["rejected"] == [-1] * len(kept) + [0]
    assert index["image"][-1] is None
    for row, item in enumerate(kept):
        objects = item.annotation.spec.objects
        categories = [index["categories"][c] for c in index["category_ids"][row]]
        assert categories == [o.category for o in objects]
        colours = [index["colours"][c] for c in index["colour_ids"][row]]
        assert colours == [o.color_name for o in objects]
        copied = site / index["image"][row]
        assert copied.read_bytes() == item.png.read_bytes()


def test_detail_chunks_carry_masks_captions_negatives_and_spec(dataset: Path, site: Path) -> None:
    number, records = _js_payload(site / "data" / "detail" / "0.js", "detail")
    assert number == 0 and len(records) == min(CHUNK, N_SCENES + 1)
    for record, item in zip(records, DatasetFolder(dataset).iter_images(), strict=False):
        a = item.annotation
        assert record["spec"] == json.loads(item.annotation_text)["spec"]
        assert [o["counts"] for o in record["objects"]] == [o.mask.counts for o in a.objects]
        assert record["binding"] == a.captions.binding.caption.text
        assert [(n["family"], n["kind"], n["text"]) for n in record["negatives"]] == [
            ("binding", n.kind, n.text) for n in a.captions.binding.negatives
        ]
        assert record["orders"] == [c.text for c in a.captions.orders]
        assert [r["query"] for r in record["retrievals"]] == [
            f"q{q}" for q in range(MAX_QUERIES_SHOWN)
        ]
    assert records[-1]["rejected"] == {"stage": "gate", "reason": "object 2 shows 3 px"}


def test_eval_report_tables_and_plots(site: Path) -> None:
    (report,) = _js_payload(site / "data" / "eval.js", "evaluation")
    (model,) = report["models"]
    assert model["model"] == MODEL and model["skipped"] == {"ior": "no gallery"}
    (table,) = model["tasks"][0]["tables"]
    assert table["rows"][0]["cells"]["pos1"]["pct"] == 61.5
    assert (site / table["plot"]).is_file()
    assert (site / report["report"]).read_text().startswith("# comco eval report")


def test_an_existing_folder_is_kept_unless_it_is_a_site(dataset: Path, tmp_path: Path) -> None:
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(SiteError, match="not an earlier site"):
        write_site(dataset, other, overwrite=True)
    assert (other / "mine.txt").read_text() == "keep me"
    result = CliRunner().invoke(
        main, ["browse", "--dataset", str(dataset), "--out", str(tmp_path / "s"),
               "--eval", str(dataset)],
    )  # fmt: skip
    assert result.exit_code != 0 and "no results.json" in result.output
    assert not (tmp_path / "s").exists()


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


@pytest.mark.browser
def test_the_page_filters_opens_an_image_and_draws_its_masks(
    dataset: Path, site: Path, tmp_path: Path
) -> None:
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    kept = {i.annotation.id: i.annotation for i in DatasetFolder(dataset).iter_images()}
    colour = "red"
    expected = [i for i, a in kept.items() if colour in [o.color_name for o in a.spec.objects]]
    browser = Browser(binary, tmp_path / "profile")
    try:
        browser.open((site / "index.html").as_uri())
        browser.wait_for("typeof COMCO !== 'undefined' && COMCO.ready === true")
        browser.evaluate(
            "(() => { const s = document.getElementById('f-colour');"
            f" s.value = String(COMCO.data.colours.indexOf('{colour}'));"
            " s.dispatchEvent(new Event('change')); })()"
        )
        shown = browser.evaluate(
            "[...document.querySelectorAll('#grid .tile')].map(t => COMCO.data.id[+t.dataset.row])"
        )
        assert shown == expected
        browser.evaluate("document.querySelector('#grid .tile').click()")
        browser.wait_for("COMCO.state.maskPixels > 0")
        with_masks = browser.screenshot()
        (tmp_path / "browser.png").write_bytes(with_masks)
        box = browser.evaluate(
            "(() => { const r = document.getElementById('stage').getBoundingClientRect();"
            " return [r.left, r.top, r.width, r.height]; })()"
        )
        browser.evaluate(
            "(() => { const c = document.getElementById('show-masks'); c.checked = false;"
            " c.dispatchEvent(new Event('change')); })()"
        )
        browser.wait_for("COMCO.state.maskPixels === 0")
        browser.wait_for("new Promise(r => requestAnimationFrame(() => r(true)))")
        without = browser.screenshot()
    finally:
        browser.close()
    annotation = kept[shown[0]]
    union = np.zeros((annotation.height, annotation.width), bool)
    for obj in annotation.objects:
        union |= obj.mask.decode()
    left, top, width, height = (round(v) for v in box)
    scale = width // annotation.width
    assert scale * annotation.width == width and scale * annotation.height == height
    changed = np.abs(_pixels(with_masks) - _pixels(without)).sum(axis=2) > 30
    region = changed[top : top + height, left : left + width]
    # one screen pixel per image pixel: the centre of each scaled pixel
    sampled = region[scale // 2 :: scale, scale // 2 :: scale]
    inside = sampled[union].mean()
    outside = sampled[~union].mean()
    assert inside > 0.9, f"only {inside:.0%} of mask pixels are tinted in the screenshot"
    assert outside < 0.05, f"{outside:.0%} of background pixels are tinted"
