"""Plotly figures that change rarely (once a second at most): pure functions of data."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from app.payloads import CLASS_COLORS, network_layout  # shared with the canvas

NEGATIVE, POSITIVE = CLASS_COLORS[0], CLASS_COLORS[1]  # class 0 / - blue, class 1 / + orange
# Plotly's diverging scale for a decision surface, in the same two colours, lighter.
HEAT = [[0.0, "rgb(72,134,187)"], [0.5, "rgb(255,255,255)"], [1.0, "rgb(243,151,72)"]]
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
        # Ticks of its own: synced to the log axis, they fell at 96.2, 92.8, ...
        yaxis2=dict(
            title="accuracy %",
            overlaying="y",
            side="right",
            range=[0, 101],
            showgrid=False,
            tickmode="array",
            tickvals=[0, 25, 50, 75, 100],
        ),
    )
    return fig


def network_diagram(coefs, intercepts, input_names=("x1", "x2")):
    """Units as circles, weights as edges: colour = sign (orange +, blue -), width = |w|.

    Wide layers show their first units and a count of the rest, so 500 units stay legible.
    """
    sizes, shown, weights = network_layout(coefs)
    pos = [[(l, (n - 1) / 2 - i) for i in range(n)] for l, n in enumerate(shown)]
    fig = go.Figure()
    # Edges are grouped by sign and by width bucket: a handful of traces, not one per edge.
    buckets: dict[tuple[int, int], list] = {}
    for l, W in enumerate(weights):
        for i in range(shown[l]):
            for j in range(shown[l + 1]):
                w = float(W[i, j])
                key = (1 if w >= 0 else -1, min(4, int(5 * abs(w))))
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


def diverging_rgb(values, vmax=None):
    """(n, n) values -> (n, n, 3) uint8: blue below 0, white at 0, orange above (row 0 at
    the bottom, as the plane is drawn)."""
    v = np.nan_to_num(np.asarray(values, dtype=float))
    vmax = float(np.abs(v).max()) if vmax is None else float(vmax)
    t = np.clip(v / (vmax or 1.0), -1.0, 1.0)[::-1, :, None]
    white = np.array([255.0, 255.0, 255.0])
    pos, neg = np.array([255.0, 127.0, 14.0]), np.array([31.0, 119.0, 180.0])
    rgb = np.where(t >= 0, white + t * (pos - white), white - t * (neg - white))
    return rgb.astype(np.uint8)


def compare_boundaries(results, extent):
    """Two runs side by side: each one's decision surface and points, one loss chart."""
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.3, 0.3, 0.4],
        horizontal_spacing=0.07,
        subplot_titles=[r.label for r in results] + ["test loss"],
    )
    for c, r in enumerate(results, start=1):
        n = r.surface.shape[0]
        xs = np.linspace(extent[0], extent[1], n)
        ys = np.linspace(extent[2], extent[3], n)
        fig.add_heatmap(
            x=xs,
            y=ys,
            z=np.clip(r.surface, -2, 2),
            zmid=0,
            showscale=False,
            colorscale=[[0, NEGATIVE], [0.5, "white"], [1, POSITIVE]],
            row=1,
            col=c,
        )
        fig.add_contour(
            x=xs,
            y=ys,
            z=r.surface,
            contours=dict(start=0, end=0, coloring="none"),
            line=dict(color="black", width=1.5),
            showscale=False,
            row=1,
            col=c,
        )
        fig.add_scatter(
            x=r.X[:, 0],
            y=r.X[:, 1],
            mode="markers",
            showlegend=False,
            marker=dict(
                size=5,
                color=[POSITIVE if v else NEGATIVE for v in r.y],
                line=dict(color="white", width=0.5),
            ),
            row=1,
            col=c,
        )
        fig.add_scatter(
            x=r.curves["epoch"], y=r.curves["test_loss"], name=r.label, mode="lines", row=1, col=3
        )
    fig.update_yaxes(type="log", row=1, col=3)
    fig.update_layout(**{**_LAYOUT, "height": 340})
    return fig
