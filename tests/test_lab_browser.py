"""The four lab pages in headless Chromium: opened by their URLs, each shows its key element
with no exception on the page and no JavaScript error; downloads arrive as real files.
"""

import io
import time

import pytest
from PIL import Image

pytestmark = pytest.mark.browser

LOAD_TIMEOUT = 180_000  # ms: a cold server computes the lab's first result
LABS = [
    ("sign_flips", ["sign_patterns"], "Sign patterns"),
    ("kernels", ["kernel_compare"], "Kernels vs learned features"),
    ("universal", ["approx_error"], "Universal approximation"),
    ("backprop", ["backprop_table", "gradcheck_table"], "Backprop inspector"),
]


def wait_until_idle(page, quiet=1.0, timeout=120.0):
    """Until Streamlit's 'running' indicator has been gone for ``quiet`` seconds."""
    deadline = time.time() + timeout
    calm_since = None
    while time.time() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count():
            calm_since = None
        elif calm_since is None:
            calm_since = time.time()
        elif time.time() - calm_since >= quiet:
            return
        time.sleep(0.2)
    raise AssertionError("the app kept running")


def assert_no_errors(page):
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not page.errors, page.errors


@pytest.mark.parametrize("name, keys, title", LABS, ids=[lab[0] for lab in LABS])
def test_lab_page_opens_by_url(app_url, page, name, keys, title):
    page.goto(f"{app_url}/{name}")
    for key in keys:
        page.wait_for_selector(f".st-key-{key}", timeout=LOAD_TIMEOUT)
    wait_until_idle(page)
    assert_no_errors(page)
    assert page.get_by_role("heading", name=title).count() >= 1
    for key in keys:
        element = page.locator(f".st-key-{key}")
        assert element.is_visible()
        box = element.bounding_box()
        assert box["width"] > 200 and box["height"] > 100
    # Plotly drew its figure (an SVG) where there is one.
    if name != "backprop":
        assert page.locator(f".st-key-{keys[0]} .main-svg").count() >= 1
    assert page.get_by_text("What you should see").count() == 1


def test_navigation_from_the_playground(app_url, page):
    page.goto(app_url)
    page.wait_for_selector(".st-key-boundary", timeout=LOAD_TIMEOUT)
    page.get_by_role("link", name="Sign patterns").click()
    page.wait_for_selector(".st-key-sign_patterns", timeout=LOAD_TIMEOUT)
    wait_until_idle(page)
    assert page.url.rstrip("/").endswith("/sign_flips")
    assert_no_errors(page)


def test_download_a_figure_as_png(app_url, page):
    """The chart's PNG comes from Plotly's toolbar (its camera button), sized for a slide."""
    page.goto(f"{app_url}/sign_flips")
    page.wait_for_selector(".st-key-sign_patterns .main-svg", timeout=LOAD_TIMEOUT)
    wait_until_idle(page)
    chart = page.locator(".st-key-sign_patterns .js-plotly-plot")
    chart.hover()  # the toolbar shows over the chart
    camera = chart.locator(".modebar-btn[data-title^='Download plot']")
    with page.expect_download(timeout=60_000) as info:
        camera.click()
    download = info.value
    assert download.suggested_filename == "sign_patterns.png"
    with open(download.path(), "rb") as f:
        im = Image.open(io.BytesIO(f.read()))
        im.load()
    assert im.format == "PNG" and im.width >= 1920 and im.height >= 1080
    assert_no_errors(page)


POINT_XY = """(i) => {
  const gd = document.querySelector('.st-key-bp_pick .js-plotly-plot');
  const fl = gd._fullLayout, pt = gd.calcdata[0][i];
  const r = gd.getBoundingClientRect();
  return [r.left + fl._size.l + fl.xaxis.l2p(pt.x), r.top + fl._size.t + fl.yaxis.l2p(pt.y)];
}"""
CHART_READY = """() => {
  const gd = document.querySelector('.st-key-bp_pick .js-plotly-plot');
  return !!(gd && gd.calcdata && gd.calcdata[0] && gd.calcdata[0].length > 20);
}"""


def test_backprop_click_picks_a_point(app_url, page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{app_url}/backprop")
    page.wait_for_selector(".st-key-gradcheck_table", timeout=LOAD_TIMEOUT)
    wait_until_idle(page)
    number = page.locator(".st-key-bp_index input")
    target = 10 if number.input_value() != "10" else 11
    for _ in range(3):  # a click that lands while the chart is redrawn is lost: try again
        page.wait_for_function(CHART_READY, timeout=60_000)
        x, y = page.evaluate(POINT_XY, target)  # where training point `target` is drawn
        page.mouse.click(x, y)
        try:
            page.wait_for_function(
                "(v) => document.querySelector('.st-key-bp_index input').value === v",
                arg=str(target),
                timeout=20_000,
            )
            break
        except PlaywrightTimeout:
            wait_until_idle(page)
    assert number.input_value() == str(target)
    wait_until_idle(page)
    assert page.get_by_text(f"Point {target}:").count() == 1
    assert_no_errors(page)
