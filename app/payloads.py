"""Pure builders of the compact data the live views draw.

Each function takes NumPy arrays and returns a JSON-able dict (only ``str``, ``int``,
``float``, ``bool``, ``None``, lists and dicts; never NaN, which ``JSON.parse`` rejects) that
``app.live_view.live_view`` hands to its canvas component. Imports only NumPy (and the
palette), so every function can be tested without Streamlit.

Conventions
-----------
* ``extent`` / ``axes`` are ``(xmin, xmax, ymin, ymax)``.
* A surface of shape ``(rows, cols)`` is sampled as ``np.meshgrid`` gives it:
  ``surface[i, j]`` is the value at ``(xs[j], ys[i])`` with
  ``xs = np.linspace(xmin, xmax, cols)`` and ``ys = np.linspace(ymin, ymax, rows)``,
  so row 0 is the lowest y.
* Grids travel as base64 of ``uint8`` in that same row-major order (row 0 = lowest y).
* Points travel as flat rounded lists ``[x0, y0, x1, y1, ...]`` and a list of colour values
  ``c`` (a class index, or the target value in regression); non-finite numbers become ``None``.
* The points are included only when the caller passes them: with ``X_train=None`` (or
  ``H_train=None``) the payload has no ``"points"`` key and the browser reuses the arrays it
  cached for this ``points_version``. (``live_view`` also drops points identical to those it
  last sent under the same key, so a caller may simply always pass them.)
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence

import numpy as np

from app.palette import UNIT_COLORS

MODES = ("binary", "multiclass", "regression")
NEUTRAL = 128  # uint8 code for cells whose value is NaN
NO_CLASS = 255  # class code for multiclass cells whose scores are not finite
_DECIMALS = 4
DISCRETE_BANDS = 8  # colour bands of a discretized regression surface


def surface_mode(net, n_classes: int) -> str:
    """The ``mode`` of a network's surface: regression (``n_classes == 0``), binary (one
    output unit) or multiclass (one per class)."""
    if n_classes == 0:
        return "regression"
    return "binary" if net.layer_sizes[-1] == 1 else "multiclass"


# --------------------------------------------------------------------------- helpers


def encode_grid(values: np.ndarray, vmin: float, vmax: float) -> str:
    """Quantise a 2-D array to uint8 over ``[vmin, vmax]`` and return it as base64.

    ``0`` is ``vmin``, ``255`` is ``vmax``; values outside are clipped (so +-inf too) and NaN
    becomes ``NEUTRAL`` (128). The bytes are row-major in the array's own order: with the
    module's convention, row 0 is the lowest y.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"encode_grid expects a 2-D array, got shape {v.shape}")
    span = float(vmax) - float(vmin)
    if not math.isfinite(span) or span <= 0.0:
        span = 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        q = np.clip(np.rint((v - float(vmin)) * (255.0 / span)), 0.0, 255.0)
    q = np.where(np.isnan(q), float(NEUTRAL), q)
    return base64.b64encode(np.ascontiguousarray(q, dtype=np.uint8).tobytes()).decode("ascii")


XY_NAN = 65535  # uint16 code of a non-finite coordinate in encode_xy


def xy_box(box: Sequence[float]) -> list[float]:
    """The box ``encode_xy`` quantises over: ``box`` widened by its own size on every side,
    so that points a little outside fixed axes keep their place."""
    x0, x1, y0, y1 = (float(v) for v in box)
    w, h = x1 - x0, y1 - y0
    return [x0 - w, x1 + w, y0 - h, y1 + h]


def encode_xy(values, box: Sequence[float]) -> str:
    """(x, y) pairs as base64 of little-endian uint16, 0..65534 over ``xy_box(box)``.

    A fifth of the bytes of the same numbers in JSON and far cheaper to serialise: the hidden
    view's points and grid lines move every frame. The step is 3/65534 of the axes' span,
    well under a pixel; coordinates further out are clamped, NaN and +-inf become ``XY_NAN``.
    """
    a = np.asarray(values, dtype=np.float64).reshape(-1, 2)
    qx0, qx1, qy0, qy1 = xy_box(box)
    lo = np.array([qx0, qy0])
    scale = (XY_NAN - 1) / np.array([qx1 - qx0, qy1 - qy0])
    with np.errstate(invalid="ignore", over="ignore"):
        q = np.rint((a - lo) * scale)
    np.clip(q, 0.0, XY_NAN - 1, out=q)
    q[~np.isfinite(a)] = XY_NAN
    return base64.b64encode(q.astype("<u2").tobytes()).decode("ascii")


