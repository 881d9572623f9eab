"""The live views (input plane and hidden-feature space) as one ``st.components.v2`` component.

``live_view(payload, key=...)`` mounts a component that keeps one ``<canvas>`` in the page and
repaints it in place, one queued frame per animation frame (up to the display's rate);
nothing is rebuilt. Payloads come from ``app.payloads.boundary_payload`` / ``hidden_payload``.
A button in the view's corner saves what the canvas shows as a PNG (``boundary.png``,
``hidden.png``) with at least two pixels per CSS pixel.

The JavaScript lives in ``app/live_view/`` as one file per part (``MODULES``, in load order:
colours, helpers, the frame stream and paint clock, points, surface, hidden space, axes, charts,
the save button, the view, the entry). Components v2 takes a file path only for a component
declared with an ``asset_dir`` in an installed package's ``pyproject.toml``, and runs inline JS
as one module from a blob URL (no relative imports), so the files are read once at import and
joined into one inline script (``st.components.v2.component(js=..., css=...)``), with the
colours of ``app.palette`` prepended as ``const PALETTE``. Each part uses only names defined by
the parts before it, or at call time.
The component is mounted without a shadow root (``isolate_styles=False``), so browser tests
can query ``.st-key-<key> .lv-root[data-frame]`` with plain ``document.querySelector``.

Browser -> Python:
  * ``click``: ``{"x", "y", "point": {"set": "train"|"test", "index": i} | None, "view",
    "frame"}``, a trigger value (one rerun); read ``result.click`` or pass ``on_click``.
  * ``need_points``: sent when the browser has no cached points for the payload's
    ``points_version`` (e.g. after a page reload); handled here by re-sending them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import streamlit as st

from app.palette import PALETTE

COMPONENT_NAME = "decision_studio.live_view"
_ASSETS = Path(__file__).with_name("live_view")
MODULES = (
    "colors.js",
    "helpers.js",
    "stream.js",
    "points.js",
    "surface.js",
    "hidden.js",
    "axes.js",
    "charts.js",
    "save.js",
    "view.js",
    "main.js",
)


def _script() -> str:
    """The parts of the live view's JS in load order, each under a line naming its file."""
    parts = []
    for name in MODULES:
        text = (_ASSETS / name).read_text(encoding="utf-8")
        parts.append(f"// ---- app/live_view/{name}\n{text}")
    return "\n".join(parts)


JS = f"const PALETTE = {json.dumps(PALETTE)};\n" + _script()
CSS = (_ASSETS / "live_view.css").read_text(encoding="utf-8")

_component = st.components.v2.component(COMPONENT_NAME, js=JS, css=CSS, isolate_styles=False)


def _sent_key(key: str) -> str:
    return f"_live_view_points_sent::{key}"


def _noop() -> None:
    return None


def live_view(
    payload: dict,
    *,
    key: str,
    height: int = 420,
    on_click=None,
    burst: list[dict] | None = None,
    spacing_ms: float | None = None,
    flush: bool = True,
) -> object:
    """Mount (or update) the live view for ``payload`` under ``key``; return its result.

    ``payload`` is a dict from ``boundary_payload`` or ``hidden_payload``. The element gets
    the CSS class ``st-key-<key>``; its canvas container carries ``data-frame`` (the payload's
    frame, set at each paint), ``data-view`` and ``data-points`` (points drawn); the element's
    ``lvStats`` property counts frames ``received``, ``dropped`` and ``paints`` (new frames
    painted), and holds the last paint's ``paintMs``.

    Points are sent at most once per content: when the payload's ``"points"`` equal those
    already sent for this key (same ``points_version`` and content), they are left out and
    the browser reuses its cached copy. ``on_click`` (no arguments) runs before the rerun a
    click on the canvas causes; the click itself is ``result.click`` (``None`` otherwise).

    ``burst`` are further payloads of the same view (later frames), painted after
    ``payload``, one per animation frame and never sooner than ``spacing_ms`` milliseconds
    after the last (slower when runs come slower than their frames last); the browser queues
    them behind what it still has to paint, unless ``flush`` (then what was queued is dropped
    and ``payload`` is painted at once: a click or a slider must show now, not after the
    queue). Later payloads may hold only what differs from ``payload``: the browser fills in
    the rest from it.
    """
    data = dict(payload)
    data["key"] = str(key)
    data["height"] = int(height)
    if burst:
        data["burst"] = list(burst)
        data["spacing_ms"] = float(spacing_ms or 0)
    data["flush"] = bool(flush)

    sent_key = _sent_key(str(key))
    mark = None
    if "points" in data:
        blob = json.dumps(data["points"], separators=(",", ":")).encode()
        mark = (data.get("points_version"), hashlib.blake2b(blob, digest_size=16).hexdigest())
        if st.session_state.get(sent_key) == mark:
            del data["points"]
            mark = None

    def _resend_points() -> None:
        st.session_state.pop(sent_key, None)

    result = _component(
        key=key,
        data=data,
        height=int(height),
        on_click_change=on_click if callable(on_click) else _noop,
        on_need_points_change=_resend_points,
    )
    if mark is not None:
        st.session_state[sent_key] = mark
    return result
