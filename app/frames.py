"""One animation frame: the network's views turned into the live views' payloads.

Pure functions of (network, data, choices); the page calls them once per frame.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from app.payloads import boundary_payload, hidden_payload, surface_mode
from engine import geometry

GRID = 100
GRID_LINES, LINE_POINTS = 11, 60  # the hidden view's picture of the input grid's lines


@lru_cache(maxsize=256)
def grid_line_points(extent, n_lines=GRID_LINES, n_points=LINE_POINTS):
    """The points of ``geometry.grid_line_images``'s lines as one array, and where each goes
    in a polyline with a pen lift (a NaN row) between two lines: ``(points, rows, total)``.
    Cached by extent (the data's, fixed while it trains): a frame then maps the lines and
    the data's points through the network in one pass."""
    x0, x1, y0, y1 = extent
    xs, ys = np.linspace(x0, x1, n_points), np.linspace(y0, y1, n_points)
    lines = [np.column_stack([xs, np.full(n_points, y)]) for y in np.linspace(y0, y1, n_lines)]
    lines += [np.column_stack([np.full(n_points, x), ys]) for x in np.linspace(x0, x1, n_lines)]
    points = np.concatenate(lines)
    rows = np.concatenate([np.arange(n_points) + k * (n_points + 1) for k in range(len(lines))])
    for a in (points, rows):
        a.flags.writeable = False  # shared by every session's frames
    return points, rows, len(lines) * (n_points + 1) - 1


def plane_extent(data):
    return geometry.data_extent(np.concatenate([data.X_train, data.X_test]))


def boundary_frame(
    net,
    data,
    *,
    frame,
    points_version,
    send_points,
    show_test=True,
    discretize=False,
    grid=GRID,
    phi=None,
):
    """The input plane. ``phi`` maps points to the network's inputs when those are not
    the raw (x1, x2); the units' lines are drawn only when they are."""
    extent = plane_extent(data)
    raw = phi is None or phi.is_raw
    surface = geometry.decision_surface(net, extent, grid, inputs=None if raw else phi)
    mode = surface_mode(net, data.n_classes)
    # A fixed colour scale, so a frame's shading is comparable with the last one's; the
    # margins of hinge and squared error sit at +-1.
    value_range = (-2.0, 2.0) if mode == "binary" else None
    if mode == "regression":
        y = np.concatenate([data.y_train, data.y_test])
        value_range = (float(np.min(y)), float(np.max(y))) if len(y) else None
    return boundary_payload(
        frame=frame,
        extent=extent,
        surface=surface,
        mode=mode,
        X_train=data.X_train if send_points else None,
        y_train=data.y_train,
        X_test=data.X_test if send_points else None,
        y_test=data.y_test,
        show_test=show_test,
        units=geometry.unit_lines(net) if raw else None,
        discretize=discretize,
        points_version=points_version,
        value_range=value_range,
    )


def hidden_frame(
    net, data, *, frame, layer, units, axes, phi=None, show_test=True, line_points=LINE_POINTS
):
    """The hidden space of (layer, units); with no hidden layer, the input plane itself
    (the output unit then separates x directly). ``layer`` 0 is the input features
    ``phi(x)``: the space in which a network with no hidden layer draws a straight line.
    ``line_points``: points along each of the input grid's lines (fewer for a crowd).
    Returns (payload, axes used)."""
    extent = plane_extent(data)
    raw = phi is None or phi.is_raw
    X_train, X_test = (data.X_train, data.X_test) if raw else (phi(data.X_train), phi(data.X_test))
    if net.n_layers < 2 and layer != 0:
        H_train, H_test = data.X_train, data.X_test
        lines = None
        out_line = geometry.output_line(net) if raw else None
        labels = ("x1", "x2")
        bounds = (None, None)
    else:
        width = net.layer_sizes[layer]
        i, j = units[0] % width, units[1] % width
        # The points and the grid's lines through the network in one pass (what
        # geometry.grid_line_images draws, with its lines joined by pen lifts).
        P, rows, total = grid_line_points(tuple(float(e) for e in extent), GRID_LINES, line_points)
        n_train, n_test = len(X_train), len(X_test)
        H = geometry.hidden_features(
            net, np.concatenate([X_train, X_test, P if raw else phi(P)]), layer, (i, j)
        )
        H_train, H_test = H[:n_train], H[n_train : n_train + n_test]
        joined = np.full((total, 2), np.nan)
        joined[rows] = H[n_train + n_test :]
        lines = [joined]
        if layer == 0:
            # Only with exactly these two features and no hidden layer is the output's
            # boundary a line in this picture.
            out_line = geometry.output_line(net) if net.n_layers < 2 and width == 2 else None
            names = phi.names if phi is not None else ("x1", "x2")
            labels = (names[i], names[j])
            bounds = (None, None)
        else:
            last_hidden = layer == net.n_layers - 1 and (i, j) == (0, 1)
            out_line = geometry.output_line(net) if last_hidden else None
            sub = "" if layer == 1 else f"^{layer}"
            labels = (f"f(z{sub}_{i + 1})", f"f(z{sub}_{j + 1})")
            bounds = net.act.bounds
    shown = np.concatenate([H_train, H_test]) if show_test else H_train
    axes = geometry.hidden_axes(bounds, shown, axes)
    payload = hidden_payload(
        frame=frame,
        axes=axes,
        H_train=H_train,
        y_train=data.y_train,
        H_test=H_test,
        y_test=data.y_test,
        grid_lines=lines,
        output_line=out_line,
        axis_labels=labels,
        n_classes=data.n_classes,
        points_version=frame,
        compact=True,
        show_test=show_test,
    )
    return payload, axes
