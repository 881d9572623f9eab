"""Drawing data on the input plane, in real headless Chromium: click, shift-click and
alt-click on the canvas with "Draw points" on, and see the number of points drawn change."""

from __future__ import annotations

import pytest
from test_browser_playground import WAIT_MS, assert_clean, open_playground, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def points(page):
    value = page.evaluate(
        "() => document.querySelector('.st-key-boundary .lv-root')?.dataset.points ?? null"
    )
    return None if value is None else int(value)


def wait_points(page, n):
    page.wait_for_function(
        "n => Number(document.querySelector('.st-key-boundary .lv-root')?.dataset.points) === n",
        arg=n,
        timeout=WAIT_MS,
    )


def plane_xy(page, fx, fy):
    """The page's pixel at fractions (fx, fy) of the input plane's plot box (from the top
    left), read from the view's own layout."""
    box = page.locator(".st-key-boundary canvas").bounding_box()
    plot = page.evaluate("() => document.querySelector('.st-key-boundary .lv-root').lvStats.plot")
    return (
        box["x"] + plot["left"] + fx * plot["width"],
        box["y"] + plot["top"] + fy * plot["height"],
    )


def to_data(page, xy):
    """Page pixel -> the plane's (x1, x2) under it, in the view's present layout."""
    box = page.locator(".st-key-boundary canvas").bounding_box()
    p = page.evaluate("() => document.querySelector('.st-key-boundary .lv-root').lvStats.plot")
    x0, x1, y0, y1 = p["extent"]
    fx = (xy[0] - box["x"] - p["left"]) / p["width"]
    fy = (xy[1] - box["y"] - p["top"]) / p["height"]
    return x0 + fx * (x1 - x0), y1 - fy * (y1 - y0)


def to_page(page, point):
    """The plane's (x1, x2) -> its page pixel now (the plane grows to hold a point drawn
    near its edge, so a point's pixel can move after a click)."""
    box = page.locator(".st-key-boundary canvas").bounding_box()
    p = page.evaluate("() => document.querySelector('.st-key-boundary .lv-root').lvStats.plot")
    x0, x1, y0, y1 = p["extent"]
    return (
        box["x"] + p["left"] + (point[0] - x0) / (x1 - x0) * p["width"],
        box["y"] + p["top"] + (y1 - point[1]) / (y1 - y0) * p["height"],
    )


def tooltip_at(page, x, y):
    page.mouse.move(x + 40, y + 40)  # a move to where the mouse already is fires no event
    page.mouse.move(x, y, steps=2)
    tip = page.locator(".st-key-boundary .lv-tip")
    tip.wait_for(state="visible", timeout=WAIT_MS)
    return tip.inner_text()


def turn_drawing_on(page):
    page.locator(".st-key-draw_mode label").first.click(timeout=WAIT_MS)
    page.locator(".st-key-draw_class").wait_for(timeout=WAIT_MS)
    wait_idle(page)


def test_click_shift_click_and_alt_click_draw_and_remove_points(page, app_url):
    open_playground(page, app_url)
    n = points(page)
    assert n == 200
    # Drawing off: a click on the plane adds nothing.
    page.mouse.click(*plane_xy(page, 0.05, 0.06))
    wait_idle(page)
    assert points(page) == n

    turn_drawing_on(page)
    assert points(page) == n  # starting to draw keeps the present points
    shown = page.evaluate(
        "() => { const e = document.querySelector('.st-key-cfg_dataset');"
        " return e.innerText + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')"
        " + ' ' + (e.querySelector('[value]')?.getAttribute('value') ?? ''); }"
    )
    assert "drawn points" in shown, shown

    # The moons leave the plane's top corners empty: nothing else is within the pick radius.
    xy = plane_xy(page, 0.05, 0.06)
    first = to_data(page, xy)
    page.mouse.click(*xy)
    wait_points(page, n + 1)
    wait_idle(page)
    assert "class 0" in tooltip_at(page, *to_page(page, first))  # the class picker's default

    xy = plane_xy(page, 0.95, 0.06)
    second = to_data(page, xy)
    page.keyboard.down("Shift")
    page.mouse.click(*xy)
    page.keyboard.up("Shift")
    wait_points(page, n + 2)
    wait_idle(page)
    assert "class 1" in tooltip_at(page, *to_page(page, second))  # shift: the other class

    canvas = page.locator(".st-key-boundary canvas")
    box = canvas.bounding_box()
    x, y = to_page(page, first)
    canvas.click(position={"x": x - box["x"], "y": y - box["y"]}, modifiers=["Alt"])
    wait_points(page, n + 1)
    wait_idle(page)
    # The point under the mouse went, the shift-clicked one stayed.
    assert "class 1" in tooltip_at(page, *to_page(page, second))
    assert_clean(page)


def test_points_drawn_while_playing_train_and_the_data_exports_them(page, app_url):
    open_playground(page, app_url, "?n=40&test=0")
    turn_drawing_on(page)
    n = points(page)
    page.locator(".st-key-play button").filter(visible=True).first.click(timeout=WAIT_MS)
    page.locator(".st-key-pause button:not([disabled])").wait_for(timeout=WAIT_MS)
    page.mouse.click(*plane_xy(page, 0.5, 0.5))
    wait_points(page, n + 1)
    # Still playing: drawing does not stop the run.
    assert page.locator(".st-key-pause button:not([disabled])").count() >= 1
    page.locator(".st-key-pause button").filter(visible=True).first.click(timeout=WAIT_MS)
    page.locator(".st-key-play button:not([disabled])").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert_clean(page)
