"""What the page draws, computed from a network: pure functions of their arguments.

- the decision surface F(x) on an n x n grid over a padded data range;
- each first-layer unit's line ``w_i . x + b_i = 0`` and its normal ``w_i``;
- the hidden features ``[f(z_i), f(z_j)]`` of any layer, and the image of the input grid's
  lines in that space (the plane as the network folds it);
- the output unit's separating line in a two-unit hidden space.
"""

from __future__ import annotations

import math

import numpy as np

MAX_GRID = 300


def data_extent(X, pad=0.15, square=True):
    """(xmin, xmax, ymin, ymax) around the points, padded by a fraction of the span."""
    X = np.asarray(X, dtype=float)
    if len(X) == 0 or not np.isfinite(X).all():
        return (-1.0, 1.0, -1.0, 1.0)
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    if square:
        mid, half = (lo + hi) / 2, span.max() / 2
        lo, hi, span = mid - half, mid + half, np.full(2, 2 * half)
    lo, hi = lo - pad * span, hi + pad * span
    return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


def grid_points(extent, n):
    """The n*n points of a grid over ``extent``, row-major with row 0 at the lowest y."""
    if not 2 <= n <= MAX_GRID:
        raise ValueError(f"grid size must be in 2..{MAX_GRID}, got {n}")
    xs = np.linspace(extent[0], extent[1], n)
    ys = np.linspace(extent[2], extent[3], n)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def decision_surface(net, extent, n=100, inputs=None):
    """Network outputs z^L over the grid: (n, n) for one output, (n, n, k) for k.

    ``inputs`` maps the grid's (x1, x2) to the network's input features when the network
    takes more than the raw coordinates (x1^2, sin x1, ...). Float32 halves the memory
    traffic of a wide net and is exact enough for a picture.
    """
    P = grid_points(extent, n)
    # Weights near float32's limit (a diverged run keeps its last good, huge, weights) give
    # inf here: the picture shows it, no warning is needed.
    with np.errstate(over="ignore", invalid="ignore"):
        Z = net.forward(P if inputs is None else inputs(P), dtype=np.float32)
    return Z.reshape(n, n) if Z.shape[1] == 1 else Z.reshape(n, n, Z.shape[1])


def unit_surfaces(net, extent, n=32, layer=1, inputs=None):
    """Each unit's own output over the plane, (m, n, n): TensorFlow Playground's neuron
    thumbnails. ``layer`` 0 is the inputs (``inputs(P)`` or the raw coordinates), layer L
    the output."""
    P = grid_points(extent, n)
    A = P if inputs is None else inputs(P)
    if layer > 0:
        Z = net.hidden_preactivations(A, layer)
        A = Z if layer == net.n_layers else net.act.f(Z)
    return np.ascontiguousarray(A.T).reshape(A.shape[1], n, n)


def unit_lines(net):
    """(m, 3) rows ``(w1, w2, b)``: unit i's line is w1 x1 + w2 x2 + b = 0, normal (w1, w2).

    Only for a first layer fed by the two raw coordinates.
    """
    W, b = net.coefs[0], net.intercepts[0]
    if W.shape[0] != 2 or net.n_layers < 2:
        return np.empty((0, 3))
    return np.column_stack([W[0], W[1], b])


def clip_line(a, b, c, x0, x1, y0, y1):
    """The segment ``((xa, ya), (xb, yb))`` of the line ``a x + b y + c = 0`` inside the box
    ``[x0, x1] x [y0, y1]``, or None when it misses the box or is not a line (Liang-Barsky)."""
    n2 = a * a + b * b
    if not (n2 > 0 and math.isfinite(n2) and math.isfinite(c)):
        return None
    px, py = -c * a / n2, -c * b / n2  # the line's point nearest the origin
    dx, dy = -b, a
    t0, t1 = -math.inf, math.inf
    for d, p, lo, hi in ((dx, px, x0, x1), (dy, py, y0, y1)):
        if abs(d) < 1e-15:
            if not lo <= p <= hi:
                return None
            continue
        ta, tb = (lo - p) / d, (hi - p) / d
        t0, t1 = max(t0, min(ta, tb)), min(t1, max(ta, tb))
    if t0 > t1:
        return None
    return (px + t0 * dx, py + t0 * dy), (px + t1 * dx, py + t1 * dy)


def hidden_features(net, X, layer=1, units=(0, 1)):
    """``[f(z_i), f(z_j)]`` of two units of a hidden layer for each point, shape (n, 2);
    ``layer`` 0 is the network's inputs themselves, a^0 = x (the input features)."""
    A = np.asarray(X, dtype=np.float64) if layer == 0 else net.hidden_activations(X, layer)
    return A[:, list(units)]


def grid_line_images(net, extent, layer=1, units=(0, 1), n_lines=11, n_points=60, inputs=None):
    """The input grid's lines as the network maps them into the hidden space.

    Returns a list of (n_points, 2) polylines: n_lines of constant x2, then n_lines of
    constant x1 (ConvNetJS's picture of the plane being folded).
    """
    xs = np.linspace(extent[0], extent[1], n_points)
    ys = np.linspace(extent[2], extent[3], n_points)
    lines = [
        np.column_stack([xs, np.full(n_points, y)])
        for y in np.linspace(extent[2], extent[3], n_lines)
    ]
    lines += [
        np.column_stack([np.full(n_points, x), ys])
        for x in np.linspace(extent[0], extent[1], n_lines)
    ]
    P = np.concatenate(lines)
    H = hidden_features(net, P if inputs is None else inputs(P), layer, units)
    return np.split(H, len(lines))


def output_line(net):
    """``(v1, v2, c)`` of the output unit, v . h + c = 0, when it reads two values (the last
    hidden layer's two units, or with no hidden layer the two inputs) and there is one
    output: the line that separates the mapped points."""
    if net.layer_sizes[-2] != 2 or net.layer_sizes[-1] != 1:
        return None
    v, c = net.coefs[-1][:, 0], net.intercepts[-1][0]
    return (float(v[0]), float(v[1]), float(c))


def hidden_axes(bounds, H, previous=None, margin=0.1):
    """Axes for the hidden space that do not rescale every frame.

    ``bounds`` is the activation's range (lo, hi), either end None when unbounded. Bounded
    ends are fixed (sigmoid's 0 and 1 stay where they are, so saturation is visible);
    unbounded ends grow to the next power of two when points leave them, and never shrink,
    so ReLU's clamp at 0 stays on screen.
    """
    H = np.asarray(H, dtype=float)
    H = H[np.isfinite(H).all(axis=1)] if H.size else H.reshape(0, 2)
    lo_b, hi_b = bounds if bounds is not None else (None, None)
    axes = []
    for d in range(2):
        lo_prev, hi_prev = (previous[2 * d], previous[2 * d + 1]) if previous else (None, None)
        vals = H[:, d] if len(H) else np.zeros(1)
        lo = _fixed_or_grown(lo_b, vals.min(), lo_prev, -1, margin)
        hi = _fixed_or_grown(hi_b, vals.max(), hi_prev, +1, margin)
        axes += [lo, hi]
    return tuple(axes)


def _fixed_or_grown(bound, extreme, previous, sign, margin):
    if bound is not None:
        return bound + sign * margin * 1.0
    need = abs(extreme) * (1 + margin) if np.sign(extreme) == sign else margin
    if previous is not None and abs(previous) >= need:
        return previous
    return sign * float(2.0 ** np.ceil(np.log2(max(need, 1e-3))))
