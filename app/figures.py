"""Plotly figures that change rarely (once a second at most): pure functions of data."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app.palette import (
    BOUNDARY,
    GRAD_CLIP,
    GRAD_NORM,
    INVISIBLE,
    MUTED_TEXT,
    NEGATIVE,
    NODE_EDGE,
    NODE_FILL,
    PALETTE,
    PANEL,
    POINT_EDGE,
    POSITIVE,
    RUNS,
    TEST_ACCURACY,
    TEST_LOSS,
    TRAIN_ACCURACY,
    TRAIN_LOSS,
    rgb,
)
from app.payloads import network_layout  # shared with the canvas

# A full-HD slide: laid out at 960 x 540 CSS pixels (the fonts stay readable on a
# projector) and exported at twice that.
SLIDE_WIDTH, SLIDE_HEIGHT, SLIDE_SCALE = 960, 540, 2


def slide_config(filename: str, width=SLIDE_WIDTH, height=SLIDE_HEIGHT, scale=SLIDE_SCALE) -> dict:
    """Plotly config for ``st.plotly_chart(config=...)``: the toolbar's camera button
    downloads ``<filename>.png`` of ``width * scale`` x ``height * scale`` pixels."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {
            "format": "png",
            "filename": str(filename),
            "width": int(width),
            "height": int(height),
            "scale": scale,
        },
    }


_LAYOUT = dict(
    template="none",
    margin=dict(l=50, r=20, t=30, b=40),
    height=300,
    font=dict(size=12),
    legend=dict(orientation="h", y=1.12, x=0),
)


