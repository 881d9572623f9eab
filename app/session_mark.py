"""Tell a page that lost its server from a link opened afresh, without a session id in the URL.

A copied link must open cleanly for anyone, so the id that marks a browser's session lives in
a cookie the page sets (``studio_session``), never in the link. When a server restarts, or a
load balancer moves an open page to another replica, the page reconnects with that cookie;
the new server did not issue the id and says so. A link opened in a fresh browser has no
cookie; one opened in another tab of the same browser carries an id this server issued.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict

import streamlit as st

COOKIE = "studio_session"
# Ids this server process issued. Only ever added to and looked up: no user's state.
_ISSUED: OrderedDict[str, None] = OrderedDict()
_LOCK = threading.Lock()
MAX_REMEMBERED = 100_000  # ~10 MB at most; an id older than that many sessions is forgotten

_JS = f"""
export default function (component) {{
  const sid = component.data && component.data.sid;
  if (typeof sid === "string" && /^[0-9a-f]{{1,32}}$/.test(sid)) {{
    document.cookie = {json.dumps(COOKIE)} + "=" + sid + "; path=/; SameSite=Strict";
  }}
}}
"""
_component = st.components.v2.component("decision_studio.session_mark", js=_JS)


def issue() -> str:
    """A new id for this browser session, remembered as issued here."""
    sid = uuid.uuid4().hex[:16]
    with _LOCK:
        _ISSUED[sid] = None
        while len(_ISSUED) > MAX_REMEMBERED:
            _ISSUED.popitem(last=False)
    return sid


def was_issued_here(sid: str) -> bool:
    with _LOCK:
        return sid in _ISSUED


def lost_server() -> bool:
    """True when this browser carries a session id that this server never issued: the page
    was open on a server that has since restarted, or on another replica."""
    try:
        sid = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 — no browser behind this run (a bare script)
        return False
    # Under AppTest there is no browser and the cookies are a stand-in, not strings.
    return isinstance(sid, str) and bool(sid) and not was_issued_here(sid)


def mark(sid: str) -> None:
    """Set the cookie in the browser (an invisible element)."""
    _component(key="session_mark", data={"sid": sid}, height=0)
