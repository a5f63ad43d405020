from click.testing import CliRunner
from PIL import Image

from comco.cli import main
from support.scenes import eval_dataset


def test_sheet_draws_every_image_with_its_label(tmp_path):
    dataset = eval_dataset(tmp_path / "d", n_images=5)
    result = CliRunner().invoke(main, ["sheet", "--dataset", str(dataset), "--columns", "2"])
    assert result.exit_code == 0, result.output
    sheet = Image.open(dataset / "contact_sheet.png")
    tile = Image.open(next((dataset / "images/00000").glob("*.png")))
    assert sheet.width == 2 * tile.width
    assert sheet.height > 3 * tile.height  # 5 images in 2 columns: 3 rows


def test_sheet_refuses_a_folder_without_images(tmp_path):
    result = CliRunner().invoke(main, ["sheet", "--dataset", str(tmp_path)])
    assert result.exit_code != 0 and "has no images/ folder" in result.output
