"""Exports: a training run as a GIF (or MP4), the data as CSV, the network as JSON.

PNGs of the figures are not made here: each Plotly chart exports itself from its toolbar's
camera button (``app.figures.slide_config``) and the live views from their save button.
The run is drawn with matplotlib (Agg, no pyplot: it runs on Streamlit's download thread).
`export_panel` and `download` draw the page's buttons; the rest can be tested without Streamlit.
"""

from __future__ import annotations

import copy
import csv
import io
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from app import messages
from app import palette as P
from app.payloads import surface_mode
from engine import csv_points, datasets, geometry, serialize
from engine.network import Network

log = logging.getLogger(__name__)

GIF_FRAMES = 60  # snapshots drawn at most, evenly spread over the run
FRAME_MS = 110
LAST_FRAME_MS = 1500  # the end of the run stays on screen a moment before the loop restarts
DPI = 100


# =========================================================================================
# A training run as an animation
# =========================================================================================
def _tint(color: str, alpha: float) -> tuple[float, float, float]:
    """``color`` laid over white at ``alpha``, as matplotlib's 0-1 RGB."""
    c = np.array(P.rgb(color)) / 255.0
    return tuple(1.0 + alpha * (c - 1.0))


def _class_color(k: int) -> str:
    return P.CLASS_COLORS[int(k) % len(P.CLASS_COLORS)]


def _picks(n: int, max_frames: int) -> list[int]:
    """At most ``max_frames`` indices spread evenly over ``n`` snapshots, first and last kept."""
    return sorted(set(np.linspace(0, n - 1, min(n, max_frames)).round().astype(int).tolist()))


