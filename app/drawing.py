"""Draw your own data on the input plane: click to add a point, shift-click for the other
class, alt-click a point to remove it.

Drawn points are a data set like an uploaded CSV: ``Uploaded(name=DRAWN, ...)`` under the
dataset name ``CUSTOM``, so they train, export and survive a visit to a lab like any other
data. Turning "Draw points" on copies the present data (train and test as they are), so a
lecturer starts from the moons and moves a few points, or clears nothing and adds outliers.

A drawn point joins the training set, and the network keeps its weights (as "regenerate"
does): a point drawn while the network trains shows its pull on the boundary at once. A
re-split at every click would move other points between train and test for no reason.

Pure functions (``add_point``, ``nearest``, ``remove_nearest``) act on ``(X, y)``; the rest is
the page's glue: ``show_controls(ps)`` draws the toggle and the class picker, and
``handle_click(ps, click)`` applies a click of the input plane (the live view's ``click``
trigger value) and says whether the page must be redrawn.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from app import messages as M
from app import state as S
from app.config import CUSTOM, with_changes

DRAWN = "drawn points"  # the Uploaded's name: the sidebar offers it as the "csv" dataset
MAX_POINTS = 2000  # as the "Number of points" slider
MODE_KEY, CLASS_KEY = "draw_mode", "draw_class"


# -- pure functions -----------------------------------------------------------------------------
def add_point(X, y, xy, label):
    """``(X, y)`` with the point ``xy`` of class ``label`` appended (new arrays)."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    y = np.asarray(y)
    point = np.asarray(xy, dtype=np.float64).reshape(1, 2)
    if not np.all(np.isfinite(point)):
        raise ValueError(f"a point needs two finite coordinates, got {xy!r}")
    return np.vstack([X, point]), np.append(y, label).astype(y.dtype)


def nearest(X, xy) -> int | None:
    """Index of the point of ``X`` nearest to ``xy`` (Euclidean), None when ``X`` is empty."""
    X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
    if not len(X):
        return None
    d2 = np.sum((X - np.asarray(xy, dtype=np.float64).reshape(1, 2)) ** 2, axis=1)
    return int(np.nanargmin(d2)) if np.isfinite(d2).any() else None


def remove_nearest(X, y, xy):
    """``(X, y, index)``: the data without its point nearest to ``xy``, and that point's
    index in the given arrays (``X, y, None`` unchanged when there is no point)."""
    i = nearest(X, xy)
    if i is None:
        return np.asarray(X), np.asarray(y), None
    return np.delete(np.asarray(X), i, axis=0), np.delete(np.asarray(y), i), i


# -- the session's drawn data -------------------------------------------------------------------
def is_drawn(ps) -> bool:
    """Whether the Playground trains on drawn points now."""
    return ps.config.dataset == CUSTOM and ps.uploaded is not None and ps.uploaded.name == DRAWN


def can_draw(ps) -> bool:
    """Points are drawn with a class: classification data only."""
    return not ps.config.regression and ps.data.n_classes >= 2


def start(ps) -> None:
    """Make the present data the drawn data set, keeping its split and the network."""
    if is_drawn(ps):
        return
    d = ps.data
    ps.uploaded = S.Uploaded(
        DRAWN,
        np.concatenate([d.X_train, d.X_test]),
        np.concatenate([np.asarray(d.y_train), np.asarray(d.y_test)]),
        tuple(d.class_names),
    )
    # The sidebar then shows the drawn set as the dataset, and its config equals this one:
    # no rebuild, the network goes on from where it is.
    ps.config = with_changes(ps.config, dataset=CUSTOM)
    st.session_state["cfg_dataset"] = CUSTOM


def _replace(ps, X_train, y_train, X_test, y_test) -> None:
    """Train and evaluate on new drawn data from the next step on, weights kept."""
    d = ps.data
    ps.uploaded = S.Uploaded(
        DRAWN,
        np.concatenate([X_train, X_test]),
        np.concatenate([y_train, y_test]),
        tuple(d.class_names),
    )
    S.use_data(ps, S.Data(X_train, y_train, X_test, y_test, d.n_classes, d.class_names))
    ps.trainer.clear_stop()


