"""A link, a file or a field cannot write into the page: Streamlit's real renderer, in
headless Chromium, draws every echoed value as literal text in a <code> element.

Issue 11, bug 9: ``?data=:red-background[**…**]`` showed a styled sentence inside the app's
own notice, ``?data=![x](http://host/t.png)`` made the browser fetch that image, and
``[text](https://…)`` became a link. Here the same links open the Playground and the page
must show the value literally, build no <img>, <a> or styled span from it, and ask nothing
of the attacker's host. A seeded fuzz renders many hostile values through
``app.messages`` on a page of its own and compares each <code>'s text with the value.
Also, in the real browser: the formula error quotes ``__import__`` verbatim (bug 8), a
saved 250 x 250 network loads back (bug 10), a CSV at +-1e308 is refused in words (bug 11)
and the weight editor's box shows the weight as it is now (bug 7).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

from app import messages
from tests.conftest import CHROMIUM, ROOT, _free_port
from tests.test_isolation_browser import wait_idle

pytestmark = pytest.mark.browser

TIMEOUT = 90_000
ALERT = "[data-testid='stAlert']"
EVIL_HOSTS = ("127.0.0.1:1", "evil.example")
ATTACKS = [
    ":red-background[**Your session has expired. Log in at evil.example**]",
    "![x](http://127.0.0.1:1/t.png)",
    "[text](https://evil.example)",
    "<img src=http://127.0.0.1:1/h.png>",
    "https://evil.example/x",
    "www.evil.example",
    "__import__",
    "**bold** _it_ ~~s~~ <b>b</b> &amp;",
    "$x^2$ $$y$$",
    ":smile: :streamlit: :material/home: :blue[x] :primary-badge[y]",
    "``a`b``",
    "`",
    " ` ",
    "x -> y <- z",
    "# h\n> q\n- l\n1. n",
]
PIECES = [
    "`",
    "``",
    "*",
    "_",
    "[",
    "]",
    "(",
    ")",
    "!",
    "<",
    ">",
    "&",
    "$",
    ":",
    "\\",
    "#",
    "|",
    "~",
    "-",
    " ",
    "a",
    "http://127.0.0.1:1/",
    ":red[",
    "![",
    "](",
    "<img src=",
    "é",
    "→",
]


def fuzz_values(n=60, seed=11):
    rng = random.Random(seed)
    return [
        "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14))).strip(" ") or "x"
        for _ in range(n)
    ]


def watch_requests(page):
    """Every URL the page asks for that is not the app's own."""
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    return asked


def to_evil(asked):
    return [u for u in asked if any(h in urlparse(u).netloc for h in EVIL_HOSTS)]


def assert_literal(alert, value):
    """The alert shows ``value`` in a <code>, and nothing in it was made from Markdown."""
    found = alert.evaluate(
        """e => ({
            codes: [...e.querySelectorAll('code')].map(c => c.textContent),
            made: [...e.querySelectorAll(
                'img, a, strong, em, del, span[class*="stMarkdownColored"], '
                + '.stMarkdownBadge, .katex, h1, h2, blockquote, ul, ol, table')]
                .map(x => x.outerHTML),
        })"""
    )
    expected = messages.plain_line(value)
    assert [c.replace("\u2060", "") for c in found["codes"]] == [expected], found
    assert found["made"] == [], found["made"]


# -- a page of its own: many hostile values through app.messages ----------------------------
FUZZ_APP = """
import json, os, sys
sys.path.insert(0, os.environ["STUDIO_ROOT"])
import streamlit as st
from app import messages
values = json.load(open(os.environ["FUZZ_VALUES"]))
for i, v in enumerate(values):
    with st.container(key=f"m{i}"):
        messages.say("info", "before {v} after", v=v)
"""


