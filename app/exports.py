"""Exports: figures as PNG, a training run as a GIF, the data as CSV, the network as JSON.

Everything is drawn with Pillow from arrays, so no browser (and no kaleido) is needed: a
small raster kit (`Canvas`) paints a decision surface, points, lines and axes in the colours
of the live geometry. The builders (`boundary_png`, `hidden_png`, `lines_png`, `run_gif`,
`dataset_csv`, `network_json`, `load_network_into`) are pure functions of their arguments and
can be tested without Streamlit; `export_panel` and `download` draw the page's buttons.

MP4: imageio writes MP4 only through ffmpeg (the imageio-ffmpeg package) or PyAV, and
neither is installed here (nothing may be downloaded), so a run is exported as a GIF only.
"""

from __future__ import annotations

import copy
import csv
import io
import logging
import math
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from app import messages
from app.payloads import CLASS_COLORS, UNIT_COLORS, surface_mode
from engine import datasets, geometry, serialize
from engine.network import Network

log = logging.getLogger(__name__)

NEG_RGB = (49, 119, 180)  # the live view's heat-map blue (class 0 / negative)
POS_RGB = (240, 133, 40)  # and orange (class 1 / positive)
HEAT_MAX = 0.62
TEXT = (49, 51, 63)
GRID_LINE = (225, 227, 232)
VIRIDIS_STOPS = (
    (0.0, (68, 1, 84)),
    (0.25, (59, 82, 139)),
    (0.5, (33, 145, 140)),
    (0.75, (94, 201, 98)),
    (1.0, (253, 231, 37)),
)
SERIES_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
GIF_FRAMES = 60


def _rgb(color) -> tuple[int, int, int]:
    if isinstance(color, str):
        h = color.lstrip("#")
        return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))
    return tuple(int(c) for c in color[:3])


def _font(size=13):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "–"
    a = abs(v)
    if a != 0 and (a < 1e-2 or a >= 1e4):
        return f"{v:.0e}"
    return f"{v:.2f}".rstrip("0").rstrip(".") or "0"


def _nice_ticks(lo, hi, count=5):
    span = hi - lo
    if not (span > 0 and math.isfinite(span)):
        return [lo]
    raw = span / count
    mag = 10 ** math.floor(math.log10(raw))
    f = raw / mag
    step = (1 if f < 1.5 else 2 if f < 3.5 else 5 if f < 7.5 else 10) * mag
    start = math.ceil(lo / step - 1e-9) * step
    return [start + i * step for i in range(int((hi - start) / step + 1e-9) + 1)]


def _log_ticks(lo, hi):
    return [
        10.0**k
        for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
        if lo * (1 - 1e-9) <= 10.0**k <= hi * (1 + 1e-9)
    ]


