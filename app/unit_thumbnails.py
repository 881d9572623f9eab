"""Per-unit thumbnails: each input and hidden unit's own output over the plane.

TensorFlow Playground draws one small heat map per neuron; choosing a unit shows it large.
"""

from __future__ import annotations

import streamlit as st

from app import figures, frames
from engine import geometry

THUMB_GRID = 32
MAX_UNITS_PER_LAYER = 8


def _label(layer, unit, names, n_layers):
    if layer == 0:
        return names[unit]
    if layer == n_layers:
        return f"output {unit + 1}"
    return f"layer {layer} · z{unit + 1}"


def show(net, ps):
    extent = frames.plane_extent(ps.data)
    phi = ps.features
    with st.container(key="unit_thumbnails"):
        st.markdown("**Each unit's output over the plane** (orange > 0 > blue)")
        choices = []
        for layer in range(net.n_layers + 1):
            surfaces = geometry.unit_surfaces(net, extent, THUMB_GRID, layer, inputs=phi)
            shown = surfaces[:MAX_UNITS_PER_LAYER]
            labels = [_label(layer, u, phi.names, net.n_layers) for u in range(len(shown))]
            choices += [(layer, u) for u in range(len(surfaces))]
            more = len(surfaces) - len(shown)
            cols = st.columns([1] + [1] * MAX_UNITS_PER_LAYER)
            cols[0].caption(
                "inputs" if layer == 0 else "output" if layer == net.n_layers else f"hidden {layer}"
            )
            for col, surface, label in zip(cols[1:], shown, labels, strict=False):
                col.image(figures.diverging_rgb(surface), caption=label, width=64)
            if more > 0:
                cols[-1].caption(f"+{more} more")
        pick = st.selectbox(
            "Show one unit large",
            choices,
            key="unit_large",
            format_func=lambda c: _label(c[0], c[1], phi.names, net.n_layers),
        )
        if pick is not None:
            layer, unit = pick
            big = geometry.unit_surfaces(net, extent, 120, layer, inputs=phi)
            if unit < len(big):
                st.image(
                    figures.diverging_rgb(big[unit]),
                    width=260,
                    caption=f"{_label(layer, unit, phi.names, net.n_layers)} over "
                    f"x1 in [{extent[0]:.1f}, {extent[1]:.1f}], "
                    f"x2 in [{extent[2]:.1f}, {extent[3]:.1f}]",
                )