def add(ps, xy, label: int) -> str | None:
    """Add a training point of class ``label`` at ``xy``; a message when it was refused."""
    d = ps.data
    if len(d.X_train) + len(d.X_test) >= MAX_POINTS:
        return M.text(
            "At most {n} points can be drawn; alt-click a point to remove it.", n=MAX_POINTS
        )
    X_train, y_train = add_point(d.X_train, d.y_train, xy, label)
    _replace(ps, X_train, y_train, d.X_test, np.asarray(d.y_test))
    return None


def remove(ps, xy) -> str | None:
    """Remove the point (train or test) nearest to ``xy``; a message when it was refused."""
    d = ps.data
    X = np.concatenate([d.X_train, d.X_test])
    y = np.concatenate([np.asarray(d.y_train), np.asarray(d.y_test)])
    X_left, y_left, i = remove_nearest(X, y, xy)
    if i is None:
        return M.text("There is no point to remove.")
    n_train = len(d.X_train)
    if i < n_train and n_train <= 2:
        return M.text("The network needs at least two training points: this one stays.")
    if not np.any(y_left == y[i]):
        return M.text("This is the last point of {name}: it stays.", name=_name(ps, int(y[i])))
    cut = n_train - 1 if i < n_train else n_train  # where the test points now start
    _replace(ps, X_left[:cut], y_left[:cut], X_left[cut:], y_left[cut:])
    return None


def _name(ps, k: int) -> str:
    names = ps.data.class_names
    return names[k] if 0 <= k < len(names) else f"class {k}"


# -- the page -----------------------------------------------------------------------------------
def _toggled() -> None:
    ps = st.session_state.get("playground")
    if ps is not None and st.session_state.get(MODE_KEY) and can_draw(ps):
        start(ps)


def show_controls(ps) -> None:
    """The "Draw points" toggle and, while it is on, the class a click adds. Each element is
    as wide as its content, so they sit in the page's row of controls."""
    if st.session_state.get(MODE_KEY) and not is_drawn(ps):
        # Another dataset was chosen (or a CSV uploaded) while drawing: drawing stops.
        st.session_state[MODE_KEY] = False
    drawable = can_draw(ps)
    k = ps.data.n_classes
    other = "the other class" if k == 2 else "the next class"
    on = st.toggle(
        "Draw points",
        key=MODE_KEY,
        on_change=_toggled,
        disabled=not drawable,
        width="content",
        help=f"Click on the input plane to add a point of the chosen class, shift-click for "
        f"{other}, alt-click a point to remove it. Drawing starts from the present points "
        "and keeps the network; a drawn point joins the training data."
        if drawable
        else "Drawn points have a class: choose a classification dataset.",
    )
    if not (on and drawable):
        return
    if st.session_state.get(CLASS_KEY, 0) not in range(k):
        st.session_state[CLASS_KEY] = 0
    st.radio(
        "Class of a click",
        range(k),
        key=CLASS_KEY,
        horizontal=True,
        format_func=lambda i: M.literal(_name(ps, i)),  # a CSV's label: never Markdown
        label_visibility="collapsed",
        width="content",
    )
    n = len(ps.data.X_train) + len(ps.data.X_test)
    st.caption(
        M.text(
            "shift-click: {other} · alt-click: remove · {n} points", other=M.Markdown(other), n=n
        ),
        width="content",
    )


def handle_click(ps, click) -> bool:
    """Apply a click of the input plane while drawing; True when the data (or a message)
    changed, so the whole page must be drawn again."""
    if not click or not st.session_state.get(MODE_KEY) or not is_drawn(ps):
        return False
    if not isinstance(click, dict) or click.get("view") != "boundary":
        return False
    try:
        xy = (float(click["x"]), float(click["y"]))
    except (KeyError, TypeError, ValueError):
        return False
    if not all(math.isfinite(v) for v in xy):
        return False
    if click.get("alt"):
        if click.get("point") is None:
            message = M.text("Alt-click on a point to remove it.")
        else:
            message = remove(ps, xy)
    else:
        k = ps.data.n_classes
        label = int(st.session_state.get(CLASS_KEY, 0)) % k
        if click.get("shift"):
            label = (label + 1) % k
        message = add(ps, xy, label)
    if message:
        ps.notices.append(message)
    return True
