from pathlib import Path

import numpy as np
from click.testing import CliRunner
from PIL import Image, ImageDraw

from comco.cli import main
from comco.dataset.folder import DatasetFolder
from comco.sheets.cli import _label
from comco.sheets.contact_sheet import ELLIPSIS, INDENT, font, layout
from support.scenes import binding_dataset, eval_dataset


def test_sheet_draws_every_image_with_its_label(tmp_path):
    dataset = eval_dataset(tmp_path / "d", n_images=5)
    result = CliRunner().invoke(main, ["sheet", "--dataset", str(dataset), "--columns", "2"])
    assert result.exit_code == 0, result.output
    sheet = Image.open(dataset / "contact_sheet.png")
    tile = Image.open(next((dataset / "images/00000").glob("*.png")))
    assert sheet.width == 2 * 2 * tile.width  # 64 px tiles are enlarged twice to 128 px
    assert sheet.height > 3 * 2 * tile.height  # 5 images in 2 columns: 3 rows


def test_sheet_refuses_a_folder_without_images(tmp_path):
    result = CliRunner().invoke(main, ["sheet", "--dataset", str(tmp_path)])
    assert result.exit_code != 0 and "has no images/ folder" in result.output


SIX = "\n".join(["tennis racket*", "dining table", "motorcycle", "refrigerator",
                 "a_category_name_far_wider_than_any_cell", "teddy bear"])  # fmt: skip


def test_labels_of_many_objects_stay_inside_their_own_cells() -> None:
    plan = layout([SIX, "cat\ndog", SIX, "cup"], (64, 64), columns=3, legend="* the large one")
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    width, height = plan.size
    for cell in plan.cells:
        x0, y0, x1, y1 = cell.box
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
        for at, text in cell.lines:
            left, top, right, bottom = measure.textbbox(at, text, font=font())
            assert x0 <= left and right <= x1 and y0 <= top and bottom <= y1, (text, cell.box)
        others = [c.box for c in plan.cells if c is not cell]
        assert not any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in others)
    six = [text for _, text in plan.cells[0].lines]
    assert len(six) == 6 and six[4].endswith(ELLIPSIS)  # one line per object, the long one cut
    wrapped = layout(["red metal refrigerator of a kind\ncup"], (64, 64), columns=1).cells[0]
    lines = [text for _, text in wrapped.lines]
    assert len(lines) == 3 and lines[1].startswith(INDENT) and lines[2] == "cup"
    (left, top, right, bottom) = measure.textbbox(*plan.legend, font=font())
    assert plan.legend[1] == "* the large one" and right <= width and bottom <= height
    assert top >= max(c.box[3] for c in plan.cells)  # under the grid


def test_binding_sheets_name_each_objects_colour(tmp_path: Path) -> None:
    dataset = binding_dataset(tmp_path / "b", 6)
    out = tmp_path / "sheet.png"
    result = CliRunner().invoke(main, ["sheet", "--dataset", str(dataset), "--out", str(out)])
    assert result.exit_code == 0, result.output
    item = next(DatasetFolder(dataset).iter_images())
    lines = _label(item.annotation).split("\n")
    assert lines == [f"{o.color_name} {o.category}" for o in item.annotation.spec.objects]
    pixels = np.asarray(Image.open(out).convert("L"))
    assert (pixels[-10:] < 128).any()  # the legend line is drawn under the grid
