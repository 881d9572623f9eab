"""Edit one weight or bias by hand; the change takes effect at once, playing or not.

The value box shows the chosen weight as it is now (refilled on every run of the page while
the user has not typed in it), so "Set" with nothing typed changes nothing. A value must be
finite and within ``serialize.MAX_WEIGHT``: the box refuses more (Streamlit's own message),
and ``_set`` refuses it again with a notice, since a weight of 1e308 would pass the engine
and then overflow every picture.
"""

from __future__ import annotations

import math

import streamlit as st

from app import messages
from engine.serialize import MAX_WEIGHT

BOX, FILLED = "weight_value", "edit_filled"  # the box, and (weight, value) it was filled with


def _in_box(value: float) -> float:
    """A weight as the box can hold it: clamped to the box's range, 0 when not finite."""
    return min(max(float(value), -MAX_WEIGHT), MAX_WEIGHT) if math.isfinite(value) else 0.0


def _set(ps, layer, row, col):
    value = st.session_state.get(BOX)
    filled = st.session_state.get(FILLED)
    if filled == ((layer, row, col), value):
        # Nothing typed: the box still shows what it was filled with, which may lag the
        # weight while it trains. Writing it back would undo that training.
        ps.notices.append(messages.text("Nothing new was typed: the weight is unchanged."))
        return
    if value is None:
        # An empty box, or a value Streamlit refused (out of range, not finite): its
        # number_input then gives its default, None, never a number in its place.
        ps.notices.append(
            messages.text(
                "The weight was not changed: type a finite number within ±{limit:,.0f} first.",
                limit=MAX_WEIGHT,
            )
        )
        return
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not (math.isfinite(number) and abs(number) <= MAX_WEIGHT):
        ps.notices.append(
            messages.text(
                "The weight was not changed: {value} is not a number within ±{limit:,.0f}.",
                value=value,
                limit=MAX_WEIGHT,
            )
        )
        return
    try:
        ps.trainer.set_parameter(layer, row, col, number)
    except (TypeError, ValueError, IndexError) as err:
        ps.notices.append(
            messages.text("The weight was not changed: {why}", why=messages.detail(err))
        )
        return
    st.session_state[FILLED] = ((layer, row, col), number)
    ps.scrub = None


def show(ps):
    net = ps.trainer.net
    with st.expander("Edit a weight"), st.container(key="edit_weight"):
        c = st.columns(4)
        layer = c[0].selectbox(
            "Layer l",
            range(1, net.n_layers + 1),
            key="edit_layer",
            format_func=lambda l: f"W{l} (into {'output' if l == net.n_layers else f'hidden {l}'})",
        )
        n_in, n_out = net.coefs[layer - 1].shape
        sources = [*range(n_in), None]
        row = c[1].selectbox(
            "From unit",
            sources,
            key="edit_from",
            format_func=lambda r: "bias b" if r is None else f"unit {r + 1}",
        )
        col = c[2].selectbox(
            "To unit", range(n_out), key="edit_to", format_func=lambda u: f"unit {u + 1}"
        )
        current = float(
            net.intercepts[layer - 1][col] if row is None else net.coefs[layer - 1][row, col]
        )
        chosen = (layer, row, col)
        filled = st.session_state.get(FILLED)
        untouched = filled is not None and st.session_state.get(BOX) == filled[1]
        if filled is None or filled[0] != chosen or untouched:
            # The weight's value now; what the user typed (and has not set) is kept.
            fill = _in_box(current)
            st.session_state[BOX] = fill
            st.session_state[FILLED] = (chosen, fill)
        c[3].number_input(
            "Value",
            # Not "min": a refused value would fall back to the default, and -1e6 be set.
            value=None,
            min_value=-MAX_WEIGHT,
            max_value=MAX_WEIGHT,
            step=0.1,
            format="%.4f",
            key=BOX,
            help=f"A finite number within ±{MAX_WEIGHT:,.0f}.",
        )
        st.button("Set this weight", key="set_weight", on_click=_set, args=(ps, layer, row, col))
        beyond = "" if abs(current) <= MAX_WEIGHT else f" (beyond the box's ±{MAX_WEIGHT:,.0f})"
        st.caption(f"Now {current:.4g}{beyond}. The boundary and the hidden space follow at once.")
