"""Keyboard shortcuts of the Playground (app.keys) in real headless Chromium: Space plays and
pauses, 1 flips the first unit, s steps, r resets, and none of them acts while typing."""

from __future__ import annotations

import pytest
from test_browser_playground import (
    WAIT_MS,
    assert_clean,
    epoch,
    open_playground,
    painted_frame,
    wait_frames_past,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def enabled(page, key):
    return page.locator(f".st-key-{key} button:not([disabled])").filter(visible=True)


def units(page):
    return page.evaluate("() => document.querySelector('.st-key-boundary .lv-root').lvStats.units")


def test_space_plays_and_pauses_and_1_flips_the_first_unit(page, app_url):
    open_playground(page, app_url)
    assert page.locator(".st-key-studio_keys").count() == 1
    start = painted_frame(page, "boundary")
    page.keyboard.press("Space")
    enabled(page, "pause").wait_for(timeout=WAIT_MS)
    assert page.locator(".st-key-play button[disabled]").count() >= 1
    wait_frames_past(page, "boundary", start + 5)  # frames change: it trains
    page.keyboard.press("Space")
    enabled(page, "play").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    assert epoch(page) > 0

    before = units(page)
    page.keyboard.press("1")
    page.wait_for_function(
        """w => { const u = document.querySelector('.st-key-boundary .lv-root').lvStats.units;
                  return u && u[0][0] === -w[0]; }""",
        arg=before[0],
        timeout=WAIT_MS,
    )
    after = units(page)
    # z1's line w.x + b = 0 with every sign turned (w, b -> -w, -b); the others untouched.
    assert after[0] == [-v for v in before[0]]
    assert after[1:] == before[1:]
    assert_clean(page)


def test_keys_typed_into_a_field_do_nothing_and_each_key_acts_once(page, app_url):
    open_playground(page, app_url)
    # Many runs first (play, pause, reset): the listener must not have multiplied.
    page.keyboard.press("Space")
    enabled(page, "pause").wait_for(timeout=WAIT_MS)
    wait_frames_past(page, "boundary", painted_frame(page, "boundary") + 10)
    page.keyboard.press("Space")
    enabled(page, "play").wait_for(timeout=WAIT_MS)
    wait_idle(page)
    page.keyboard.press("r")
    page.wait_for_function(
        "() => /epoch 0\\b/.test(document.querySelector('.st-key-stats')?.innerText ?? '')",
        timeout=WAIT_MS,
    )
    wait_idle(page)

    field = page.locator(".st-key-cfg_seed input")
    field.click()
    page.keyboard.type("s r 1")
    page.keyboard.press("Space")
    assert enabled(page, "play").count() == 1  # Space in the field did not play
    page.evaluate("() => document.activeElement.blur()")
    wait_idle(page)
    page.keyboard.press("s")
    page.wait_for_function(
        "() => !/epoch 0\\b/.test(document.querySelector('.st-key-stats')?.innerText ?? '')",
        timeout=WAIT_MS,
    )
    wait_idle(page)
    # One step of 40 full-batch steps: 40 epochs. Had the "s" typed into the field stepped
    # too, or two listeners answered one key, it would be 80.
    assert epoch(page) == 40
    assert_clean(page)


def test_the_popover_lists_the_shortcuts(page, app_url):
    open_playground(page, app_url)
    page.locator(".st-key-studio_keys_help button").first.click(timeout=WAIT_MS)
    text = page.locator('[data-testid="stPopoverBody"]').inner_text(timeout=WAIT_MS)
    for key in ("Space", "play / pause", "one step", "reset", "flip"):
        assert key in text