# =========================================================================================
# The raster kit
# =========================================================================================
class Canvas:
    """One plot panel: a data box ``(xmin, xmax, ymin, ymax)`` drawn into a pixel box.

    ``logx`` / ``logy`` put that axis on a log scale (data must then be > 0).
    """

    def __init__(
        self,
        extent,
        size=(420, 420),
        *,
        title="",
        xlabel="",
        ylabel="",
        logx=False,
        logy=False,
        margin=(52, 30, 14, 40),
    ):
        self.width, self.height = size
        self.image = Image.new("RGB", size, "white")
        self.draw = ImageDraw.Draw(self.image)
        self.logx, self.logy = logx, logy
        self.extent = tuple(float(v) for v in extent)
        left, top, right, bottom = margin
        self.box = (left, top, self.width - right, self.height - bottom)
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.font, self.small = _font(13), _font(11)

    # -- coordinates ---------------------------------------------------------------------
    def _t(self, v, lo, hi, log):
        if log:
            v, lo, hi = (np.log10(np.maximum(v, 1e-300)), math.log10(lo), math.log10(hi))
        return (np.asarray(v, float) - lo) / (hi - lo)

    def px(self, x, y):
        """Pixel coordinates of data points (arrays welcome)."""
        x0, y0, x1, y1 = self.box
        xmin, xmax, ymin, ymax = self.extent
        u = self._t(x, xmin, xmax, self.logx)
        v = self._t(y, ymin, ymax, self.logy)
        return x0 + u * (x1 - x0), y1 - v * (y1 - y0)

    # -- layers --------------------------------------------------------------------------
    def surface(self, values, mode="binary", value_range=(-2.0, 2.0), level=0.0):
        """A surface sampled on the extent's grid (row 0 = lowest y), with its 0-level line.

        ``values`` is (rows, cols) of outputs (binary, regression) or (rows, cols, k) of
        class scores (multiclass).
        """
        x0, y0, x1, y1 = (int(round(v)) for v in self.box)
        w, h = x1 - x0, y1 - y0
        V = np.asarray(values, dtype=np.float64)
        if mode == "multiclass":
            k = V.shape[2]
            # Each class's score is upsampled smoothly, then the largest wins per pixel, so
            # the borders between classes are as smooth as the scores.
            S = np.stack(
                [
                    np.asarray(
                        Image.fromarray(
                            np.nan_to_num(V[::-1, :, i]).astype(np.float32), "F"
                        ).resize((w, h), Image.BILINEAR)
                    )
                    for i in range(k)
                ],
                axis=2,
            )
            C = S.argmax(axis=2)
            top2 = np.sort(S, axis=2)[..., -2:]
            conf = np.clip(top2[..., 1] - top2[..., 0], 0, 2) / 2
            alpha = 0.12 + (HEAT_MAX - 0.12) * conf[..., None]
            palette = np.array([_rgb(CLASS_COLORS[i % len(CLASS_COLORS)]) for i in range(k)])
            rgb = 255 + (palette[C] - 255) * alpha
            edge = np.zeros((h, w), bool)
            edge[:, 1:] |= C[:, 1:] != C[:, :-1]
            edge[1:, :] |= C[1:, :] != C[:-1, :]
        else:
            img = Image.fromarray(np.nan_to_num(V[::-1]).astype(np.float32), "F")
            U = np.asarray(img.resize((w, h), Image.BILINEAR), dtype=np.float64)
            lo, hi = value_range
            if mode == "regression":
                t = np.clip((U - lo) / ((hi - lo) or 1.0), 0, 1)
                rgb = 255 + (_viridis(t) - 255) * 0.72
                edge = np.zeros((h, w), bool)
            else:
                t = np.clip(np.abs(U - level) / max(abs(hi), abs(lo), 1e-9), 0, 1)
                alpha = (HEAT_MAX * t**0.85)[..., None]
                color = np.where((U < level)[..., None], NEG_RGB, POS_RGB)
                rgb = 255 + (color - 255) * alpha
                s = U > level
                edge = np.zeros((h, w), bool)
                edge[:, 1:] |= s[:, 1:] != s[:, :-1]
                edge[1:, :] |= s[1:, :] != s[:-1, :]
        rgb[edge] = (34, 40, 49)
        self.image.paste(Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB"), (x0, y0))

    def points(self, X, y, *, n_classes=2, hollow=False, radius=4.0, values_range=None):
        """Class-coloured points (or viridis by value when ``n_classes == 0``)."""
        X = np.asarray(X, dtype=np.float64).reshape(-1, 2)
        if not len(X):
            return
        px, py = self.px(X[:, 0], X[:, 1])
        y = np.asarray(y)
        if n_classes == 0:
            lo, hi = values_range or (float(np.min(y)), float(np.max(y)))
            cols = _viridis(np.clip((y - lo) / ((hi - lo) or 1.0), 0, 1)).astype(int)
        else:
            cols = [_rgb(CLASS_COLORS[int(c) % len(CLASS_COLORS)]) for c in y]
        x0, y0, x1, y1 = self.box
        for a, b, c in zip(px, py, cols):
            if not (x0 - 2 <= a <= x1 + 2 and y0 - 2 <= b <= y1 + 2):
                continue
            c = tuple(int(v) for v in c)
            bbox = (a - radius, b - radius, a + radius, b + radius)
            if hollow:
                self.draw.ellipse(bbox, fill="white", outline=c, width=2)
            else:
                self.draw.ellipse(bbox, fill=c, outline="white", width=1)

    def line_abc(self, a, b, c, color="#222831", width=2, label=None, arrow=True):
        """The line ``a x + b y + c = 0`` clipped to the box, with its normal ``(a, b)``."""
        xmin, xmax, ymin, ymax = self.extent
        seg = clip_line(a, b, c, xmin, xmax, ymin, ymax)
        if seg is None:
            return
        (xa, ya), (xb, yb) = seg
        pa, pb = self.px(xa, ya), self.px(xb, yb)
        rgb = _rgb(color)
        self.draw.line([pa, pb], fill=rgb, width=width)
        if arrow:
            mx, my = (xa + xb) / 2, (ya + yb) / 2
            n = math.hypot(a, b)
            L = 0.12 * max(xmax - xmin, ymax - ymin)
            tip = self.px(mx + L * a / n, my + L * b / n)
            base = self.px(mx, my)
            bx0, by0, bx1, by1 = self.box
            if not (bx0 <= tip[0] <= bx1 and by0 <= tip[1] <= by1):
                return
            self.draw.line([base, tip], fill=rgb, width=width)
            ang = math.atan2(tip[1] - base[1], tip[0] - base[0])
            for da in (2.6, -2.6):
                self.draw.line(
                    [tip, (tip[0] + 8 * math.cos(ang + da), tip[1] + 8 * math.sin(ang + da))],
                    fill=rgb,
                    width=width,
                )
            if label:
                self.draw.text((tip[0] + 3, tip[1] - 14), label, fill=rgb, font=self.small)

    def polyline(self, x, y, color, width=2, markers=False, dash=False):
        x, y = np.asarray(x, float), np.asarray(y, float)
        ok = np.isfinite(x) & np.isfinite(y)
        if self.logx:
            ok &= x > 0
        if self.logy:
            ok &= y > 0
        x, y = x[ok], y[ok]
        if not len(x):
            return
        px, py = self.px(x, y)
        pts = list(zip(px.tolist(), py.tolist()))
        rgb = _rgb(color)
        if len(pts) > 1:
            if dash:
                for i in range(0, len(pts) - 1, 2):
                    self.draw.line(pts[i : i + 2], fill=rgb, width=width)
            else:
                self.draw.line(pts, fill=rgb, width=width, joint="curve")
        if markers:
            for a, b in pts:
                self.draw.ellipse((a - 3.5, b - 3.5, a + 3.5, b + 3.5), fill=rgb, outline="white")

    def axes(self, grid=False):
        """Frame, ticks and labels, title on top."""
        x0, y0, x1, y1 = self.box
        xmin, xmax, ymin, ymax = self.extent
        xt = _log_ticks(xmin, xmax) if self.logx else _nice_ticks(xmin, xmax)
        yt = _log_ticks(ymin, ymax) if self.logy else _nice_ticks(ymin, ymax)
        d = self.draw
        for v in xt:
            px, _ = self.px(v, ymin)
            if grid:
                d.line([(px, y0), (px, y1)], fill=GRID_LINE)
            d.line([(px, y1), (px, y1 + 4)], fill=TEXT)
            label = _fmt(v)
            w = d.textlength(label, font=self.small)
            d.text((px - w / 2, y1 + 6), label, fill=TEXT, font=self.small)
        for v in yt:
            _, py = self.px(xmin, v)
            if grid:
                d.line([(x0, py), (x1, py)], fill=GRID_LINE)
            d.line([(x0 - 4, py), (x0, py)], fill=TEXT)
            label = _fmt(v)
            w = d.textlength(label, font=self.small)
            d.text((x0 - 6 - w, py - 7), label, fill=TEXT, font=self.small)
        d.rectangle(self.box, outline=TEXT, width=1)
        if self.title:
            d.text((x0, 6), self.title, fill=TEXT, font=self.font)
        if self.xlabel:
            w = d.textlength(self.xlabel, font=self.small)
            d.text(((x0 + x1) / 2 - w / 2, y1 + 22), self.xlabel, fill=TEXT, font=self.small)
        if self.ylabel:
            label = Image.new("RGBA", (int(d.textlength(self.ylabel, font=self.small)) + 4, 16))
            ImageDraw.Draw(label).text((2, 0), self.ylabel, fill=TEXT, font=self.small)
            label = label.rotate(90, expand=True)
            self.image.paste(label, (2, int((y0 + y1) / 2 - label.height / 2)), label)

    def legend(self, items: Sequence[tuple[str, str]], corner="tr"):
        """``[(label, colour), ...]`` in a box at the top right (or 'bl')."""
        if not items:
            return
        d = self.draw
        w = max(d.textlength(t, font=self.small) for t, _ in items) + 30
        h = 16 * len(items) + 6
        x0, y0, x1, y1 = self.box
        bx, by = (x1 - w - 6, y0 + 6) if corner == "tr" else (x0 + 6, y1 - h - 6)
        d.rectangle((bx, by, bx + w, by + h), fill="white", outline=GRID_LINE)
        for i, (text, color) in enumerate(items):
            yy = by + 4 + 16 * i
            d.line([(bx + 5, yy + 7), (bx + 20, yy + 7)], fill=_rgb(color), width=3)
            d.text((bx + 25, yy), text, fill=TEXT, font=self.small)

    def png(self) -> bytes:
        return to_png(self.image)


def _viridis(t):
    t = np.asarray(t, dtype=np.float64)
    out = np.zeros(t.shape + (3,))
    for (t0, c0), (t1, c1) in zip(VIRIDIS_STOPS[:-1], VIRIDIS_STOPS[1:]):
        m = (t >= t0) & (t <= t1)
        u = ((t - t0) / (t1 - t0))[m][:, None]
        out[m] = np.array(c0) + (np.array(c1) - np.array(c0)) * u
    return out


def clip_line(a, b, c, x0, x1, y0, y1):
    """The segment of ``a x + b y + c = 0`` inside the box, or None (Liang-Barsky)."""
    n2 = a * a + b * b
    if not (n2 > 0 and math.isfinite(n2) and math.isfinite(c)):
        return None
    px, py = -c * a / n2, -c * b / n2
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


def to_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def compose(images: Sequence[Image.Image], cols: int, pad=8, title: str = "") -> Image.Image:
    """Small multiples: images in a grid of ``cols`` columns, with an optional title."""
    if not images:
        raise ValueError("nothing to compose")
    cols = max(1, min(cols, len(images)))
    rows = -(-len(images) // cols)
    w = max(im.width for im in images)
    h = max(im.height for im in images)
    top = 30 if title else 0
    sheet = Image.new(
        "RGB", (cols * w + (cols + 1) * pad, top + rows * h + (rows + 1) * pad), "white"
    )
    if title:
        ImageDraw.Draw(sheet).text((pad, 8), title, fill=TEXT, font=_font(15))
    for i, im in enumerate(images):
        r, c = divmod(i, cols)
        sheet.paste(im, (pad + c * (w + pad), top + pad + r * (h + pad)))
    return sheet


# =========================================================================================
# Figures of a network and its data
# =========================================================================================
def boundary_image(
    net: Network,
    X_train,
    y_train,
    X_test=None,
    y_test=None,
    *,
    n_classes=2,
    extent=None,
    grid=120,
    size=(420, 420),
    title="",
    show_units=True,
    surface=None,
    inputs=None,
    highlight=None,
) -> Image.Image:
    """The input plane: decision surface, train (filled) and test (hollow) points and, for a
    first hidden layer fed by (x1, x2), each unit's line ``z_i = 0`` with its normal.

    ``inputs`` maps plane points to the network's inputs when those are features (x1^2,
    sin x1, ...): the surface is then F(phi(x)) and the units' lines are not straight, so
    they are left out. ``highlight`` rings the given points (k, 2) in black.
    """
    X_test = np.empty((0, 2)) if X_test is None else X_test
    y_test = np.empty(0) if y_test is None else y_test
    if extent is None:
        extent = geometry.data_extent(np.concatenate([np.asarray(X_train), np.asarray(X_test)]))
    if surface is None:
        surface = geometry.decision_surface(net, extent, grid, inputs=inputs)
    mode = surface_mode(net, n_classes)
    value_range = (-2.0, 2.0)
    if mode == "regression":
        y_all = np.concatenate([np.asarray(y_train, float), np.asarray(y_test, float)])
        value_range = (float(y_all.min()), float(y_all.max())) if len(y_all) else (0.0, 1.0)
    c = Canvas(extent, size, title=title, xlabel="x1", ylabel="x2")
    c.surface(surface, mode, value_range)
    if show_units and inputs is None and net.n_layers >= 2:
        lines = geometry.unit_lines(net)
        if len(lines) <= 24:
            for i, (w1, w2, b) in enumerate(lines):
                c.line_abc(
                    w1,
                    w2,
                    b,
                    UNIT_COLORS[i % len(UNIT_COLORS)],
                    2,
                    f"z{i + 1}",
                    arrow=len(lines) <= 12,
                )
    c.points(X_train, y_train, n_classes=n_classes, values_range=value_range)
    c.points(X_test, y_test, n_classes=n_classes, hollow=True, values_range=value_range)
    if highlight is not None:
        for hx, hy in np.asarray(highlight, dtype=float).reshape(-1, 2):
            px, py = c.px(hx, hy)
            c.draw.ellipse((px - 9, py - 9, px + 9, py + 9), outline="black", width=3)
    c.axes()
    return c.image


def boundary_png(net: Network, data, **kw) -> bytes:
    """`boundary_image` of a Playground ``Data`` as PNG bytes."""
    return to_png(
        boundary_image(
            net,
            data.X_train,
            data.y_train,
            data.X_test,
            data.y_test,
            n_classes=data.n_classes,
            **kw,
        )
    )


def hidden_image(
    H,
    y,
    *,
    output_line=None,
    axes=None,
    size=(420, 420),
    title="",
    labels=("f(z1)", "f(z2)"),
    n_classes=2,
) -> Image.Image:
    """Points mapped into a 2-D hidden space, with the output unit's line ``v.h + c = 0``."""
    H = np.asarray(H, dtype=np.float64)
    if H.ndim == 1 or H.shape[1] == 1:
        H = np.column_stack([H.reshape(-1), np.zeros(len(H))])
    if axes is None:
        axes = geometry.hidden_axes((None, None), H)
        lo = min(axes[0], axes[2])
        axes = (min(axes[0], -0.1), axes[1], min(axes[2], -0.1), axes[3]) if lo < 0 else axes
    c = Canvas(axes, size, title=title, xlabel=labels[0], ylabel=labels[1])
    if output_line is not None:
        v1, v2, b = output_line
        c.line_abc(v1, v2, b, "#222831", 2, None, arrow=True)
    c.points(H, y, n_classes=n_classes)
    c.axes()
    return c.image


def lines_image(
    series: Sequence[dict],
    *,
    size=(560, 380),
    title="",
    xlabel="",
    ylabel="",
    logx=False,
    logy=False,
    extent=None,
) -> Image.Image:
    """A line chart. ``series``: ``[{"x", "y", "label", "color"?, "markers"?, "dash"?}]``."""
    xs = np.concatenate([np.asarray(s["x"], float) for s in series])
    ys = np.concatenate([np.asarray(s["y"], float) for s in series])
    if extent is None:
        extent = _auto_extent(xs, ys, logx, logy)
    c = Canvas(
        extent,
        size,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
        logx=logx,
        logy=logy,
        margin=(58, 30, 14, 44),
    )
    c.axes(grid=True)
    items = []
    for i, s in enumerate(series):
        color = s.get("color") or SERIES_COLORS[i % len(SERIES_COLORS)]
        c.polyline(
            s["x"],
            s["y"],
            color,
            width=s.get("width", 2),
            markers=s.get("markers", False),
            dash=s.get("dash", False),
        )
        if s.get("label"):
            items.append((s["label"], color))
    c.draw.rectangle(c.box, outline=TEXT, width=1)
    c.legend(items)
    return c.image


def _auto_extent(xs, ys, logx, logy):
    def span(v, log):
        v = v[np.isfinite(v)]
        if log:
            v = v[v > 0]
        if not len(v):
            return (1.0, 10.0) if log else (0.0, 1.0)
        lo, hi = float(v.min()), float(v.max())
        if log:
            lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi))
            return (lo, hi if hi > lo else lo * 10)
        pad = 0.05 * (hi - lo) or 0.5
        return (lo - pad, hi + pad)

    (x0, x1), (y0, y1) = span(xs, logx), span(ys, logy)
    return (x0, x1, y0, y1)


