"""The live views (input plane and hidden-feature space) as one ``st.components.v2`` component.

``live_view(payload, key=...)`` mounts a component that keeps one ``<canvas>`` in the page and
repaints it in the next animation frame whenever a new payload arrives; nothing is rebuilt,
so it can follow a ``st.fragment(run_every=...)`` at 30+ frames per second. Payloads come
from ``app.payloads.boundary_payload`` / ``hidden_payload``.

The JavaScript and CSS live in ``app/live_view/live_view.js`` and ``live_view.css``; they are
read once at import and registered as inline code (``st.components.v2.component(js=..., css=...)``),
with the colour palettes of ``app.payloads`` prepended to the JS as ``const PALETTE``.
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

try:
    from app.payloads import CLASS_COLORS, UNIT_COLORS
except ImportError:  # app/ itself on sys.path, as under `streamlit run app/streamlit_app.py`
    from payloads import CLASS_COLORS, UNIT_COLORS  # type: ignore[no-redef]

COMPONENT_NAME = "decision_studio.live_view"
_ASSETS = Path(__file__).with_name("live_view")
_PALETTE = {"classes": list(CLASS_COLORS), "units": list(UNIT_COLORS)}

JS = f"const PALETTE = {json.dumps(_PALETTE)};\n" + (_ASSETS / "live_view.js").read_text(
    encoding="utf-8"
)
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
    spacing_ms: int | None = None,
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
    ``payload`` one every ``spacing_ms`` milliseconds; the browser queues them behind what it
    still has to paint, unless ``flush`` (then what was queued is dropped and ``payload`` is
    painted at once: a click or a slider must show now, not after the queue).
    """
    data = dict(payload)
    data["key"] = str(key)
    data["height"] = int(height)
    if burst:
        data["burst"] = list(burst)
        data["spacing_ms"] = int(spacing_ms or 0)
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
