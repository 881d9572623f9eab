"""What a user downloads from a Plotly chart in a real browser: the toolbar's camera button
saves a PNG of the size ``app.figures.slide_config`` asks for, under its file name."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from app import figures, palette

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

LOAD_MS = 90_000  # the machine has 2 cores; a cold first run imports the engine and plotly
WAIT_MS = 45_000
CAMERA = '.modebar-btn[data-title*="Download plot" i]'


def test_the_loss_chart_camera_button_downloads_a_slide_png(page, app_url):
    page.goto(app_url, wait_until="domcontentloaded", timeout=LOAD_MS)
    chart = page.locator(".st-key-loss_curve .js-plotly-plot")
    chart.wait_for(timeout=LOAD_MS)
    chart.hover()  # the toolbar shows while the pointer is over the chart
    button = page.locator(f".st-key-loss_curve {CAMERA}")
    button.wait_for(state="visible", timeout=WAIT_MS)
    with page.expect_download(timeout=WAIT_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "loss_curves.png"
    with open(download.path(), "rb") as f:
        im = Image.open(io.BytesIO(f.read()))
        im.load()
    options = figures.slide_config("loss_curves")["toImageButtonOptions"]
    scale = options["scale"]
    assert im.format == "PNG"
    assert im.size == (options["width"] * scale, options["height"] * scale)
    # The chart itself, not a blank page: the training loss's line is in the picture.
    px = np.asarray(im.convert("RGB"), dtype=int)
    near = np.abs(px - palette.rgb(palette.TRAIN_LOSS)).sum(axis=2) < 40
    assert near.sum() > 50
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []
