"""`comco browse` at scale: a rendered folder is replicated to N images (new ids, hard-linked
PNGs, the same annotations otherwise), the site is built (wall time, peak RSS, index and
detail sizes), and, when Chromium is on PATH, the page is loaded headless and timed: first
page, a filter, a page turn, opening an image until its masks are drawn, and the DOM size.

    python benchmarks/browse_scale.py --dataset renders/binding3 --n 50000 [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from comco.browse.site import write_site
from comco.dataset.folder import DatasetFolder, shard_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the DevTools-over-pipe driver the browser test uses

from support.chromium import Browser, find_chromium  # noqa: E402


def replicate(source: Path, target: Path, n: int) -> None:
    """A rendered folder of n images cycling through the source's images."""
    items = [(i.png, json.loads(i.annotation_text)) for i in DatasetFolder(source).iter_images()]
    target.mkdir(parents=True)
    for name in ("dataset.json", "summary.json"):
        shutil.copyfile(source / name, target / name)
    for k in range(n):
        png, annotation = items[k % len(items)]
        new_id = f"{annotation['id']}-r{k:06d}"
        folder = target / "images" / shard_name(k)
        folder.mkdir(parents=True, exist_ok=True)
        os.link(png, folder / f"{new_id}.png")
        record = {**annotation, "id": new_id, "image": f"{new_id}.png"}
        record["spec"] = {**annotation["spec"], "id": new_id}
        (folder / f"{new_id}.json").write_text(json.dumps(record))


def page_timings(site: Path, profile: Path) -> dict[str, float]:
    binary = find_chromium()
    if binary is None:
        return {}
    browser = Browser(binary, profile)
    try:
        start = time.perf_counter()
        browser.open((site / "index.html").as_uri())
        browser.wait_for("typeof COMCO !== 'undefined' && COMCO.ready === true", timeout=120)
        figures = {"load_s": time.perf_counter() - start}
        figures["filter_ms"] = browser.evaluate(
            "(() => { const s = document.getElementById('f-count'); s.value = s.options[1].value;"
            " const t = performance.now(); s.dispatchEvent(new Event('change'));"
            " return performance.now() - t; })()"
        )
        figures["page_turn_ms"] = browser.evaluate(
            "(() => { const t = performance.now(); document.getElementById('next').click();"
            " return performance.now() - t; })()"
        )
        figures["dom_nodes"] = browser.evaluate("document.getElementsByTagName('*').length")
        start = time.perf_counter()
        browser.evaluate("document.querySelectorAll('#grid .tile')[5].click()")
        browser.wait_for("COMCO.state.maskPixels > 0")
        figures["open_image_s"] = time.perf_counter() - start
        return figures
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="a rendered folder")
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="browse-scale-"))
    renders, site = work / "renders", work / "site"
    start = time.perf_counter()
    replicate(args.dataset, renders, args.n)
    print(f"replicated {args.n} images in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    shown = write_site(renders, site)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    index_mb = (site / "data" / "index.js").stat().st_size / 1e6
    details = list((site / "data" / "detail").glob("*.js"))
    detail_mb = sum(p.stat().st_size for p in details) / 1e6
    print(f"site: {shown} images in {seconds:.1f} s ({shown / seconds:.0f} images/s), "
          f"peak RSS {peak_mb:.0f} MB")  # fmt: skip
    print(f"data/index.js {index_mb:.1f} MB; {len(details)} detail files, {detail_mb:.1f} MB")
    for name, value in page_timings(site, work / "profile").items():
        print(f"page {name}: {value:.3g}")
    if args.workdir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