# =========================================================================================
# A training run as an animated GIF
# =========================================================================================
def run_frames(
    net: Network,
    entries: Sequence,
    X_train,
    y_train,
    X_test=None,
    y_test=None,
    *,
    n_classes=2,
    max_frames=GIF_FRAMES,
    size=(360, 360),
    grid=80,
    inputs=None,
) -> list[Image.Image]:
    """One image per stored snapshot (at most ``max_frames``, evenly spread, the last kept)."""
    if not entries:
        raise ValueError("the run has no stored snapshots")
    n = len(entries)
    picks = sorted(set(np.linspace(0, n - 1, min(n, max_frames)).round().astype(int).tolist()))
    X_test = np.empty((0, 2)) if X_test is None else X_test
    extent = geometry.data_extent(np.concatenate([np.asarray(X_train), np.asarray(X_test)]))
    work = copy.deepcopy(net)
    frames = []
    for i in picks:
        snap = entries[i]
        np.copyto(work.theta, snap.theta)
        acc = snap.test_accuracy if math.isfinite(snap.test_accuracy) else snap.train_accuracy
        title = f"step {snap.step:,} · loss {_fmt(snap.train_loss)}"
        if math.isfinite(acc):
            title += f" · acc {acc * 100:.0f} %"
        frames.append(
            boundary_image(
                work,
                X_train,
                y_train,
                X_test,
                y_test,
                n_classes=n_classes,
                extent=extent,
                grid=grid,
                size=size,
                title=title,
                inputs=inputs,
            )
        )
    return frames


