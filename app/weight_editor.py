"""Edit one weight or bias by hand; the change takes effect at once, playing or not."""

from __future__ import annotations

import math

import streamlit as st


def _set(ps, layer, row, col):
    value = st.session_state.get("weight_value")
    try:
        ps.trainer.set_parameter(layer, row, col, float(value))
    except (TypeError, ValueError) as err:
        ps.notices.append(f"The weight was not changed: {err}")
        return
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
        current = net.intercepts[layer - 1][col] if row is None else net.coefs[layer - 1][row, col]
        # The box starts at the chosen weight's value, and keeps what the user types until
        # another weight is chosen (a changing default would reset the widget each run).
        if st.session_state.get("edit_selected") != (layer, row, col):
            st.session_state["edit_selected"] = (layer, row, col)
            st.session_state["weight_value"] = float(current) if math.isfinite(current) else 0.0
        c[3].number_input("Value", step=0.1, format="%.4f", key="weight_value")
        st.button("Set this weight", key="set_weight", on_click=_set, args=(ps, layer, row, col))
        st.caption(f"Now {current:.4f}. The boundary and the hidden space follow at once.")
