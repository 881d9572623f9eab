"""Plotly figures that change rarely (once a second at most): pure functions of data."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

POSITIVE, NEGATIVE = "#ff7f0e", "#1f77b4"  # the classes' colours: + orange, - blue
MAX_DRAWN_UNITS = 12
_LAYOUT = dict(
    template="none",
    margin=dict(l=50, r=20, t=30, b=40),
    height=300,
    font=dict(size=12),
    legend=dict(orientation="h", y=1.12, x=0),
)


def loss_curves(curves: dict, regression: bool = False, marker_step: float | None = None):
    """Train/test loss (log scale) and, for classification, accuracy on a second axis."""
    fig = go.Figure()
    x = curves["epoch"]
    for name, color, dash in (("train_loss", NEGATIVE, None), ("test_loss", POSITIVE, "dot")):
        y = curves[name]
        if np.isfinite(y).any():
            fig.add_scatter(
                x=x,
                y=y,
                name=name.replace("_", " "),
                mode="lines",
                line=dict(color=color, dash=dash, width=2),
            )
    if not regression:
        for name, color in (("train_accuracy", "#6a3d9a"), ("test_accuracy", "#1b9e77")):
            y = curves[name]
            if np.isfinite(y).any():
                fig.add_scatter(
                    x=x,
                    y=100 * y,
                    name=name.replace("_", " ") + " %",
                    mode="lines",
                    yaxis="y2",
                    line=dict(color=color, width=1.5),
                )
    if marker_step is not None:
        fig.add_vline(x=marker_step, line=dict(color="#444", dash="dash", width=1))
    fig.update_layout(
        **_LAYOUT,
        xaxis=dict(title="epoch"),
        yaxis=dict(title="loss", type="log"),
        yaxis2=dict(
            title="accuracy %", overlaying="y", side="right", range=[0, 101], showgrid=False
        ),
    )
    return fig


def network_diagram(coefs, intercepts, input_names=("x1", "x2")):
    """Units as circles, weights as edges: colour = sign (orange +, blue -), width = |w|.

    Wide layers show their first units and a count of the rest, so 500 units stay legible.
    """
    sizes = [coefs[0].shape[0]] + [W.shape[1] for W in coefs]
    shown = [min(s, MAX_DRAWN_UNITS) for s in sizes]
    pos = [[(l, (n - 1) / 2 - i) for i in range(n)] for l, n in enumerate(shown)]
    scale = (
        max((np.abs(W[: shown[l], : shown[l + 1]]).max() for l, W in enumerate(coefs)), default=1.0)
        or 1.0
    )
    fig = go.Figure()
    # Edges are grouped by sign and by width bucket: a handful of traces, not one per edge.
    buckets: dict[tuple[int, int], list] = {}
    for l, W in enumerate(coefs):
        for i in range(shown[l]):
            for j in range(shown[l + 1]):
                w = float(W[i, j])
                key = (1 if w >= 0 else -1, min(4, int(5 * abs(w) / scale)))
                (x0, y0), (x1, y1) = pos[l][i], pos[l + 1][j]
                buckets.setdefault(key, []).append((x0, y0, x1, y1))
    for (sign, width), segments in sorted(buckets.items()):
        xs = [v for x0, _, x1, _ in segments for v in (x0, x1, None)]
        ys = [v for _, y0, _, y1 in segments for v in (y0, y1, None)]
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            hoverinfo="skip",
            showlegend=False,
            line=dict(color=POSITIVE if sign > 0 else NEGATIVE, width=0.6 + 1.2 * width),
        )
    names = [list(input_names)] + [
        [f"b={b[i]:.2f}" for i in range(shown[l + 1])] for l, b in enumerate(intercepts)
    ]
    for l, layer in enumerate(pos):
        xs, ys = zip(*layer, strict=True)
        label = "input" if l == 0 else ("output" if l == len(pos) - 1 else f"hidden {l}")
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="markers",
            hoverinfo="text",
            text=[f"{label} unit {i + 1}<br>{names[l][i]}" for i in range(len(xs))],
            marker=dict(size=16, color="white", line=dict(color="#333", width=1.5)),
            showlegend=False,
        )
        if sizes[l] > shown[l]:
            fig.add_annotation(
                x=l,
                y=min(ys) - 0.8,
                text=f"+{sizes[l] - shown[l]} more",
                showarrow=False,
                font=dict(size=11, color="#555"),
            )
    fig.update_layout(
        **{**_LAYOUT, "height": 260}, xaxis=dict(visible=False), yaxis=dict(visible=False)
    )
    return fig