def decode_xy(data: str, box: Sequence[float]) -> np.ndarray:
    """Inverse of :func:`encode_xy` (to within its step): an (n, 2) array, NaN where coded."""
    q = np.frombuffer(base64.b64decode(data), dtype="<u2").reshape(-1, 2).astype(np.float64)
    qx0, qx1, qy0, qy1 = xy_box(box)
    out = q * (np.array([qx1 - qx0, qy1 - qy0]) / (XY_NAN - 1)) + np.array([qx0, qy0])
    out[q == XY_NAN] = np.nan
    return out


def decode_grid(data: str, rows: int, cols: int) -> np.ndarray:
    """Inverse of the transport step of :func:`encode_grid`: base64 -> ``(rows, cols)`` uint8."""
    raw = np.frombuffer(base64.b64decode(data), dtype=np.uint8)
    return raw.reshape(rows, cols)


def _num(x: float, digits: int = 6) -> float | None:
    """A JSON-safe float rounded to ``digits`` significant digits (None for NaN/inf)."""
    x = float(x)
    return float(f"{x:.{digits}g}") if math.isfinite(x) else None


def _decimals(box: Sequence[float]) -> int:
    """Decimals that resolve 1/4000 of the box's larger side: sub-pixel on any screen."""
    span = max(box[1] - box[0], box[3] - box[2])
    return int(min(6, max(0, math.ceil(-math.log10(span / 4000.0)))))


def _flat(a: np.ndarray | Sequence | None, decimals: int = _DECIMALS) -> list:
    """Flatten to a list of rounded floats, non-finite values as None."""
    if a is None:
        return []
    arr = np.asarray(a, dtype=np.float64).ravel()
    if arr.size == 0:
        return []
    out = np.round(arr, decimals)
    finite = np.isfinite(out)
    lst = out.tolist()
    if not finite.all():
        lst = [v if ok else None for v, ok in zip(lst, finite.tolist())]
    return lst


def _box(b: Sequence[float], name: str) -> list[float]:
    vals = [float(v) for v in b]
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals):
        raise ValueError(f"{name} must be 4 finite numbers (xmin, xmax, ymin, ymax), got {b!r}")
    xmin, xmax, ymin, ymax = vals
    if not (xmax > xmin and ymax > ymin):
        raise ValueError(f"{name} must have xmax > xmin and ymax > ymin, got {b!r}")
    return vals


def _xy(X: np.ndarray | None, name: str) -> np.ndarray:
    if X is None:
        return np.zeros((0, 2))
    arr = np.asarray(X, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2), got {arr.shape}")
    return arr


def _is_integer_valued(y: np.ndarray) -> bool:
    if y.dtype.kind in "iub":
        return True
    if y.dtype.kind == "f":
        return bool(np.all(np.isfinite(y)) and np.all(y == np.round(y)))
    return False


def _class_codes(y_train, y_test, n_classes: int) -> tuple[list[int], list[int], list[str]]:
    """Map labels to colour indices 0..k-1, consistently for train and test.

    * two classes given as {-1, +1} (or {0, 1}): index = (y > 0), so -1/0 -> blue, +1 -> orange;
    * integer labels already in ``0..n_classes-1``: used as they are (they index the surface's
      score columns, as ``classes_`` does for 0..k-1 labels);
    * anything else (strings, other numbers): position in the sorted union of labels, which is
      scikit-learn's ``classes_`` order.
    Returns ``(train_codes, test_codes, class_names)``.
    """
    parts = [np.asarray(y).ravel() for y in (y_train, y_test) if y is not None]
    if not parts:
        return [], [], []
    allv = np.concatenate(parts) if len(parts) > 1 else parts[0]
    ytr = np.asarray(y_train).ravel() if y_train is not None else allv[:0]
    yte = np.asarray(y_test).ravel() if y_test is not None else allv[:0]
    if allv.size and allv.dtype.kind in "iufb" and _is_integer_valued(allv):
        vals = set(np.unique(allv).tolist())
        if n_classes == 2 and vals <= {-1, 0, 1} and not vals >= {-1, 0}:
            names = ["-1", "+1"] if -1 in vals else ["0", "1"]
            return (ytr > 0).astype(int).tolist(), (yte > 0).astype(int).tolist(), names
        if min(vals) >= 0 and max(vals) < max(n_classes, 1):
            names = [str(i) for i in range(n_classes)]
            return ytr.astype(int).tolist(), yte.astype(int).tolist(), names
    labels = np.unique(allv)
    tr = np.searchsorted(labels, ytr).astype(int).tolist()
    te = np.searchsorted(labels, yte).astype(int).tolist()
    return tr, te, [str(v) for v in labels.tolist()]


