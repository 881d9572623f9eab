"""The lecture, walked in real headless Chromium at a projector's sizes.

One session: open a link at 1280 x 720, choose the "2 units" preset, play, flip, scrub back,
visit each lab, come back, find everything as it was, and copy the link into a second
browser context. Then presentation mode's first screen, labels that are not cut off, and the
notice a page gets only when its server really lost it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from test_browser_playground import (
    LOAD_MS,
    WAIT_MS,
    assert_clean,
    click,
    open_playground,
    painted_frame,
    status,
    wait_frames_past,
    wait_idle,
)

from app import presets

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PROJECTOR = {"width": 1280, "height": 720}
LABS = ("Sign patterns", "Kernels vs learned features", "Universal approximation", "Backprop")
LOST = "did not know your session"


def query(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def choose(page, key, option):
    """Pick ``option`` in the Streamlit selectbox with key ``key``."""
    page.locator(f".st-key-{key} input[role='combobox']").click(timeout=WAIT_MS)
    page.locator("[role='option']", has_text=option).first.click(timeout=WAIT_MS)


def go_to(page, title):
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click(timeout=WAIT_MS)


def step_number(page):
    match = re.search(r"step ([\d,]+)", status(page))
    assert match, status(page)
    return int(match.group(1).replace(",", ""))


def scrub(page, key, past):
    """Move the timeline with ``key`` (Home: the first moment, End: now) and wait until
    the status line says whether it shows the past."""
    page.locator(".st-key-timeline input[type='range']").focus()
    page.keyboard.press(key)
    page.wait_for_function(
        """past => (document.querySelector('.st-key-stats')?.innerText ?? '')
                   .includes('viewing the past') === past""",
        arg=past,
        timeout=WAIT_MS,
    )
    wait_idle(page)


def test_the_lecture_in_one_session(browser, app_url):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    open_playground(page, app_url, "?data=moons")

    # the lecture's first preset
    first = list(presets.load())[0]
    choose(page, "preset", first)
    page.wait_for_function("() => location.search.includes('layers=2')", timeout=WAIT_MS)
    wait_idle(page)
    assert query(page.url)["data"] == "wedge"

    # play, then pause
    start = painted_frame(page, "boundary")
    click(page, "play")
    wait_frames_past(page, "boundary", start + 8)
    click(page, "pause")
    page.locator(".st-key-play button:not([disabled])").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    trained = step_number(page)
    assert trained > 0

    # flip z1: the hidden view changes
    before = painted_frame(page, "hidden_space")
    click(page, "flip_1_0")
    wait_frames_past(page, "hidden_space", before)
    wait_idle(page)

    # scrub back to the first moment: every view and the status line show it
    scrub(page, "Home", past=True)
    assert re.search(r"epoch 0\b", status(page)), status(page)
    assert "epoch 0" in page.locator(".st-key-timeline").inner_text()
    # back to the present for the rest of the walk
    scrub(page, "End", past=False)
    setup = query(page.url)
    line = status(page)
    assert "sid" not in setup

    # each lab, and back
    for lab in LABS:
        go_to(page, lab)
        page.wait_for_function("() => !document.querySelector('.st-key-boundary')", timeout=LOAD_MS)
        wait_idle(page, LOAD_MS)
        assert page.locator('[data-testid="stException"]').count() == 0, lab
        go_to(page, "Playground")
        page.wait_for_selector(".st-key-boundary .lv-root[data-frame]", timeout=LOAD_MS)
        wait_idle(page, LOAD_MS)
        assert query(page.url) == setup, lab
        assert status(page) == line, lab
        dataset = page.locator(".st-key-cfg_dataset input").input_value()
        assert dataset == "wedge", (lab, dataset)
    assert_clean(page)

    # the link, copied into a fresh browser
    other = browser.new_context(viewport=PROJECTOR)
    student = other.new_page()
    student.errors = []
    student.on("pageerror", lambda e: student.errors.append(str(e)))
    open_playground(student, app_url, "?" + urlparse(page.url).query)
    assert query(student.url) == setup
    assert LOST not in student.locator("body").inner_text()
    assert student.locator('[data-testid="stAlert"]').count() == 0
    assert student.locator(".st-key-cfg_dataset input").input_value() == "wedge"
    assert_clean(student)
    other.close()
    context.close()


def _box(page, key):
    box = page.locator(f".st-key-{key}").first.bounding_box()
    assert box is not None, key
    return box


@pytest.mark.parametrize("size", [PROJECTOR, {"width": 1024, "height": 768}])
def test_presentation_mode_puts_controls_views_and_status_on_the_first_screen(
    browser, app_url, size
):
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    open_playground(page, app_url, "?data=wedge&layers=2&present=1")
    assert (
        page.locator("[data-testid='stSidebar'][aria-expanded='false']").count() == 1
        or (page.locator("[data-testid='stSidebar']").bounding_box() or {"width": 0})["width"] < 5
    )
    for key in ("play", "pause", "step", "reset", "boundary", "hidden_space", "stats"):
        box = _box(page, key)
        assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (key, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (key, box)
    # larger text than the normal page
    font = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.st-key-play button p'))"
        ".fontSize)"
    )
    assert font > 16
    assert_clean(page)
    context.close()


CUT_OFF = """() => [...document.querySelectorAll(
    '.stMain button p, .stMain button div, .stMain label p, .stSidebar label p')]
  .filter(el => el.offsetParent !== null && el.innerText.trim())
  .filter(el => el.scrollWidth > el.clientWidth + 1 || el.innerText.includes('…'))
  .map(el => el.innerText)"""


@pytest.mark.parametrize(
    "size, present",
    [(PROJECTOR, ""), ({"width": 1024, "height": 768}, ""), (PROJECTOR, "&present=1")],
)
def test_no_button_or_label_is_cut_off(browser, app_url, size, present):
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.errors = []
    open_playground(page, app_url, f"?data=wedge&layers=2{present}")
    assert page.evaluate(CUT_OFF) == []
    context.close()


def test_a_page_whose_server_lost_it_says_so_and_a_fresh_one_does_not(browser, app_url):
    host = urlparse(app_url).hostname
    lost = browser.new_context(viewport=PROJECTOR)
    # A session id this server never issued: as after a restart or a move to a replica.
    lost.add_cookies([{"name": "studio_session", "value": "0" * 16, "domain": host, "path": "/"}])
    page = lost.new_page()
    page.errors = []
    open_playground(page, app_url, "?data=xor")
    assert LOST in page.locator("body").inner_text()
    # the page marked itself with an id this server knows: a reload is no longer "lost"
    cookie = {c["name"]: c["value"] for c in lost.cookies()}["studio_session"]
    assert cookie != "0" * 16
    page.reload()
    open_playground(page, app_url, "?data=xor")
    assert LOST not in page.locator("body").inner_text()
    lost.close()

    fresh = browser.new_context(viewport=PROJECTOR)
    page = fresh.new_page()
    page.errors = []
    open_playground(page, app_url, "?data=xor")
    assert LOST not in page.locator("body").inner_text()
    fresh.close()