def loss_curves(
    curves: dict,
    regression: bool = False,
    marker_step: float | None = None,
    clip_norm: float | None = None,
    height: int = 360,
):
    """Train/test loss (log scale) and, for classification, accuracy on a second axis; below,
    the gradient's norm ||g|| (what clipping caps), with the threshold and the moments where
    clipping fired."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.66, 0.34],
        vertical_spacing=0.06,
        specs=[[{"secondary_y": True}], [{}]],
    )
    x = curves["epoch"]
    for name, color, dash in (("train_loss", TRAIN_LOSS, None), ("test_loss", TEST_LOSS, "dot")):
        y = curves[name]
        if np.isfinite(y).any():
            fig.add_scatter(
                x=x,
                y=y,
                name=name.replace("_", " "),
                mode="lines",
                line=dict(color=color, dash=dash, width=2),
                row=1,
                col=1,
            )
    if not regression:
        for name, color in (("train_accuracy", TRAIN_ACCURACY), ("test_accuracy", TEST_ACCURACY)):
            y = curves[name]
            if np.isfinite(y).any():
                fig.add_scatter(
                    x=x,
                    y=100 * y,
                    name=name.replace("_", " ") + " %",
                    mode="lines",
                    line=dict(color=color, width=1.5),
                    row=1,
                    col=1,
                    secondary_y=True,
                )
    norm = np.asarray(curves.get("grad_norm", []), dtype=float)
    if len(norm) == len(x) and np.isfinite(norm).any():
        fig.add_scatter(
            x=x,
            y=np.where(norm > 0, norm, np.nan),
            name="‖g‖",
            mode="lines",
            line=dict(color=GRAD_NORM, width=1.5),
            row=2,
            col=1,
        )
        clipped = np.asarray(curves.get("clipped", np.zeros(len(x))), dtype=float)
        fired = (clipped > 0) & np.isfinite(norm)
        if fired.any():
            fig.add_scatter(
                x=np.asarray(x)[fired],
                y=norm[fired],
                name="clipped",
                mode="markers",
                marker=dict(color=GRAD_CLIP, size=6, symbol="x"),
                hovertemplate="epoch %{x:.4g}: ‖g‖ %{y:.4g}, clipped<extra></extra>",
                row=2,
                col=1,
            )
        if clip_norm:
            fig.add_hline(
                y=clip_norm,
                line=dict(color=GRAD_CLIP, dash="dash", width=1),
                annotation_text=f"clip {clip_norm:g}",
                annotation_position="top left",
                row=2,
                col=1,
            )
    if marker_step is not None:
        fig.add_vline(x=marker_step, line=dict(color=GRAD_NORM, dash="dash", width=1))
    fig.update_layout(**{**_LAYOUT, "height": height, "margin": dict(l=55, r=45, t=30, b=40)})
    fig.update_xaxes(title_text="epoch", row=2, col=1)
    fig.update_yaxes(title_text="loss", type="log", row=1, col=1, secondary_y=False)
    fig.update_yaxes(title_text="‖g‖", type="log", row=2, col=1)
    # Ticks of its own: synced to the log axis, they fell at 96.2, 92.8, ...
    fig.update_yaxes(
        title_text="accuracy %",
        range=[0, 101],
        showgrid=False,
        tickmode="array",
        tickvals=[0, 25, 50, 75, 100],
        row=1,
        col=1,
        secondary_y=True,
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
    # Plotly hovers on points, not along lines: an invisible point at each edge's middle
    # names the weight in the lecture's notation, w_ij into unit i from unit j of the layer
    # below, with its value.
    mid_x, mid_y, mid_text = [], [], []
    for l, W in enumerate(coefs):
        into = "output" if l == len(coefs) - 1 else f"hidden {l + 1}"
        below = "input" if l == 0 else f"hidden {l}"
        for j in range(shown[l]):
            for i in range(shown[l + 1]):
                (x0, y0), (x1, y1) = pos[l][j], pos[l + 1][i]
                mid_x.append((x0 + x1) / 2)
                mid_y.append((y0 + y1) / 2)
                source = input_names[j] if l == 0 and j < len(input_names) else f"unit {j + 1}"
                mid_text.append(
                    f"w<sup>{l + 1}</sup><sub>{i + 1},{j + 1}</sub> = {float(W[j, i]):.4g}"
                    f"<br>into {into} unit {i + 1}, from {below} {source}"
                )
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
    fig.add_scatter(
        x=mid_x,
        y=mid_y,
        mode="markers",
        marker=dict(size=9, color=INVISIBLE),
        hoverinfo="text",
        text=mid_text,
        showlegend=False,
        name="weights",
    )
    names = [list(input_names)] + [
        [f"b={b[i]:.3g}" for i in range(shown[l + 1])] for l, b in enumerate(intercepts)
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
            marker=dict(size=16, color=NODE_FILL, line=dict(color=NODE_EDGE, width=1.5)),
            showlegend=False,
        )
        if l == 0:
            # The inputs by name, as on the canvas while playing: x1, x2 (or the features).
            fig.add_scatter(
                x=[x - 0.12 for x in xs],
                y=ys,
                mode="text",
                text=[str(n) for n in input_names[: len(xs)]],
                textposition="middle left",
                hoverinfo="skip",
                showlegend=False,
            )
        if sizes[l] > shown[l]:
            fig.add_annotation(
                x=l,
                y=min(ys) - 0.8,
                text=f"+{sizes[l] - shown[l]} more",
                showarrow=False,
                font=dict(size=11, color=MUTED_TEXT),
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
    white = np.array(rgb(PANEL), dtype=float)
    pos, neg = np.array(rgb(POSITIVE), dtype=float), np.array(rgb(NEGATIVE), dtype=float)
    out = np.where(t >= 0, white + t * (pos - white), white - t * (neg - white))
    return out.astype(np.uint8)


def compare_boundaries(results, extent):
    """Two runs side by side: each one's decision surface and points, one loss chart.

    Each panel's title names its run on two lines (a 30 % column holds ~30 characters);
    the legend sits inside the loss chart, top right, where falling curves leave room (at
    the top of the figure it overlapped the titles). A run that diverged (``r.diverged``)
    says so in its title and on the chart, whose axis stops at 100 times the largest
    starting loss: the last losses before a blow-up (up to 10^270) would flatten the rest.
    """

    def title(r):
        # "A: relu · layers [8, 8] · lr 0.1" -> "A: relu · lr 0.1" over "layers [8, 8]"
        who, _, what = r.label.partition(": ")
        parts = what.split(" · ")
        layers = [p for p in parts if p.startswith("layers")]
        rest = [p for p in parts if not p.startswith("layers")]
        head = f"<b>{who}{' · diverged' if r.diverged else ''}</b>: " + " · ".join(rest)
        return "<br>".join([head, *layers])

    def losses_of(r):
        key = "test_loss" if np.isfinite(r.curves["test_loss"]).any() else "train_loss"
        y = np.asarray(r.curves[key], dtype=float)
        return key, np.where(np.isfinite(y) & (y > 0), y, np.nan)

    keys = {losses_of(r)[0] for r in results}
    fig = make_subplots(
        rows=1,
        cols=3,
        column_widths=[0.3, 0.3, 0.4],
        horizontal_spacing=0.07,
        subplot_titles=[title(r) for r in results]
        + ["test loss" if keys == {"test_loss"} else "loss (train where no test data)"],
    )
    colors = RUNS
    starts, lows, last = [], [], 1.0
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
            showlegend=False,
            colorscale=[[0, NEGATIVE], [0.5, PANEL], [1, POSITIVE]],
            row=1,
            col=c,
        )
        fig.add_contour(
            x=xs,
            y=ys,
            z=r.surface,
            contours=dict(start=0, end=0, coloring="none"),
            line=dict(color=BOUNDARY, width=1.5),
            showscale=False,
            showlegend=False,
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
                line=dict(color=POINT_EDGE, width=0.5),
            ),
            row=1,
            col=c,
        )
        who = r.label.partition(":")[0] or f"run {c}"
        _, y = losses_of(r)
        epochs = np.asarray(r.curves["epoch"], dtype=float)
        finite = y[np.isfinite(y)]
        last = max([last, *epochs[-1:]])
        if finite.size:
            starts.append(float(finite[0]))
            lows.append(float(finite.min()))
        fig.add_scatter(
            x=epochs,
            y=y,
            name=f"{who} (diverged)" if r.diverged else who,
            mode="lines",
            line=dict(color=colors[(c - 1) % 2], dash="dot" if r.diverged else None),
            row=1,
            col=3,
        )
        if r.diverged and len(epochs):
            # Top left inside the chart: the axis leaves two decades above the starts.
            fig.add_annotation(
                x=0.02,
                y=0.98 - 0.12 * (c - 1),
                xref="x3 domain",
                yref="y3 domain",
                text=f"{who} diverged at epoch {epochs[-1]:,.0f}",
                showarrow=False,
                xanchor="left",
                yanchor="top",
                font=dict(size=11, color=colors[(c - 1) % 2]),
            )
    if starts:
        top = np.log10(100 * max(starts))
        bottom = np.log10(min(lows))
        fig.update_yaxes(range=[bottom - 0.1 * (top - bottom or 1), top], row=1, col=3)
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=3)
    fig.update_xaxes(title_text="epoch", range=[0, last], zeroline=False, row=1, col=3)
    fig.update_annotations(font_size=12, selector=dict(xref="paper"))
    fig.update_layout(
        **{
            **_LAYOUT,
            "height": 360,
            "margin": dict(l=40, r=20, t=60, b=40),
            "legend": dict(
                x=0.995,
                xanchor="right",
                y=0.99,
                yanchor="top",
                orientation="v",
                bgcolor=PALETTE["halo"],
            ),
        }
    )
    return fig
