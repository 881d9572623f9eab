"""One running replica (the container of deploy/podman_image.sh check): health, and a Playground
that plays in headless Chromium.

    .venv/bin/python deploy/check_image.py http://127.0.0.1:8501

Waits up to 120 s for the replica to answer; prints one line per check; exits 0 if all pass.
"""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "deploy"))

from check_replicas import BOUNDARY, Checks, wait_frames, wait_until  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def health(url: str) -> str:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.read().decode()
    except OSError as err:
        return f"no answer ({err})"


def main(url: str) -> int:
    from playwright.sync_api import sync_playwright

    url = url.rstrip("/")
    check = Checks()
    t0 = time.time()
    up = wait_until(lambda: health(url) == "ok", 120, step=0.5)
    check(
        up,
        "the replica answers its health check",
        f"{health(url)!r} after {time.time() - t0:.1f} s",
    )
    if not up:
        return 1
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url + "/")
            page.wait_for_selector(f"{BOUNDARY}[data-frame]", timeout=120_000)
            page.click(".st-key-play button")
            check(wait_frames(page, 5), "the Playground plays (5 frames)")
            check(not errors, "no errors on the page", "; ".join(errors)[:300])
        finally:
            browser.close()
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8501"))
