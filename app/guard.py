"""The last line of defence of a page: an unexpected error becomes a short message and a way out.

``guarded(page_fn, state_keys=..., name=...)`` runs a page body. Any ``Exception`` that
escapes it is logged on the server with its full traceback (``logging``, logger
``app.guard``) and shown to the user as one short ``st.error`` ("Something went wrong: ...;
your last good state is kept") with a "Reset this page" button (key ``reset_page``) that
drops the page's session-state keys and reruns the app. The user never sees a traceback.
An exception's text may quote what the user typed or uploaded, so it is shown only as a
literal (``app.messages``), never as Markdown.

Streamlit's own control flow (``st.rerun``, ``st.stop``, a newer rerun interrupting this one)
raises exceptions that derive from ``BaseException``, not ``Exception``; they pass through
untouched.

Two more wrappers cover the code a page-level ``try`` cannot reach:

* ``guard.fragment_body(fn, ...)`` for the body of an ``st.fragment``: a fragment's reruns
  (every ``run_every`` tick) call the function on their own, outside the page body, so an
  error there would otherwise be Streamlit's red traceback box. ``functools.wraps`` keeps the
  function's module and name, from which Streamlit derives the fragment's id.
* ``guard.callback(fn, ...)`` for ``on_click`` / ``on_change`` callbacks: they run before the
  script, outside any page body. An error is logged and queued; the next ``guarded`` (or
  ``fragment_body``) run shows it with the reset button.

``state_keys`` are exact session-state keys or ``fnmatch`` patterns (``"cfg_*"``).
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitDuplicateElementKey

from app import messages

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("app.guard")

LOG_EVERY = 60.0  # seconds between two full reports of the same error
_LOGGED: dict[tuple, tuple[float, int]] = {}
_LOG_LOCK = threading.Lock()

RESET_KEY = "reset_page"
PENDING_KEY = "_guard_pending_errors"  # errors raised in callbacks, shown on the next run
MAX_DETAIL = 160  # characters of the exception's text shown to the user


def describe(err: BaseException, limit: int = MAX_DETAIL) -> str:
    """``"ValueError: the text"`` on one line, at most about ``limit`` characters.

    Plain text that may quote user input: show it only through ``messages.text`` (as a
    literal), never as Markdown.
    """
    text = messages.detail(err, limit)
    name = type(err).__name__
    return f"{name}: {text}" if text else name


def drop_state(state_keys: Iterable[str]) -> list[str]:
    """Delete the session-state keys named (exactly, or by an fnmatch pattern); return them."""
    patterns = tuple(state_keys)
    dropped = []
    for key in list(st.session_state.keys()):
        key = str(key)
        if any(key == p or fnmatch.fnmatchcase(key, p) for p in patterns):
            try:
                del st.session_state[key]
            except (KeyError, StreamlitAPIException):
                continue
            dropped.append(key)
    return dropped


def _show(message: messages.Markdown, state_keys: tuple[str, ...], name: str) -> None:
    messages.show("error", message, icon=":material/warning:")
    try:
        clicked = st.button(
            "Reset this page",
            key=RESET_KEY,
            help="Forget this page's state and start it again from its link.",
        )
    except StreamlitDuplicateElementKey:
        return  # a second error in the same run: its button is already on the page
    if clicked:
        dropped = drop_state(state_keys)
        log.warning("%s: reset by the user; dropped %s", name, dropped)
        st.rerun(scope="app")


def _log(err: Exception, name: str) -> None:
    """The full traceback on the server; a fragment failing 30 times a second logs it once a
    minute (with a count), not 30 times a second."""
    key = (name, type(err).__name__, str(err)[:200])
    now = time.monotonic()
    with _LOG_LOCK:
        last, repeats = _LOGGED.get(key, (None, 0))
        if last is not None and now - last < LOG_EVERY:
            _LOGGED[key] = (last, repeats + 1)
            return
        if len(_LOGGED) > 256:
            _LOGGED.clear()
        _LOGGED[key] = (now, 0)
    again = f" (and {repeats} more times since the last report)" if repeats else ""
    log.error("%s failed%s", name, again, exc_info=err)


def _report(
    err: Exception,
    state_keys: tuple[str, ...],
    name: str,
    on_error: Callable[[Exception], Any] | None = None,
) -> None:
    _log(err, name)
    if on_error is not None:
        try:
            on_error(err)
        except Exception:  # noqa: BLE001
            log.exception("%s: the on_error hook failed too", name)
    _show(
        messages.text(
            "Something went wrong: {what}; your last good state is kept.", what=describe(err)
        ),
        state_keys,
        name,
    )


def _show_pending(state_keys: tuple[str, ...], name: str) -> None:
    pending = st.session_state.get(PENDING_KEY)
    if not pending:
        return
    del st.session_state[PENDING_KEY]
    for where, text in pending[-3:]:
        _show(
            messages.text(
                "Something went wrong in the {where} action: {what}; your last good state is kept.",
                where=where,
                what=text,
            ),
            state_keys,
            name,
        )


def guarded(
    page_fn: Callable[[], Any],
    *,
    state_keys: Iterable[str] = ("playground",),
    name: str = "page",
    on_error: Callable[[Exception], Any] | None = None,
) -> Any:
    """Run ``page_fn()``; turn an unexpected ``Exception`` into a message and a reset button.

    ``on_error(err)`` runs after the error is logged (e.g. to stop playing, so a failing
    live view does not fail 30 times a second). Returns what ``page_fn`` returns, or
    ``None`` after an error.
    """
    keys = tuple(state_keys)
    _show_pending(keys, name)
    try:
        return page_fn()
    except Exception as err:  # noqa: BLE001 — the last line of defence, logged in full
        _report(err, keys, name, on_error)
        return None


def fragment_body(
    fn: F,
    *,
    state_keys: Iterable[str] = ("playground",),
    name: str | None = None,
    on_error: Callable[[Exception], Any] | None = None,
) -> F:
    """``fn`` guarded as ``guarded`` does, for use as an ``st.fragment`` body.

    ``st.fragment(guard.fragment_body(draw_live_views), run_every=...)(ps)``
    """
    keys = tuple(state_keys)
    label = name or getattr(fn, "__qualname__", "fragment")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _show_pending(keys, label)
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001
            _report(err, keys, label, on_error)
            return None

    return wrapper  # type: ignore[return-value]


def callback(fn: F, *, name: str | None = None) -> F:
    """``fn`` for ``on_click`` / ``on_change``: an error is logged and shown on the next run.

    ``st.button("Play", on_click=guard.callback(_play))``
    """
    label = name or getattr(fn, "__name__", "a callback").lstrip("_")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001
            _log(err, f"callback {label}")
            pending = list(st.session_state.get(PENDING_KEY, []))
            pending.append((label, describe(err)))
            st.session_state[PENDING_KEY] = pending[-5:]
            return None

    return wrapper  # type: ignore[return-value]
