"""Two students on one server do not see each other's work; the server's guards are on.

Real headless Chromium (``@pytest.mark.browser``), two browser contexts (two students, no
shared cookies or storage) on the same server: Play, a sign flip and a CSV upload in one
leave the other's status line (``.st-key-stats``) and live views exactly as they were.
Also checks, on the running server, that the settings of ``.streamlit/config.toml`` are in
effect where a user meets them: an upload over ``maxUploadSize`` is refused with a message,
an upload without the page's XSRF token is refused (403), and the page asks nothing of any
host but the app's own (no usage statistics, works offline).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

BOUNDARY = ".st-key-boundary .lv-root"
HIDDEN = ".st-key-hidden_space .lv-root"
STATS = ".st-key-stats"
TIMEOUT = 90_000


def _csv(n=60):
    rows = [
        f"{(i % 10) / 5 - 1:.2f},{(i // 10) / 3 - 1:.2f},{'a' if i % 3 else 'b'}" for i in range(n)
    ]
    return ("x1,x2,label\n" + "\n".join(rows) + "\n").encode()


def open_student(browser, url):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector(f"{BOUNDARY}[data-frame]", timeout=TIMEOUT)
    page.wait_for_selector(f"{HIDDEN}[data-frame]", timeout=TIMEOUT)
    page.wait_for_selector(STATS, timeout=TIMEOUT)
    wait_idle(page)
    return context, page


def wait_idle(page, quiet=1.0, timeout=60):
    """Until the page's script has stopped running (no stale elements) for ``quiet`` s."""
    deadline = time.time() + timeout
    calm_since = None
    while time.time() < deadline:
        busy = page.evaluate(
            "() => !!document.querySelector('[data-stale=\"true\"]') || "
            "!!document.querySelector('[data-testid=\"stStatusWidget\"]')"
        )
        if busy:
            calm_since = None
        elif calm_since is None:
            calm_since = time.time()
        elif time.time() - calm_since >= quiet:
            return
        time.sleep(0.1)


def frame_of(page, selector):
    return page.eval_on_selector(selector, "e => e.dataset.frame")


def snapshot(page):
    """What a student sees of their own session: status line, views' frames and pixels."""
    return {
        "stats": page.inner_text(STATS),
        "boundary_frame": frame_of(page, BOUNDARY),
        "hidden_frame": frame_of(page, HIDDEN),
        "boundary_pixels": page.locator(BOUNDARY).screenshot(),
        "hidden_pixels": page.locator(HIDDEN).screenshot(),
        "url": page.url,
    }


def wait_frames(page, at_least, timeout=60):
    start = int(frame_of(page, BOUNDARY))
    deadline = time.time() + timeout
    while time.time() < deadline:
        if int(frame_of(page, BOUNDARY)) >= start + at_least:
            return
        time.sleep(0.1)
    raise AssertionError(f"the boundary view did not advance {at_least} frames in {timeout} s")


def test_one_students_play_flip_and_upload_leave_another_students_views_unchanged(browser, app_url):
    ctx_a, a = open_student(browser, app_url)
    ctx_b, b = open_student(browser, app_url)
    try:
        before = snapshot(b)
        a_start = a.inner_text(STATS)
        assert a_start == before["stats"], "two fresh sessions of the same link look alike"

        a.click(".st-key-play button")
        wait_frames(a, 10)
        a.click(".st-key-pause button")
        wait_idle(a)
        assert a.inner_text(STATS) != a_start, "A trained"

        a.click(".st-key-flip_1_0 button")
        wait_idle(a)

        a.locator(".st-key-upload input[type=file]").set_input_files(
            files=[{"name": "two_classes.csv", "mimeType": "text/csv", "buffer": _csv()}]
        )
        a.wait_for_function(
            "() => document.body.innerText.includes('two_classes.csv')", timeout=TIMEOUT
        )
        wait_idle(a)

        time.sleep(1.0)
        after = snapshot(b)
        for key in before:
            assert after[key] == before[key], f"student B's {key} changed"
        assert not a.errors and not b.errors, (a.errors, b.errors)

        # And the other way round: B's own Step starts from B's state, not A's.
        b.click(".st-key-step button")
        wait_idle(b)
        assert b.inner_text(STATS) != before["stats"]
        assert "step 0" not in b.inner_text(STATS)
        assert a.inner_text(STATS) != b.inner_text(STATS)
    finally:
        ctx_a.close()
        ctx_b.close()


def test_an_upload_over_the_size_limit_is_refused_with_a_message(browser, app_url):
    context, page = open_student(browser, app_url)
    try:
        stats = page.inner_text(STATS)
        big = b"0.1,0.2,a\n0.3,0.4,b\n" * 60_000  # 1.2 MB > maxUploadSize = 1 MB
        page.locator(".st-key-upload input[type=file]").set_input_files(
            files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": big}]
        )
        page.wait_for_function(
            "() => /must be 1(\\.0)?MB or smaller/.test(document.body.innerText)",
            timeout=TIMEOUT,
        )
        wait_idle(page)
        assert page.inner_text(STATS) == stats, "the refused file changed nothing"
        assert not page.errors
    finally:
        context.close()


def test_an_upload_without_the_pages_xsrf_token_is_forbidden(app_url):
    request = urllib.request.Request(
        f"{app_url}/_stcore/upload_file/some-session/some-file",
        data=b"x1,x2,label\n0,0,a\n",
        method="PUT",
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=10)
    assert info.value.code == 403


def test_the_page_talks_to_no_host_but_its_own(browser, app_url):
    own = urlparse(app_url).netloc
    context = browser.new_context()
    elsewhere = []
    context.on(
        "request",
        lambda r: (
            elsewhere.append(r.url)
            if urlparse(r.url).scheme in ("http", "https", "ws", "wss")
            and urlparse(r.url).netloc != own
            else None
        ),
    )
    page = context.new_page()
    try:
        page.goto(app_url)
        page.wait_for_selector(f"{BOUNDARY}[data-frame]", timeout=TIMEOUT)
        page.click(".st-key-play button")
        wait_frames(page, 5)
        page.click(".st-key-pause button")
        wait_idle(page)
        assert not elsewhere, elsewhere
    finally:
        context.close()
