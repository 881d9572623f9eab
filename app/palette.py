"""The studio's colours: one definition, read by Python (Plotly, matplotlib) and by the live
view's JavaScript (``app.live_view`` prepends ``PALETTE`` to it as ``const PALETTE``).

``PALETTE`` is the source; the constants below are its entries under Python names. Opaque
colours are ``#rrggbb``; translucent ones ``rgba(...)``, as canvas, CSS and Plotly take them.
"""

from __future__ import annotations

PALETTE: dict = {
    # Tableau 10. Class 0 blue, class 1 orange: also the signs (- blue, + orange) of
    # weights and of the output, so the two-class case matches the heat map.
    "classes": [
        "#1f77b4",
        "#ff7f0e",
        "#2ca02c",
        "#d62728",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#7f7f7f",
        "#bcbd22",
        "#17becf",
    ],
    # The first-layer units' lines: apart from the blue/orange classes.
    "units": [
        "#6a3d9a",
        "#1b9e77",
        "#d6336c",
        "#8c6d31",
        "#0b6e99",
        "#e7298a",
        "#66a61e",
        "#a6761d",
        "#3f007d",
        "#c51b7d",
        "#117733",
        "#882255",
    ],
    # The decision surface's tint under the points, up to heat_max_alpha opaque.
    "heat_negative": "#3177b4",
    "heat_positive": "#f08528",
    "heat_max_alpha": 0.62,
    # Plotly's diverging scale for a surface (same hues, lighter, white at 0).
    "heat_scale": [[0.0, "#4886bb"], [0.5, "#ffffff"], [1.0, "#f39748"]],
    # Regression: a viridis-like scale, as [t, colour] stops.
    "viridis": [
        [0.0, "#440154"],
        [0.25, "#3b528b"],
        [0.5, "#21918c"],
        [0.75, "#5ec962"],
        [1.0, "#fde725"],
    ],
    "no_class": "#969696",  # a point or cell whose class is unknown
    "no_value": "#ebebeb",  # a surface cell whose value is NaN
    "other_region": "rgba(120,120,120,0.10)",  # a hidden-space region, more than two classes
    "positive_region_alpha": 0.13,  # the positive region in the hidden space, over heat_positive
    # Ink and paper.
    "text": "#31333f",  # Streamlit's text colour (the canvas reads the theme's first)
    "muted_text": "#555555",  # notes inside a figure ("+12 more")
    "panel": "#ffffff",  # a chart's plotting area
    "frame": "rgba(49,51,63,0.35)",  # a chart's border
    "zero_line": "#dddddd",  # the axes through 0 on the labs' small panels
    "boundary": "#222831",  # the decision boundary, the output unit's line, fitted targets
    "halo": "rgba(255,255,255,0.8)",  # drawn under a line so it stands out of the heat map
    "label_halo": "rgba(255,255,255,0.9)",  # under a unit's number
    "grid_image": "rgba(110,116,128,0.45)",  # the input grid's lines mapped to hidden space
    "node_fill": "#ffffff",  # a unit's circle in the network diagram
    "node_edge": "#333333",
    # Points.
    "point_edge": "#ffffff",  # around a training point
    "test_fill": "rgba(255,255,255,0.55)",  # test points are hollow
    "test_edge": "#1b1f24",
    "hover_ring": "#111111",  # around the point under the pointer
    "legend_point": "#6b7280",  # the neutral point of the legend's train/test keys
    "highlight": "#000000",  # the point a lab inspects
    "invisible": "rgba(0,0,0,0)",  # a marker that is there to be hovered or clicked, not seen
    # Curves.
    "train_loss": "#1f77b4",  # = classes[0]
    "test_loss": "#ff7f0e",  # = classes[1]
    "train_accuracy": "#6a3d9a",
    "test_accuracy": "#1b9e77",
    "grad_norm": "#4b5563",  # ||g|| and the moment scrubbed to
    "grad_clip": "#d62728",  # the clipping threshold and where clipping fired
    "runs": ["#2f3e9e", "#d6336c"],  # run A and run B when two runs are compared
    # The live view's tooltip (CSS).
    "tip_border": "rgba(49,51,63,0.2)",
    "tip_background": "rgba(255,255,255,0.96)",
    "tip_shadow": "rgba(0,0,0,0.12)",
    # The labs.
    "activations": {
        "sigmoid": "#1f77b4",
        "relu": "#d6336c",
        "quadratic": "#8c6d31",
        "tanh": "#1b9e77",
    },
    "fits": ["#f0a830", "#e0603a", "#b5367a", "#6a2c91", "#1f1f7a"],  # fits by growing m
    "learned_features": "#d6336c",  # kernel lab: the trained net's features
    "random_features": "#6a3d9a",  # kernel lab: a frozen random hidden layer
    "kernel_machine": "#1b9e77",  # kernel lab: the SVMs
}

CLASS_COLORS: tuple[str, ...] = tuple(PALETTE["classes"])
UNIT_COLORS: tuple[str, ...] = tuple(PALETTE["units"])
NEGATIVE, POSITIVE = CLASS_COLORS[0], CLASS_COLORS[1]
HEAT_NEGATIVE = PALETTE["heat_negative"]
HEAT_POSITIVE = PALETTE["heat_positive"]
HEAT_MAX_ALPHA = PALETTE["heat_max_alpha"]
HEAT = [list(stop) for stop in PALETTE["heat_scale"]]  # a Plotly colorscale
VIRIDIS = [list(stop) for stop in PALETTE["viridis"]]
NO_CLASS = PALETTE["no_class"]
TEXT = PALETTE["text"]
MUTED_TEXT = PALETTE["muted_text"]
PANEL = PALETTE["panel"]
ZERO_LINE = PALETTE["zero_line"]
BOUNDARY = PALETTE["boundary"]
NODE_FILL = PALETTE["node_fill"]
NODE_EDGE = PALETTE["node_edge"]
POINT_EDGE = PALETTE["point_edge"]
TEST_EDGE = PALETTE["test_edge"]
HIGHLIGHT = PALETTE["highlight"]
INVISIBLE = PALETTE["invisible"]
TRAIN_LOSS = PALETTE["train_loss"]
TEST_LOSS = PALETTE["test_loss"]
TRAIN_ACCURACY = PALETTE["train_accuracy"]
TEST_ACCURACY = PALETTE["test_accuracy"]
GRAD_NORM = PALETTE["grad_norm"]
GRAD_CLIP = PALETTE["grad_clip"]
RUNS: tuple[str, ...] = tuple(PALETTE["runs"])
ACTIVATIONS: dict[str, str] = dict(PALETTE["activations"])
FITS: tuple[str, ...] = tuple(PALETTE["fits"])
LEARNED_FEATURES = PALETTE["learned_features"]
RANDOM_FEATURES = PALETTE["random_features"]
KERNEL_MACHINE = PALETTE["kernel_machine"]


def rgb(color: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` -> ``(r, g, b)``, 0-255."""
    h = color.lstrip("#")
    return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))