def _points_block(
    X_train, y_train, X_test, y_test, *, classify: bool, n_classes: int, decimals: int, box=None
) -> dict:
    Xtr, Xte = _xy(X_train, "train points"), _xy(X_test, "test points")
    if classify:
        ctr, cte, names = _class_codes(
            y_train if len(Xtr) else None, y_test if len(Xte) else None, n_classes
        )
    else:
        r = _finite_range(y_train, y_test) or (0.0, 1.0)
        dec = _decimals((r[0], r[1], r[0], r[1]))
        ctr = _flat(y_train, dec) if len(Xtr) else []
        cte = _flat(y_test, dec) if len(Xte) else []
        names = []
    for n, c, what in ((len(Xtr), ctr, "train"), (len(Xte), cte, "test")):
        if len(c) != n:
            raise ValueError(f"{what}: {n} points but {len(c)} labels")
    if box is not None:  # compact: see hidden_payload
        return {
            "train": {"q": encode_xy(Xtr, box), "c": ctr},
            "test": {"q": encode_xy(Xte, box), "c": cte},
            "classes": names,
        }
    return {
        "train": {"xy": _flat(Xtr, decimals), "c": ctr},
        "test": {"xy": _flat(Xte, decimals), "c": cte},
        "classes": names,
    }


def _finite_range(*arrays) -> tuple[float, float] | None:
    lo, hi = math.inf, -math.inf
    for a in arrays:
        if a is None:
            continue
        arr = np.asarray(a, dtype=np.float64)
        arr = arr[np.isfinite(arr)]
        if arr.size:
            lo, hi = min(lo, float(arr.min())), max(hi, float(arr.max()))
    if lo > hi:
        return None
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def _binary_range(surface: np.ndarray, threshold: float) -> tuple[float, float]:
    """Default colour range of a two-class surface: symmetric about the threshold.

    Probabilities (values in [0, 1], threshold 0.5) use [0, 1]. Scores use
    threshold +- the 95th percentile of |s - threshold|, so a few far corners of a ReLU
    network's growing output don't wash out the colours near the boundary.
    """
    finite = surface[np.isfinite(surface)]
    if finite.size == 0:
        return threshold - 1.0, threshold + 1.0
    if threshold == 0.5 and finite.min() >= 0.0 and finite.max() <= 1.0:
        return 0.0, 1.0
    r = float(np.percentile(np.abs(finite - threshold), 95))
    if not math.isfinite(r) or r <= 1e-12:
        r = float(np.abs(finite - threshold).max()) or 1.0
    return threshold - r, threshold + r