@pytest.fixture
def fuzz_server(tmp_path):
    values = ATTACKS + fuzz_values()
    (tmp_path / "values.json").write_text(json.dumps(values))
    (tmp_path / "fuzz_app.py").write_text(FUZZ_APP)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(tmp_path / "fuzz_app.py"),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
        ],
        cwd=ROOT,
        env={**os.environ, "STUDIO_ROOT": str(ROOT), "FUZZ_VALUES": str(tmp_path / "values.json")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("the fuzz app did not start") from None
                time.sleep(0.3)
        yield url, values
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_streamlits_renderer_shows_every_fuzzed_value_literally(fuzz_server, page):
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium")
    url, values = fuzz_server
    asked = watch_requests(page)
    page.goto(url)
    page.wait_for_selector(f".st-key-m{len(values) - 1} {ALERT}", timeout=TIMEOUT)
    for i, value in enumerate(values):
        alert = page.locator(f".st-key-m{i} {ALERT}")
        assert_literal(alert, value)
        text = alert.locator("[data-testid='stMarkdownContainer']").inner_text()
        text = text.replace("\u2060", "")
        assert re.sub(r"\s+", " ", text).strip() == re.sub(
            r"\s+", " ", f"before {messages.plain_line(value)} after"
        ), (value, text)
    assert to_evil(asked) == []
    assert not page.errors


# -- the Playground, opened from the bug report's links -------------------------------------
@pytest.mark.parametrize(
    "value",
    [
        ":red-background[**Your session has expired. Log in at evil.example**]",
        "![x](http://127.0.0.1:1/t.png)",
        "[text](https://evil.example)",
        "<img src=http://127.0.0.1:1/h.png>",
    ],
)
def test_a_crafted_link_cannot_write_into_the_playgrounds_notice(app_url, page, value):
    asked = watch_requests(page)
    page.goto(f"{app_url}/?data={quote(value, safe='')}")
    alert = page.locator(ALERT).filter(has_text="ignored")
    alert.wait_for(timeout=TIMEOUT)
    assert_literal(alert, f"data={value}")
    page.wait_for_timeout(500)  # an image would have been asked for by now
    assert to_evil(asked) == []
    assert "Something went wrong" not in page.locator("body").inner_text()


def test_the_formula_error_quotes_the_formula_verbatim(app_url, page):
    page.goto(f"{app_url}/universal")
    page.wait_for_selector(".st-key-ua_formula input", timeout=TIMEOUT)
    page.locator(".st-key-ua_target").click()
    page.get_by_role("option", name="custom formula").click()
    box = page.locator(".st-key-ua_formula input")
    box.fill("__import__('os')")
    page.get_by_role("button", name="Fit").click()
    alert = page.locator(ALERT).filter(has_text="cannot be used")
    alert.wait_for(timeout=TIMEOUT)
    codes = alert.evaluate("e => [...e.querySelectorAll('code')].map(c => c.textContent)")
    assert codes[0] == "__import__('os')"
    assert "'__import__'" in codes[1]
    assert alert.locator("strong, em").count() == 0


def test_a_formula_too_large_to_fit_is_refused_in_words(app_url, page):
    page.goto(f"{app_url}/universal")
    page.wait_for_selector(".st-key-ua_formula input", timeout=TIMEOUT)
    page.locator(".st-key-ua_target").click()
    page.get_by_role("option", name="custom formula").click()
    page.locator(".st-key-ua_formula input").fill("1e308")
    page.get_by_role("button", name="Fit", exact=True).click()
    alert = page.locator(ALERT).filter(has_text="cannot be used")
    alert.wait_for(timeout=TIMEOUT)
    assert "within ±1e+06" in alert.inner_text()


# -- network files: what the studio saves, it loads (bug 10) --------------------------------
def _open_export(page):
    wait_idle(page)
    page.locator("summary").filter(has_text="Export").click(timeout=TIMEOUT)
    page.wait_for_selector(".st-key-export_json button", timeout=TIMEOUT)


def test_a_saved_250_by_250_network_loads_back(app_url, page, tmp_path):
    page.goto(f"{app_url}/?layers=250,250")
    page.wait_for_selector(".st-key-stats", timeout=TIMEOUT)
    _open_export(page)
    with page.expect_download(timeout=TIMEOUT) as info:
        page.get_by_role("button", name="Network (JSON)", exact=True).click()
    path = tmp_path / "network.json"
    info.value.save_as(path)
    data = path.read_bytes()
    assert len(data) > 600_000, "a 2-250-250-1 network (63,251 weights)"
    page.locator(".st-key-export_upload input[type=file]").set_input_files(
        files=[{"name": "network.json", "mimeType": "application/json", "buffer": data}]
    )
    page.locator("[data-testid='stAlert']").filter(has_text="Loaded the network").wait_for(
        timeout=TIMEOUT
    )
    body = page.locator("body").inner_text()
    assert "413" not in body and "AxiosError" not in body


def test_a_network_over_the_size_limit_is_refused_in_words(app_url, page):
    page.goto(app_url)
    page.wait_for_selector(".st-key-stats", timeout=TIMEOUT)
    _open_export(page)
    big = b" " * (17 * 2**20)
    page.locator(".st-key-export_upload input[type=file]").set_input_files(
        files=[{"name": "big.json", "mimeType": "application/json", "buffer": big}]
    )
    page.wait_for_function(
        "() => /must be 16(\\.0)?MB or smaller/.test(document.body.innerText)", timeout=TIMEOUT
    )
    assert "413" not in page.locator("body").inner_text()


# -- huge finite numbers (bug 11) and the weight editor (bug 7) -----------------------------
def test_a_csv_at_1e308_is_refused_with_a_message(app_url, page):
    page.goto(app_url)
    page.wait_for_selector(".st-key-upload input[type=file]", timeout=TIMEOUT, state="attached")
    rows = "x1,x2,label\n" + "".join(f"{i},{-i},{'ab'[i % 2]}\n" for i in range(10))
    rows += "1e308,-1e308,a\n"
    page.locator(".st-key-upload input[type=file]").set_input_files(
        files=[{"name": "huge.csv", "mimeType": "text/csv", "buffer": rows.encode()}]
    )
    page.locator(ALERT).filter(has_text="too large").wait_for(timeout=TIMEOUT)
    assert "Something went wrong" not in page.locator("body").inner_text()


def _open_editor(page):
    """Open the "Edit a weight" expander (a full rerun of the page may close it)."""
    wait_idle(page)
    if not page.locator(".st-key-edit_weight input[type=number]").is_visible():
        page.locator("summary").filter(has_text="Edit a weight").click(timeout=TIMEOUT)
    page.locator(".st-key-edit_weight input[type=number]").wait_for(timeout=TIMEOUT)


def _box_and_now(page):
    _open_editor(page)
    page.locator(".st-key-edit_weight").get_by_text("Now ").wait_for(timeout=TIMEOUT)
    box = float(page.locator(".st-key-edit_weight input[type=number]").input_value())
    caption = page.locator(".st-key-edit_weight").inner_text()
    now = float(re.search(r"Now (\S+)", caption).group(1).rstrip("."))
    return box, now


def test_the_weight_editors_box_shows_the_weight_now_and_an_empty_set_changes_nothing(
    app_url, page
):
    page.goto(app_url)
    page.wait_for_selector(".st-key-stats", timeout=TIMEOUT)
    _open_editor(page)
    box0, now0 = _box_and_now(page)
    assert box0 == pytest.approx(now0, abs=6e-5)
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click(timeout=TIMEOUT)
        wait_idle(page)
    box, now = _box_and_now(page)
    assert now != pytest.approx(now0), "training moved the weight"
    assert box == pytest.approx(now, abs=6e-5), "the box shows the weight now, not at epoch 0"
    _open_editor(page)
    page.get_by_role("button", name="Set this weight", exact=True).click(timeout=TIMEOUT)
    page.locator(ALERT).filter(has_text="Nothing new was typed").wait_for(timeout=TIMEOUT)
    assert _box_and_now(page)[1] == now, "Set with nothing typed changed nothing"
