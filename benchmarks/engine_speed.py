"""The engine's speed against scikit-learn and PyTorch on the same work, in one run.

    .venv/bin/python benchmarks/engine_speed.py            # a few minutes
    .venv/bin/python benchmarks/engine_speed.py --quick    # fewer repeats
    NUMBA_CACHE_DIR=$(mktemp -d) ... engine_speed.py --quick    # time a fresh compile too

PyTorch is not in requirements.txt: ``.venv/bin/pip install -r benchmarks/requirements.txt``
for its columns. Where OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are set (this project's
machines set them for old OpenBLAS builds), they slow NumPy's current OpenBLAS: unset both in
the benchmark's command alone (``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ...``); the
header says which BLAS kernel ran.

1. One training step of a 2-8-1 ReLU network on 200 "moons" points, full batch and
   minibatches of 10: our ``Trainer.step`` (hinge loss, plain SGD, no history recorded; in
   the numba kernel of ``engine.compiled``, or in NumPy with ``ENGINE_JIT=0``: the table
   says which, and how long the kernel took to compile or to load from its cache),
   scikit-learn's ``MLPClassifier`` (same architecture, ``solver="sgd"``, a fixed number of
   epochs: ``tol=0``, ``n_iter_no_change`` huge; per step = whole ``fit`` time / steps, so its
   set-up is spread over the steps) and PyTorch on the CPU in float32 and float64 (zero_grad,
   forward, hinge loss, backward, ``SGD.step``; minibatches sliced from a tensor shuffled once
   per pass, as ours are).
2. One evaluation of a 100 x 100 grid (what the page draws each frame): our
   ``Network.forward(P, dtype=float32)`` for 2-8-1, 2-500-1 and 2-500-500-500-1, against the
   same weights in a float32 ``torch.nn.Sequential`` under ``inference_mode``.
3. A whole ``fit`` as a scikit-learn user calls it, per epoch: 2-8-1 on the 200 moons,
   2,000 full-batch epochs, from the estimator's construction to its return (validation,
   set-up and every epoch's loss recorded). With SGD (learning rate 0.1, no momentum) and
   with the estimators' defaults (Adam): ``NeuralNetClassifier`` (hinge loss) against
   ``MLPClassifier`` with the same solver, learning rate and batch (its log loss; ``tol=0``
   so that it runs every epoch) and a PyTorch loop (tensors made, model, optimizer, then
   per epoch zero_grad, forward, hinge loss, backward, step, and the loss read back as a
   float, as a loss curve needs).

Every figure is the median over repeats, the contenders of a row taking turns within each
repeat so that a busy machine slows them alike. BLAS is held to one thread (threadpoolctl),
and so is PyTorch (``torch.set_num_threads(1)``). Ratios are theirs / ours: above 1 means we
are faster. Nothing is asserted; the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from engine import Network, NeuralNetClassifier, Trainer, TrainingSettings, datasets  # noqa: E402
from engine import trainer as engine_trainer  # noqa: E402

try:
    import torch
except ImportError:  # the table says so and leaves the columns empty
    torch = None

N_POINTS = 200
SMALL = (2, 8, 1)
GRID_NETS = [(2, 8, 1), (2, 500, 1), (2, 500, 500, 500, 1)]
GRID_N = 100
LEARNING_RATE = 0.01
TARGET_STEP_RATIO = 20.0
TARGET_FIT_RATIO = 20.0
TARGET_GRID_RATIO = 2.0
FIT_EPOCHS = 2000
# (label, our estimator's settings, the solver and learning rate of the rivals)
FITS = [
    ("fit, SGD (lr 0.1)", dict(solver="sgd", learning_rate=0.1), "sgd", 0.1),
    ("fit, defaults (Adam, lr 0.01)", dict(), "adam", 0.01),
]


def time_per_unit(contenders, repeats):
    """{name: (median, best) seconds per unit}; each contender is ``() -> (seconds, units)``.
    All take turns in every repeat, the first to go rotating, so that a burst of other work
    on the machine falls on each of them alike. Each timed call follows an untimed one of the
    same contender: measured here, a 10 ms fit that ran right after PyTorch's loop took 3-4x
    its time (the core's clock and caches left as PyTorch's AVX-512 work left them), and one
    untimed call before it removed the effect for every contender alike."""
    names = list(contenders)
    times = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            contenders[name]()
            seconds, units = contenders[name]()
            times[name].append(seconds / units)
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


# -- training steps ----------------------------------------------------------------------------


def warm_up_kernel():
    """Seconds the kernel took to compile (or load from numba's cache), and which it was;
    None when ours trains in NumPy."""
    compiled = engine_trainer.compiled
    if compiled is None:
        return None
    seconds = compiled.warm_up()
    stats = compiled._train_steps.stats
    how = "compiled" if sum(stats.cache_misses.values()) else "loaded from its cache"
    return seconds, how, compiled.CACHE_DIR


def ours_step(X, y, batch_size, steps, paths):
    net = Network(SMALL, "relu", random_state=0)
    trainer = Trainer(
        net,
        X,
        y,
        n_classes=2,
        loss="hinge",
        settings=TrainingSettings(learning_rate=LEARNING_RATE, batch_size=batch_size),
        random_state=0,
        history_capacity=0,
    )
    trainer.step(steps, record=False)  # warm the buffers
    paths.append("numba kernel" if trainer.uses_kernel else "NumPy")

    def run():
        start = time.perf_counter()
        trainer.step(steps, record=False)
        return time.perf_counter() - start, steps

    return run


def sklearn_step(X, y, batch_size, steps):
    per_epoch = -(-N_POINTS // batch_size)
    epochs = max(1, steps // per_epoch)
    clf = MLPClassifier(
        hidden_layer_sizes=SMALL[1:-1],
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=batch_size,
        learning_rate_init=LEARNING_RATE,
        momentum=0.0,
        nesterovs_momentum=False,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        shuffle=True,
        random_state=0,
    )

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            clf.fit(X, y)
            seconds = time.perf_counter() - start
        return seconds, clf.n_iter_ * per_epoch  # tol=0: it always runs all the epochs

    return run


def torch_step(X, y, batch_size, steps, dtype):
    torch.manual_seed(0)
    Xt = torch.tensor(X, dtype=dtype)
    yt = torch.tensor(np.where(y == 1, 1.0, -1.0), dtype=dtype)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    model = model.to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    gen = torch.Generator().manual_seed(0)

    def run():
        start = time.perf_counter()
        cursor, Xp, yp = N_POINTS, Xt, yt
        for _ in range(steps):
            if cursor >= N_POINTS:
                order = torch.randperm(N_POINTS, generator=gen)
                Xp, yp, cursor = Xt[order], yt[order], 0
            xb, yb = Xp[cursor : cursor + batch_size], yp[cursor : cursor + batch_size]
            cursor += batch_size
            opt.zero_grad()
            out = model(xb)[:, 0]
            loss = torch.clamp(1.0 - yb * out, min=0.0).mean()
            loss.backward()
            opt.step()
        return time.perf_counter() - start, steps

    run()  # warm-up
    return run


# -- a whole fit -------------------------------------------------------------------------------


def ours_fit(X, y, params):
    NeuralNetClassifier(hidden_layer_sizes=SMALL[1:-1], max_iter=5, **params).fit(X, y)

    def run():
        start = time.perf_counter()
        clf = NeuralNetClassifier(
            hidden_layer_sizes=SMALL[1:-1], max_iter=FIT_EPOCHS, random_state=0, **params
        ).fit(X, y)
        seconds = time.perf_counter() - start
        assert len(clf.loss_curve_) == FIT_EPOCHS
        return seconds, FIT_EPOCHS

    return run


def sklearn_fit(X, y, solver, rate):
    def run():
        clf = MLPClassifier(
            hidden_layer_sizes=SMALL[1:-1],
            activation="relu",
            solver=solver,
            alpha=0.0,
            batch_size=N_POINTS,
            learning_rate_init=rate,
            momentum=0.0,
            nesterovs_momentum=False,
            max_iter=FIT_EPOCHS,
            tol=0.0,
            n_iter_no_change=10**9,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            clf.fit(X, y)
            seconds = time.perf_counter() - start
        return seconds, clf.n_iter_

    return run


def torch_fit(X, y, solver, rate, dtype):
    def run():
        start = time.perf_counter()
        torch.manual_seed(0)
        Xt = torch.tensor(X, dtype=dtype)
        yt = torch.tensor(np.where(y == 1, 1.0, -1.0), dtype=dtype)
        model = torch.nn.Sequential(
            torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
        ).to(dtype)
        make = torch.optim.Adam if solver == "adam" else torch.optim.SGD
        opt = make(model.parameters(), lr=rate)
        curve = []
        for _ in range(FIT_EPOCHS):
            opt.zero_grad()
            loss = torch.clamp(1.0 - yt * model(Xt)[:, 0], min=0.0).mean()
            loss.backward()
            opt.step()
            curve.append(loss.item())
        return time.perf_counter() - start, FIT_EPOCHS

    run()  # warm-up
    return run


# -- grid evaluation ---------------------------------------------------------------------------


def grid_points():
    xs = np.linspace(-2.0, 2.0, GRID_N)
    gx, gy = np.meshgrid(xs, xs)
    return np.column_stack([gx.ravel(), gy.ravel()])


def ours_grid(net, P, calls):
    def run():
        start = time.perf_counter()
        for _ in range(calls):
            net.forward(P, dtype=np.float32)
        return time.perf_counter() - start, calls

    return run


def torch_grid(net, P, calls):
    layers = []
    for W, b in zip(net.coefs, net.intercepts):
        linear = torch.nn.Linear(*W.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).float()
    P32 = P.astype(np.float32)
    with torch.inference_mode():
        theirs = model(torch.from_numpy(P32)).numpy()
    ours = net.forward(P, dtype=np.float32)
    if not np.allclose(theirs, ours, rtol=1e-3, atol=1e-3 * max(1.0, np.abs(ours).max())):
        print(f"  note: PyTorch's outputs differ from ours for {net.layer_sizes}")

    def run():
        start = time.perf_counter()
        with torch.inference_mode():
            for _ in range(calls):
                model(torch.from_numpy(P32)).numpy()
        return time.perf_counter() - start, calls

    return run


# -- the table ---------------------------------------------------------------------------------


def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} us"
    return f"{seconds * 1e3:8.2f} ms"


def fmt_ratio(theirs, ours):
    return "-" if theirs is None else f"{theirs / ours:6.1f}x"


def print_table(title, columns, rows, pick):
    """rows: [(label, {name: (median, best)})]; ``pick`` 0 for medians, 1 for bests."""
    header = f"{title:<40}{'ours':>12}"
    for name in columns:
        header += f"{COLUMN_NAMES[name]:>12}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for label, t in rows:
        ours = t["ours"][pick]
        line = f"{label:<40}{fmt_time(ours):>12}"
        for name in columns:
            theirs = t[name][pick] if name in t else None
            line += f"{fmt_time(theirs):>12}{fmt_ratio(theirs, ours):>8}"
        print(line)
    print()


COLUMN_NAMES = {"sklearn": "sklearn", "torch32": "torch f32", "torch64": "torch f64"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 3 if args.quick else 9

    X, y = datasets.make("moons", n_samples=N_POINTS, noise=0.1, random_state=0)
    with threadpool_limits(limits=1):
        blas = sorted(
            {
                f"{i['internal_api']} {i.get('architecture') or ''} ({i['num_threads']} thread)"
                for i in threadpool_info()
            }
        )
        if torch is not None:
            torch.set_num_threads(1)
        load_start = os.getloadavg()[0]
        kernel = warm_up_kernel()

        steps, paths = [], []
        for label, batch, n_steps in [
            ("full batch (200 points)", N_POINTS, 400),
            ("minibatch of 10", 10, 800),
        ]:
            contenders = {
                "ours": ours_step(X, y, None if batch == N_POINTS else batch, n_steps, paths),
                "sklearn": sklearn_step(X, y, batch, n_steps),
            }
            if torch is not None:
                contenders["torch32"] = torch_step(X, y, batch, n_steps // 2, torch.float32)
                contenders["torch64"] = torch_step(X, y, batch, n_steps // 2, torch.float64)
            steps.append((label, time_per_unit(contenders, repeats)))

        fits = []
        for label, params, solver, rate in FITS:
            contenders = {
                "ours": ours_fit(X, y, params),
                "sklearn": sklearn_fit(X, y, solver, rate),
            }
            if torch is not None:
                contenders["torch32"] = torch_fit(X, y, solver, rate, torch.float32)
                contenders["torch64"] = torch_fit(X, y, solver, rate, torch.float64)
            fits.append((label, time_per_unit(contenders, max(3, repeats // 3))))

        grids = []
        P = grid_points()
        for sizes in GRID_NETS:
            net = Network(sizes, "relu", random_state=0)
            calls = 200 if max(sizes) < 100 else (10 if len(sizes) < 4 else 1)
            contenders = {"ours": ours_grid(net, P, calls)}
            if torch is not None:
                contenders["torch32"] = torch_grid(net, P, calls)
            grids.append(("-".join(map(str, sizes)), time_per_unit(contenders, repeats)))

    print("Engine speed: ours vs scikit-learn MLPClassifier vs PyTorch CPU")
    print(
        f"  Python {platform.python_version()}, NumPy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, "
        f"PyTorch {torch.__version__ if torch is not None else 'not installed'}"
    )
    print(
        f"  {os.cpu_count()} CPUs; BLAS held to one thread with threadpoolctl: "
        f"{', '.join(blas)}; torch.set_num_threads(1)"
    )
    print(
        f"  load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
        "(other work on the machine slows every column)"
    )
    print(f"  {repeats} interleaved repeats; ratio = theirs / ours (> 1: ours faster)")
    for (label, _), path in zip(steps, paths):
        print(f"  ours, {label}: {path}")
    if kernel is None:
        print("  the numba kernel is off (ENGINE_JIT=0 or numba missing): ours is NumPy")
    else:
        seconds, how, cache = kernel
        print(f"  numba kernel {how} in {seconds:.2f} s (cache: {cache or 'none'})")
    if torch is None:
        print("  PyTorch is not importable: its columns are left empty.")
    print()
    step_columns = ["sklearn", "torch32", "torch64"] if torch is not None else ["sklearn"]
    grid_columns = ["torch32"] if torch is not None else []
    fit_title = f"fit per epoch, 2-8-1, {FIT_EPOCHS} epochs"
    print("Median of the repeats")
    print_table("training step, 2-8-1 ReLU, 200 moons", step_columns, steps, 0)
    print_table(fit_title, step_columns, fits, 0)
    print_table("grid 100x100, float32 forward", grid_columns, grids, 0)
    print("Best of the repeats (the nearest to an idle machine)")
    print_table("training step, 2-8-1 ReLU, 200 moons", step_columns, steps, 1)
    print_table(fit_title, step_columns, fits, 1)
    print_table("grid 100x100, float32 forward", grid_columns, grids, 1)

    print(
        f"Targets (on medians): >= {TARGET_STEP_RATIO:.0f}x faster per step and"
        f" >= {TARGET_FIT_RATIO:.0f}x per fit than every rival (2-8-1, 200 points);"
        f" a 500-unit grid >= {TARGET_GRID_RATIO:.0f}x faster than PyTorch."
    )
    for rows, target, prefix in (
        (fits, TARGET_FIT_RATIO, ""),
        (steps, TARGET_STEP_RATIO, "step, "),
    ):
        for label, t in rows:
            name, (theirs, _) = min(
                ((k, v) for k, v in t.items() if k != "ours"), key=lambda kv: kv[1][0]
            )
            ratio = theirs / t["ours"][0]
            verdict = "met" if ratio >= target else "NOT met"
            print(
                f"  {prefix}{label}: the closest rival ({COLUMN_NAMES[name]}) takes "
                f"{ratio:.1f}x our time -> {verdict}"
            )
    for label, t in grids:
        if "500" in label and "torch32" in t:
            ratio = t["torch32"][0] / t["ours"][0]
            verdict = "met" if ratio >= TARGET_GRID_RATIO else "NOT met"
            print(f"  grid, {label}: PyTorch takes {ratio:.2f}x our time -> {verdict}")


if __name__ == "__main__":
    main()