def _class_confidence(surface: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Argmax class and a confidence in [0, 1] for an ``(rows, cols, k)`` surface.

    Probabilities (all in [0, 1], rows summing to 1) are used as they are, scores go through a
    softmax; confidence is the margin ``p_first - p_second`` of the two likeliest classes:
    0 on a boundary between two classes (so the colour fades to white there, as the two-class
    map does at its threshold), 1 where one class has all the mass. The browser also uses it
    as a signed distance to trace smooth class boundaries.
    """
    k = surface.shape[2]
    finite = np.all(np.isfinite(surface), axis=2)
    s = np.where(finite[..., None], surface, 0.0)
    cls = np.argmax(s, axis=2)
    is_prob = bool(
        s.min() >= 0.0 and s.max() <= 1.0 and np.allclose(s[finite].sum(axis=-1), 1.0, atol=1e-3)
    )
    if is_prob:
        p = s
    else:
        e = np.exp(s - s.max(axis=2, keepdims=True))
        p = e / e.sum(axis=2, keepdims=True)
    top2 = np.partition(p, k - 2, axis=2)[..., k - 2 :]  # the two largest, in some order
    conf = np.clip(np.abs(top2[..., 1] - top2[..., 0]), 0.0, 1.0)
    cls = np.where(finite, cls, NO_CLASS)
    conf = np.where(finite, conf, 0.0)
    return cls, conf


def _units_block(units, unit_colors) -> tuple[list, list[str]]:
    if units is None:
        return [], []
    u = np.asarray(units, dtype=np.float64)
    if u.size == 0:
        return [], []
    if u.ndim != 2 or u.shape[1] != 3:
        raise ValueError(f"units must have shape (m, 3) rows (w1, w2, b), got {u.shape}")
    rows = [[_num(v) for v in row] for row in u.tolist()]  # 6 significant digits
    palette = list(unit_colors) if unit_colors else list(UNIT_COLORS)
    colors = [palette[i % len(palette)] for i in range(len(rows))]
    return rows, colors


# --------------------------------------------------------------------------- payloads


def boundary_payload(
    *,
    frame: int,
    extent: tuple[float, float, float, float],
    surface: np.ndarray,
    mode: str,
    X_train,
    y_train,
    X_test,
    y_test,
    show_test: bool = True,
    units: np.ndarray | None = None,
    unit_colors: list[str] | None = None,
    discretize: bool = False,
    points_version: int = 0,
    threshold: float = 0.0,
    value_range: tuple[float, float] | None = None,
) -> dict:
    """Data for the input-plane view: heat map, decision contour, unit lines, points.

    ``mode``:
      * ``"binary"``: ``surface`` (rows, cols) is the network output; the class boundary is
        ``surface == threshold`` (0 for scores, 0.5 for probabilities). ``grid`` holds the
        values quantised over ``value_range`` (default: symmetric about the threshold), and
        ``level`` is the threshold in the same 0..255 units for the contour.
      * ``"multiclass"``: ``surface`` (rows, cols, k) holds class scores or probabilities;
        ``grid`` is the argmax class (255 where not finite) and ``conf`` the confidence
        0..255 (the lightness of the class colour).
      * ``"regression"``: ``surface`` (rows, cols) is the prediction, ``grid`` is quantised over
        ``value_range`` (default: min..max of surface and targets); the contour is drawn at
        ``threshold`` if it lies inside that range. Point colours ``c`` are target values.

    ``discretize`` asks the browser for flat regions instead of shading (binary: one tint per
    side of the threshold; multiclass: one tint per class; regression: ``bands`` = 8 bands).
    The grid itself keeps its full resolution, so the decision contour stays smooth.

    ``X_train=None`` leaves out the ``"points"`` key (the browser reuses the cached points of
    ``points_version``); ``show_test`` only toggles drawing, so toggling it needs no resend.
    ``units`` rows ``(w1, w2, b)`` are the first-layer units: line ``w.x + b = 0``, normal w.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    box = _box(extent, "extent")
    s = np.asarray(surface, dtype=np.float64)
    thr = float(threshold)
    if not math.isfinite(thr):
        raise ValueError(f"threshold must be finite, got {threshold!r}")
    n_classes = 2
    level: float | None = None
    conf_b64: str | None = None

    if mode == "multiclass":
        if s.ndim != 3 or s.shape[2] < 2:
            raise ValueError(
                f"a multiclass surface must have shape (rows, cols, k>=2), got {s.shape}"
            )
        n_classes = int(s.shape[2])
        cls, conf = _class_confidence(s)
        vmin, vmax = 0.0, 1.0
        grid_b64 = base64.b64encode(np.ascontiguousarray(cls, dtype=np.uint8).tobytes()).decode(
            "ascii"
        )
        conf_b64 = encode_grid(conf, 0.0, 1.0)
    else:
        if s.ndim != 2:
            raise ValueError(f"a {mode} surface must have shape (rows, cols), got {s.shape}")
        if value_range is not None:
            vmin, vmax = float(value_range[0]), float(value_range[1])
        elif mode == "binary":
            vmin, vmax = _binary_range(s, thr)
        else:
            vmin, vmax = _finite_range(s, y_train) or (thr - 1.0, thr + 1.0)
        if not (math.isfinite(vmin) and math.isfinite(vmax) and vmax > vmin):
            raise ValueError(f"value_range must be finite with vmax > vmin, got {(vmin, vmax)}")
        grid_b64 = encode_grid(s, vmin, vmax)
        if vmin <= thr <= vmax:
            level = round((thr - vmin) / (vmax - vmin) * 255.0, 3)
        n_classes = 2 if mode == "binary" else 0

    unit_rows, colors = _units_block(units, unit_colors)
    payload: dict = {
        "view": "boundary",
        "frame": int(frame),
        "mode": mode,
        "extent": box,
        "axis_labels": ["x1", "x2"],
        "grid": {"rows": int(s.shape[0]), "cols": int(s.shape[1]), "data": grid_b64},
        "level": level,
        "threshold": thr,
        "value_range": [vmin, vmax],
        "n_classes": n_classes,
        "discretize": bool(discretize),
        "bands": DISCRETE_BANDS,
        "show_test": bool(show_test),
        "units": unit_rows,
        "unit_colors": colors,
        "points_version": int(points_version),
    }
    if conf_b64 is not None:
        payload["grid"]["conf"] = conf_b64
    if X_train is not None:
        payload["points"] = _points_block(
            X_train,
            y_train,
            X_test,
            y_test,
            classify=mode != "regression",
            n_classes=n_classes,
            decimals=_decimals(box),
        )
    return payload


def hidden_payload(
    *,
    frame: int,
    axes: tuple[float, float, float, float],
    H_train: np.ndarray,
    y_train,
    H_test,
    y_test,
    grid_lines: list[np.ndarray] | None,
    output_line: tuple[float, float, float] | None,
    axis_labels: tuple[str, str],
    n_classes: int,
    points_version: int = 0,
    compact: bool = False,
    show_test: bool = True,
) -> dict:
    """Data for the hidden-feature view ``[f(z_i), f(z_j)]`` on fixed ``axes``.

    ``grid_lines`` are the images of the input grid's lines, each a ``(p, 2)`` polyline in
    hidden space (sent flat, non-finite vertices as None = a break). ``output_line``
    ``(v1, v2, c)`` is the output unit's line ``v.h + c = 0``; its positive side is shaded.
    ``n_classes`` >= 2 colours points by class; 0 or 1 colours them by target value
    (regression), over ``value_range`` = the targets' range. ``H_train=None`` leaves out
    ``"points"`` (the browser reuses the cached points of ``points_version``).

    ``compact`` sends the points' and the lines' coordinates as :func:`encode_xy` strings
    (``"q"`` in each point set; ``"grid_lines_q"``, all lines in one polyline broken by
    non-finite vertices; over ``"q_box"``) instead of numbers: for the frames of a live view,
    where they change every frame.
    """
    box = _box(axes, "axes")
    dec = _decimals(box)
    if compact:
        # All lines in one string, a non-finite vertex between two lines (a pen lift).
        lines, parts = [], []
        for p in grid_lines or []:
            parts += [_xy(p, "grid line"), np.full((1, 2), np.nan)]
        lines_q = [encode_xy(np.concatenate(parts), box)] if parts else []
    else:
        lines = [_flat(_xy(p, "grid line"), dec) for p in (grid_lines or [])]
    line = None
    if output_line is not None:
        v = [float(t) for t in output_line]
        if len(v) != 3:
            raise ValueError(f"output_line must be (v1, v2, c), got {output_line!r}")
        if all(math.isfinite(t) for t in v) and (v[0] != 0.0 or v[1] != 0.0):
            line = [_num(t) for t in v]
    labels = [str(axis_labels[0]), str(axis_labels[1])]
    k = int(n_classes)
    payload: dict = {
        "view": "hidden",
        "frame": int(frame),
        "axes": box,
        "grid_lines": lines,
        "output_line": line,
        "axis_labels": labels,
        "n_classes": k,
        "points_version": int(points_version),
        "show_test": bool(show_test),
    }
    if k < 2:
        payload["value_range"] = list(_finite_range(y_train, y_test) or (0.0, 1.0))
    if H_train is not None:
        payload["points"] = _points_block(
            H_train,
            y_train,
            H_test,
            y_test,
            classify=k >= 2,
            n_classes=k,
            decimals=dec,
            box=box if compact else None,
        )
    if compact:
        payload["q_box"] = xy_box(box)
        payload["grid_lines_q"] = lines_q
    return payload


# ---------------------------------------------------------------- charts while playing

CURVE_SERIES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
MAX_DRAWN_UNITS = 12  # per layer in the network diagram; the rest are counted


def _sig(values, digits: int = 5) -> list:
    """Values as floats of ``digits`` significant digits, non-finite ones as None."""
    return [_num(v, digits) for v in np.asarray(values, dtype=np.float64).ravel().tolist()]


def curves_payload(
    curves: dict, *, regression: bool, frame: int, clip_norm: float | None = 0.0
) -> dict:
    """The loss (log scale) and accuracy curves of a run, for the canvas chart that stands in
    for the Plotly one while the network trains (a Plotly redraw costs the browser ~30
    times a frame's paint). ``curves`` is ``History.curves()``; accuracy only when
    classifying.

    When ``curves`` has ``grad_norm`` (||g|| at each snapshot, one per epoch entry), it is
    sent for a panel of its own (log scale); ``clip_norm`` > 0 is the clipping threshold,
    drawn as a dashed line there, and ``clipped`` (how often clipping fired since the last
    snapshot) becomes the indices of the snapshots where it fired (``"clipped"``). Histories
    without those columns give a payload without them (``clip_norm`` then None).
    """
    names = CURVE_SERIES[:2] if regression else CURVE_SERIES
    out = {
        "view": "curves",
        "frame": int(frame),
        "epoch": _sig(curves["epoch"], 7),
        "series": {name: _sig(curves[name]) for name in names},
    }
    n = len(out["epoch"])
    grad = curves.get("grad_norm")
    if grad is None or np.asarray(grad).size != n:
        return out
    out["grad_norm"] = _sig(grad)
    clip = float(clip_norm or 0.0)
    out["clip_norm"] = _num(clip) if math.isfinite(clip) and clip > 0 else None
    clipped = curves.get("clipped")
    if clipped is not None and np.asarray(clipped).size == n:
        fired = np.nan_to_num(np.asarray(clipped, dtype=np.float64).ravel(), nan=0.0) > 0
        out["clipped"] = np.flatnonzero(fired).tolist()
    else:
        out["clipped"] = []
    return out


def network_layout(coefs, max_units: int = MAX_DRAWN_UNITS):
    """Units drawn per layer (at most ``max_units`` of each) and the weights between them
    divided by the largest drawn one: ``(sizes, shown, weights)``, ``weights[l]`` of shape
    ``(shown[l], shown[l + 1])`` in [-1, 1]."""
    sizes = [int(coefs[0].shape[0])] + [int(W.shape[1]) for W in coefs]
    shown = [min(s, max_units) for s in sizes]
    drawn = [
        np.asarray(W, dtype=np.float64)[: shown[l], : shown[l + 1]] for l, W in enumerate(coefs)
    ]
    scale = max((float(np.abs(W).max()) for W in drawn if W.size), default=1.0)
    if not (math.isfinite(scale) and scale > 0):
        scale = 1.0
    return sizes, shown, [np.nan_to_num(W / scale, nan=0.0, posinf=1.0, neginf=-1.0) for W in drawn]


def network_payload(coefs, input_names, *, frame: int) -> dict:
    """The network diagram (units as circles, weights as edges coloured by sign and as wide
    as their size) for the canvas chart used while the network trains."""
    sizes, shown, weights = network_layout(coefs)
    return {
        "view": "network",
        "frame": int(frame),
        "sizes": sizes,
        "shown": shown,
        "weights": [_flat(W, 3) for W in weights],
        "names": [str(n) for n in list(input_names)[: shown[0]]],
    }
