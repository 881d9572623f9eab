"""The Playground under Streamlit's AppTest: opening it from a link, and reading what it shows.

Shared by the AppTest suites of the Playground (not a test module itself).
"""

from __future__ import annotations

import json
from pathlib import Path

TIMEOUT = 60
APP = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"


def make_app(**query):
    """An AppTest of the app as a link with these query parameters would open it (not run)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    return at


def loaded(**query):
    """``make_app(**query)``, run once and checked clean."""
    at = make_app(**query)
    at.run()
    assert_ok(at)
    return at


def assert_ok(at):
    """No exception element and none of the page's own "Something went wrong" errors."""
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error], [e.value for e in at.error]


def view_data(at, key):
    """The latest data sent to the live view mounted under ``key``."""
    for element in at.get("bidi_component"):
        data = json.loads(element.proto.json)
        if data.get("key") == key:
            return data
    raise AssertionError(f"no live view with key {key!r}")