def run_frames(
    net: Network,
    entries: Sequence,
    data,
    *,
    max_frames=GIF_FRAMES,
    size=(360, 360),
    grid=80,
    inputs=None,
) -> Iterator[np.ndarray]:
    """The decision surface and the points at each picked snapshot of the run, as
    ``(height, width, 3)`` uint8 frames.

    ``size`` is in pixels, ``grid`` the surface's samples a side, ``inputs`` the map to the
    network's features when it takes more than (x1, x2).
    """
    # matplotlib and imageio are imported when a run is exported, not with the page.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap, Normalize
    from matplotlib.figure import Figure

    if not entries:
        raise ValueError("the run has no stored snapshots")
    X_train, y_train = np.asarray(data.X_train, float), np.asarray(data.y_train)
    X_test = np.asarray(data.X_test if data.X_test is not None else np.empty((0, 2)), float)
    y_test = np.asarray(data.y_test if data.y_test is not None else np.empty(0))
    n_classes = int(data.n_classes)
    extent = geometry.data_extent(np.concatenate([X_train.reshape(-1, 2), X_test.reshape(-1, 2)]))
    mode = surface_mode(net, n_classes)
    work = copy.deepcopy(net)  # the snapshots are loaded into a copy, never the live network

    fig = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.13, 0.11, 0.83, 0.8))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("x1", fontsize=8, labelpad=1)
    ax.set_ylabel("x2", fontsize=8, labelpad=1)
    ax.tick_params(labelsize=7, length=2, pad=1)
    # What changes from frame to frame is "animated": drawn over a saved background (axes,
    # ticks, labels) rather than redrawing the whole figure (matplotlib's blitting).
    title = ax.set_title("", fontsize=8, loc="left", color=P.TEXT, animated=True)

    # The surface's colours, as on the live view: blue below 0 and orange above, paler
    # towards 0; one tint per class; viridis for a regression's values.
    if mode == "regression":
        y_all = np.concatenate([y_train.astype(float), y_test.astype(float)])
        lo, hi = float(np.min(y_all)), float(np.max(y_all))
        norm = Normalize(lo, hi if hi > lo else lo + 1.0)
        cmap = LinearSegmentedColormap.from_list("studio_viridis", [(t, c) for t, c in P.VIRIDIS])
        image_kw = dict(cmap=cmap, norm=norm, alpha=0.72)
    elif mode == "multiclass":
        # The winning class per cell has hard edges: finer cells keep them from looking stepped.
        grid = min(2 * grid, geometry.MAX_GRID)
        k = net.layer_sizes[-1]
        cmap = ListedColormap([_tint(_class_color(i), 0.45) for i in range(k)])
        image_kw = dict(cmap=cmap, norm=Normalize(-0.5, k - 0.5), interpolation="nearest")
    else:
        a = P.HEAT_MAX_ALPHA
        cmap = LinearSegmentedColormap.from_list(
            "studio_heat",
            [_tint(P.HEAT_NEGATIVE, a), (1.0, 1.0, 1.0), _tint(P.HEAT_POSITIVE, a)],
        )
        image_kw = dict(cmap=cmap, norm=Normalize(-2.0, 2.0))
    surface = ax.imshow(
        np.zeros((grid, grid)),
        extent=extent,
        origin="lower",
        aspect="auto",
        interpolation=image_kw.pop("interpolation", "bilinear"),
        animated=True,
        **image_kw,
    )

    def point_colors(y):
        if mode == "regression":
            return cmap(norm(y.astype(float)))
        return [_class_color(c) for c in y]

    # The first layer's units as lines z_i = 0, when they are lines in the plane.
    n_units = len(geometry.unit_lines(net)) if inputs is None else 0
    units = [
        ax.plot([], [], color=P.UNIT_COLORS[i % len(P.UNIT_COLORS)], lw=1.2, ls="--")[0]
        for i in range(n_units if n_units <= 24 else 0)
    ]
    points = [
        ax.scatter(
            X_train[:, 0], X_train[:, 1], s=16, c=point_colors(y_train),
            edgecolors=P.POINT_EDGE, linewidths=0.6,
        )
    ]  # fmt: skip
    if len(X_test):
        points.append(
            ax.scatter(
                X_test[:, 0], X_test[:, 1], s=16, facecolors=P.PANEL,
                edgecolors=point_colors(y_test), linewidths=1.4,
            )
        )  # fmt: skip
    for artist in (*units, *points):
        artist.set_animated(True)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    xs = np.linspace(extent[0], extent[1], grid)
    ys = np.linspace(extent[2], extent[3], grid)

    for i in _picks(len(entries), max_frames):
        snap = entries[i]
        np.copyto(work.theta, snap.theta)
        Z = np.asarray(geometry.decision_surface(work, extent, grid, inputs=inputs), float)
        if mode == "multiclass":
            Z = np.where(np.isfinite(Z), Z, -np.inf).argmax(axis=2).astype(float)
        surface.set_data(np.nan_to_num(Z))
        boundary = []
        if mode == "binary" and np.isfinite(Z).all() and Z.min() < 0 < Z.max():
            boundary = [ax.contour(xs, ys, Z, levels=[0.0], colors=P.BOUNDARY, linewidths=1.6)]
        for line, (w1, w2, b) in zip(units, geometry.unit_lines(work), strict=False):
            seg = geometry.clip_line(w1, w2, b, *extent)
            line.set_data(*(zip(*seg, strict=True) if seg else ([], [])))
        text = f"step {snap.step:,} · loss {snap.train_loss:.3g}"
        acc = snap.test_accuracy if math.isfinite(snap.test_accuracy) else snap.train_accuracy
        if n_classes and math.isfinite(acc):
            text += f" · acc {acc * 100:.0f} %"
        title.set_text(text)
        canvas.restore_region(background)
        for artist in (surface, *boundary, *units, *points, title, *ax.spines.values()):
            ax.draw_artist(artist)
        yield np.asarray(canvas.buffer_rgba())[..., :3].copy()
        for contour in boundary:
            contour.remove()