def gif_bytes(frames: Sequence[Image.Image], frame_ms=110, last_ms=1500) -> bytes:
    """Frames as a looping GIF (the last one held a little longer)."""
    if not frames:
        raise ValueError("no frames")
    # One palette for the whole run, from the first, middle and last frames side by side:
    # mapping onto a given palette is ~20x faster than quantising every frame.
    sample = [frames[0], frames[len(frames) // 2], frames[-1]]
    sheet = Image.new("RGB", (sum(f.width for f in sample), max(f.height for f in sample)))
    x = 0
    for f in sample:
        sheet.paste(f, (x, 0))
        x += f.width
    palette = sheet.quantize(colors=255, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    pal = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    buf = io.BytesIO()
    durations = [frame_ms] * (len(pal) - 1) + [last_ms]
    pal[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=pal[1:],
        duration=durations,
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buf.getvalue()


def run_gif(net: Network, entries: Sequence, data, **kw) -> bytes:
    """The run stored in a trainer's history (``trainer.history.entries``) as a GIF."""
    return gif_bytes(
        run_frames(
            net,
            entries,
            data.X_train,
            data.y_train,
            data.X_test,
            data.y_test,
            n_classes=data.n_classes,
            **kw,
        )
    )


# =========================================================================================
# Data and network files
# =========================================================================================
def dataset_csv(data) -> str:
    """Train and test points together as CSV (``x1,x2,label``; ``x1,x2,target`` for
    regression), readable by the Playground's CSV upload."""
    X = np.concatenate([data.X_train, data.X_test])
    y = np.concatenate([np.asarray(data.y_train), np.asarray(data.y_test)])
    if data.n_classes:
        names = list(data.class_names) if data.class_names else None
        try:
            return datasets.to_csv(X, y.astype(np.int64), names)
        except datasets.DatasetError:
            return datasets.to_csv(X, y.astype(np.int64))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("x1", "x2", "target"))
    for (x1, x2), t in zip(X.tolist(), y.astype(float).tolist()):
        writer.writerow([repr(x1), repr(x2), repr(t)])
    return out.getvalue()


def rows_csv(rows: Sequence[dict]) -> str:
    """A table (a list of dicts with the same keys) as CSV text: floats in full precision,
    None as an empty field, quoting by the csv module."""
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: "" if v is None else repr(v) if isinstance(v, float) else v for k, v in row.items()}
        )
    return out.getvalue()


def plane_inputs(ps):
    """The Playground's input map phi when the network takes features, else None."""
    phi = getattr(ps, "features", None)
    return None if phi is None or getattr(phi, "is_raw", True) else phi


def network_meta(ps) -> dict:
    """What a saved network should remember of the Playground (settings, class names)."""
    from dataclasses import asdict

    meta = {"source": "playground"}
    try:
        meta["config"] = asdict(ps.config)
    except TypeError:
        pass
    meta["class_names"] = list(getattr(ps.data, "class_names", ()) or ())
    meta["step"] = int(getattr(ps.trainer, "step_count", 0))
    return meta


def network_json(net: Network, meta: dict | None = None) -> str:
    """The network file the studio exports: compact (base64 weights), so that every network
    the Playground can build fits the upload limit and loads back (serialize.MAX_BYTES)."""
    return serialize.network_to_json(net, meta, compact=True)


def describe(net: Network) -> str:
    hidden = ", ".join(str(s) for s in net.layer_sizes[1:-1]) or "none"
    return (
        f"{net.layer_sizes[0]} inputs, hidden layers [{hidden}], "
        f"{net.layer_sizes[-1]} output(s), {net.activation}"
    )


def load_network_into(ps, payload) -> str:
    """Load a network file into the Playground's trainer; return a message.

    Only when its layer sizes and activation match the Playground's network; otherwise
    `serialize.ModelFormatError` says what to change. The weights become the present state
    (a snapshot is recorded, the optimizer's velocity reset), so training continues from
    them and the timeline shows the jump.
    """
    net, meta = serialize.read_network_json(payload)
    trainer = ps.trainer
    current = trainer.net

    def canon(a):
        return "sigmoid" if a == "logistic" else a

    if net.layer_sizes != current.layer_sizes or canon(net.activation) != canon(current.activation):
        raise serialize.ModelFormatError(
            f"this file holds a network with {describe(net)}; the Playground's has "
            f"{describe(current)}. Set the sidebar's layers and activation to match, "
            "then load the file again."
        )
    np.copyto(current.theta, net.theta)
    if trainer.history is not None:
        trainer.record()
        trainer.rewind(-1)
    else:
        trainer.optimizer.reset()
    trainer.clear_stop()
    ps.playing = False
    ps.scrub = None
    ps.hidden_axes = None
    step = meta.get("step") if isinstance(meta, dict) else None
    note = f" (saved at step {step:,})" if isinstance(step, int) else ""
    return f"Loaded the network{note}: {describe(net)}."


# =========================================================================================
# Streamlit: download buttons and the Playground's export panel
# =========================================================================================
MIME = {"png": "image/png", "gif": "image/gif", "csv": "text/csv", "json": "application/json"}


# The icon of a download button, by the file's extension.
ICONS = {
    "png": ":material/image:",
    "gif": ":material/movie:",
    "csv": ":material/table:",
    "json": ":material/data_object:",
}


def download(label: str, make: Callable[[], bytes | str], file_name: str, key: str, **kw):
    """A download button whose file is made only when clicked (``make`` takes no arguments
    and runs on Streamlit's download thread; it must not touch mutable state)."""
    import streamlit as st

    ext = file_name.rsplit(".", 1)[-1]
    kw.setdefault("icon", ICONS.get(ext))

    def safe():
        try:
            return make()
        except Exception:  # noqa: BLE001 — a failed export must not break the page
            log.exception("export %s failed", file_name)
            return b""

    return st.download_button(
        label, data=safe, file_name=file_name, mime=MIME.get(ext), key=key, on_click="ignore", **kw
    )


def download_row(*items):
    """Download buttons side by side, one column each. An item is ``(label, make,
    file_name, key)``, optionally followed by a dict of further ``st.download_button``
    options (``disabled``, ``help``)."""
    import streamlit as st

    for column, (label, make, file_name, key, *options) in zip(
        st.columns(len(items)), items, strict=True
    ):
        with column:
            download(label, make, file_name, key, **(options[0] if options else {}))


def _upload_network(ps, key):
    import streamlit as st

    file = st.session_state.get(key)
    if file is None:
        return
    try:
        # Only checked values: layer sizes, a known activation's name, an integer step.
        message = messages.Markdown(load_network_into(ps, file.getvalue()))
        st.session_state[f"{key}_msg"] = ("success", message)
    except serialize.ModelFormatError as err:
        # The file's name and the error's text (which quotes the file) are shown literally.
        st.session_state[f"{key}_msg"] = (
            "error",
            messages.text(
                "The network file {name} was not loaded: {why}",
                name=file.name,
                why=messages.detail(err),
            ),
        )


def snapshot(ps):
    """``(network copy, data, history entries, meta, inputs)`` of the Playground as it is now.

    Called when a download is clicked (on Streamlit's download thread), so a file shows the
    present state even while the animation is playing; the network is copied first, and
    the list of snapshots is copied (its entries are never changed in place).
    """
    trainer = ps.trainer
    net = copy.deepcopy(trainer.net)
    entries = list(trainer.history.entries) if trainer.history is not None else []
    return net, ps.data, entries, network_meta(ps), plane_inputs(ps)


def export_panel(ps, key: str = "export"):
    """Download buttons (PNG of the boundary, GIF of the run, CSV of the data, JSON of the
    network) and an uploader that loads a saved network back into ``ps``'s trainer.

    Files are built only when a button is clicked, from a `snapshot` of the Playground taken
    then, so they show what is on the screen even while training runs.
    """
    import streamlit as st

    def png():
        net, data, _, _, inputs = snapshot(ps)
        return boundary_png(net, data, inputs=inputs)

    def gif():
        net, data, entries, _, inputs = snapshot(ps)
        return run_gif(net, entries, data, inputs=inputs)

    def json_text():
        net, _, _, meta, _ = snapshot(ps)
        return network_json(net, meta)

    n_snapshots = len(ps.trainer.history.entries) if ps.trainer.history is not None else 0
    # A network that could not be loaded back is not offered (with the reason), rather than
    # handed out as a file that fails later.
    unsavable = serialize.savable(ps.trainer.net)
    json_options = dict(
        disabled=bool(unsavable),
        help=f"Not now: {unsavable}." if unsavable else "Loadable again below.",
    )
    with st.container(key=f"{key}_panel"):
        st.markdown("**Export** · files are made when you click")
        download_row(
            ("Boundary (PNG)", png, "boundary.png", f"{key}_png"),
            (
                "Training run (GIF)",
                gif,
                "training_run.gif",
                f"{key}_gif",
                dict(
                    disabled=n_snapshots < 2,
                    help="The stored snapshots of this run as an animation (GIF only: no "
                    "MP4 encoder is installed).",
                ),
            ),
            ("Data (CSV)", lambda: dataset_csv(ps.data), "dataset.csv", f"{key}_csv"),
            ("Network (JSON)", json_text, "network.json", f"{key}_json", json_options),
        )
        st.file_uploader(
            "Load a saved network (JSON)",
            type=["json"],
            key=f"{key}_upload",
            on_change=_upload_network,
            args=(ps, f"{key}_upload"),
            # The server's cap (server.maxUploadSize) is the same, so a file the widget takes
            # is never refused by the server (which would show only "status code 413").
            max_upload_size=serialize.MAX_BYTES >> 20,
            help=f"A file saved by 'Network (JSON)', up to {serialize.MAX_BYTES >> 20} MB. "
            "Its layers and activation must match the Playground's.",
        )
        msg = st.session_state.get(f"{key}_upload_msg")
        if msg:
            kind, text = msg
            messages.show("success" if kind == "success" else "error", text)