def run_gif(net: Network, entries: Sequence, data, **kw) -> bytes:
    """The run stored in a trainer's history (``trainer.history.entries``) as a looping GIF;
    ``kw`` as for `run_frames`."""
    import imageio.v3 as iio

    frames = np.stack(list(run_frames(net, entries, data, **kw)))
    n = len(frames)
    buf = io.BytesIO()
    iio.imwrite(
        buf,
        frames,
        extension=".gif",
        duration=[FRAME_MS] * (n - 1) + [LAST_FRAME_MS] if n > 1 else LAST_FRAME_MS,
        loop=0,
    )
    return buf.getvalue()


def mp4_available() -> bool:
    """Whether an MP4 can be written: matplotlib's writer runs the ffmpeg executable (looked
    up as matplotlib does, without importing it for every page)."""
    return shutil.which("ffmpeg") is not None


def run_mp4(net: Network, entries: Sequence, data, **kw) -> bytes:
    """The run as an H.264 MP4 (only where `mp4_available`); ``kw`` as for `run_frames`."""
    from matplotlib import animation
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    frames = run_frames(net, entries, data, **kw)
    first = next(frames)
    h, w, _ = first.shape
    # A bare figure of the frame's size that shows one frame at a time, for the writer.
    fig = Figure(figsize=(w / DPI, h / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    shown = fig.figimage(first)
    writer = animation.FFMpegWriter(fps=round(1000 / FRAME_MS), codec="h264")
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        with writer.saving(fig, path, DPI):
            writer.grab_frame()
            for frame in frames:
                shown.set_data(frame)
                writer.grab_frame()
        with open(path, "rb") as f:
            return f.read()
    finally:
        os.unlink(path)


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
            return csv_points.to_csv(X, y.astype(np.int64), names)
        except datasets.DatasetError:
            return csv_points.to_csv(X, y.astype(np.int64))
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
MIME = {
    "gif": "image/gif",
    "mp4": "video/mp4",
    "csv": "text/csv",
    "json": "application/json",
}


# The icon of a download button, by the file's extension.
ICONS = {
    "gif": ":material/movie:",
    "mp4": ":material/movie:",
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
    """Download buttons (the run as a GIF, and as an MP4 where an encoder is installed; the
    data as CSV; the network as JSON) and an uploader that loads a saved network back into
    ``ps``'s trainer.

    Files are built only when a button is clicked, from a `snapshot` of the Playground taken
    then, so they show what is on the screen even while training runs.
    """
    import streamlit as st

    def run(write):
        net, data, entries, _, inputs = snapshot(ps)
        return write(net, entries, data, inputs=inputs)

    def json_text():
        net, _, _, meta, _ = snapshot(ps)
        return network_json(net, meta)

    n_snapshots = len(ps.trainer.history.entries) if ps.trainer.history is not None else 0
    run_options = dict(
        disabled=n_snapshots < 2, help="The stored snapshots of this run as an animation."
    )
    # A network that could not be loaded back is not offered (with the reason), rather than
    # handed out as a file that fails later.
    unsavable = serialize.savable(ps.trainer.net)
    json_options = dict(
        disabled=bool(unsavable),
        help=f"Not now: {unsavable}." if unsavable else "Loadable again below.",
    )
    items = [
        ("Training run (GIF)", lambda: run(run_gif), "training_run.gif", f"{key}_gif", run_options)
    ]
    if mp4_available():
        items.append(
            (
                "Training run (MP4)",
                lambda: run(run_mp4),
                "training_run.mp4",
                f"{key}_mp4",
                run_options,
            )
        )
    items += [
        ("Data (CSV)", lambda: dataset_csv(ps.data), "dataset.csv", f"{key}_csv"),
        ("Network (JSON)", json_text, "network.json", f"{key}_json", json_options),
    ]
    with st.container(key=f"{key}_panel"):
        st.markdown("**Export** · files are made when you click")
        download_row(*items)
        st.caption(
            "Pictures (PNG): each chart's camera button (top right, when the pointer is over "
            "it) and the live views' save button."
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
