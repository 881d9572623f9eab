"""Lab 3, universal approximation: how well can one hidden layer of m units fit h(x)?

`fit_universal` fits ``h(x)`` on ``[-pi, pi]`` with one hidden layer of ``m`` units and
reports the sup-norm error on a fine grid; `universal_sweep` runs it over widths and
activations (a polynomial activation stops improving: Leshno et al.).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine import activations, datasets
from engine.network import Network
from engine.settings import TrainingSettings
from engine.trainer import Trainer

MAX_WIDTH = 500
# Stage 2 of `fit_universal`: gradient descent with momentum, the gradient clipped.
UNIVERSAL_SETTINGS = TrainingSettings(learning_rate=0.01, momentum=0.9, clip_norm=1.0)
UNIVERSAL_ACTIVATIONS = ("sigmoid", "relu", "quadratic")
EVAL_POINTS = 2001


@dataclass(frozen=True)
class UniversalFit:
    """One fit of ``h`` by ``F(x) = sum_i nu_i f(w_i x + b_i) + c`` with ``m`` units."""

    activation: str
    m: int
    x: np.ndarray  # the evaluation grid on [-pi, pi]
    fit: np.ndarray  # F on that grid
    sup_error: float  # max |F(x) - h(x)| over the grid
    train_rmse: float
    seconds: float


def spread_init(net: Network, rng, x_range=(-math.pi, math.pi)):
    """Place each hidden unit's transition ``w_i x + b_i = 0`` at its own point of the range.

    The points ``c_i`` are stratified (one in each of m equal cells, at a random place in
    it) so wider nets refine narrower ones; ``b_i = -w_i c_i``. Slopes ``|w_i|`` are
    log-uniform, up to a bound that grows with m for squashing units (a sigmoid's step is
    ``~4/|w_i|`` wide, and m units should be able to resolve features ``2 pi / m`` apart);
    signs are random. This data-aware start is what makes a 500-unit sigmoid layer useful
    at all: with Glorot's init its units are nearly linear on [-pi, pi].
    """
    m = net.layer_sizes[1]
    lo, hi = x_range
    c = lo + (hi - lo) * (np.arange(m) + rng.uniform(0.0, 1.0, m)) / m
    rng.shuffle(c)
    if net.activation in ("sigmoid", "logistic", "tanh"):
        top = (4.0 if net.activation != "tanh" else 2.0) * max(1.0, m / 8)
        base = 2.0 if net.activation != "tanh" else 1.0
        mag = np.exp(rng.uniform(math.log(base), math.log(max(top, base * 1.01)), m))
    else:
        mag = rng.uniform(0.5, 1.5, m)
    w = mag * rng.choice((-1.0, 1.0), m)
    net.coefs[0][0, :] = w
    net.intercepts[0][:] = -w * c


def least_squares_output(net: Network, x, y, ridge=1e-10):
    """Set the output layer to the (slightly ridged) least-squares fit on the features.

    With the hidden layer fixed, ``F = [a^1, 1] @ [nu; c]`` is linear in the output weights,
    so the best ones solve a least-squares problem in closed form. The columns are scaled to
    unit RMS and ``ridge * N`` is added to the normal equations' diagonal, which keeps the
    weights finite when features nearly repeat (measured here: as accurate as an SVD-based
    ``lstsq`` at this ridge, and ten times faster at m = 500).
    """
    A = np.hstack([net.hidden_activations(x, 1), np.ones((len(x), 1))])
    s = np.sqrt((A * A).mean(axis=0)) + 1e-12
    As = A / s
    y = np.asarray(y, float)
    gram = As.T @ As
    gram[np.diag_indices_from(gram)] += ridge * len(x)
    try:
        v = np.linalg.solve(gram, As.T @ y) / s
    except np.linalg.LinAlgError:
        v = np.linalg.lstsq(As, y, rcond=None)[0] / s
    net.coefs[-1][:, 0] = v[:-1]
    net.intercepts[-1][0] = v[-1]


def fit_universal(
    h: Callable[[np.ndarray], np.ndarray],
    m: int,
    activation="sigmoid",
    *,
    n_train=400,
    epochs=200,
    settings: TrainingSettings = UNIVERSAL_SETTINGS,
    random_state=0,
) -> UniversalFit:
    """Fit ``h`` on ``[-pi, pi]`` with one hidden layer of ``m`` units.

    Training, in three stages (documented on the page):

    1. `spread_init` places the units' transitions over the interval;
    2. the output layer is set by least squares (`least_squares_output`), then *every*
       weight is trained by full-batch gradient descent with momentum on the squared error
       (``epochs`` steps with ``settings``, the gradient clipped): the hidden layer is learned;
    3. the output layer is refitted by least squares, which gradient descent approaches
       only slowly when m is large.

    The error reported is the sup norm ``max |F(x) - h(x)|`` over `EVAL_POINTS` points.
    """
    if not 1 <= int(m) <= MAX_WIDTH:
        raise ValueError(f"m must be in 1..{MAX_WIDTH}, got {m}")
    activations.get(activation)
    start = time.perf_counter()
    x = np.linspace(-math.pi, math.pi, int(n_train))[:, None]
    y = np.asarray(h(x[:, 0]), dtype=np.float64)
    if not np.isfinite(y).all():
        raise ValueError("h(x) is not finite everywhere on [-pi, pi]")
    rng = np.random.default_rng(int(random_state))
    net = Network((1, int(m), 1), activation, "auto", int(random_state))
    spread_init(net, rng)
    least_squares_output(net, x, y)
    if epochs:
        trainer = Trainer(
            net,
            x,
            y,
            n_classes=0,
            loss="squared_error",
            settings=settings,
            random_state=int(random_state),
            history_capacity=0,
        )
        trainer.step(int(epochs), record=False)
        least_squares_output(net, x, y)
    xe = np.linspace(-math.pi, math.pi, EVAL_POINTS)
    F = net.forward(xe[:, None])[:, 0]
    he = np.asarray(h(xe), dtype=np.float64)
    train_rmse = float(np.sqrt(np.mean((net.forward(x)[:, 0] - y) ** 2)))
    return UniversalFit(
        activation,
        int(m),
        xe,
        F,
        float(np.max(np.abs(F - he))),
        train_rmse,
        time.perf_counter() - start,
    )


def universal_sweep(
    h, widths=(1, 2, 5, 10, 20, 50, 100, 200, 500), activations_=UNIVERSAL_ACTIVATIONS, **kw
) -> dict[str, list[UniversalFit]]:
    """`fit_universal` for every activation and width: ``{activation: [fit per width]}``."""
    return {a: [fit_universal(h, m, a, **kw) for m in widths] for a in activations_}


def target_function(name_or_formula: str) -> Callable[[np.ndarray], np.ndarray]:
    """A named 1-D target (``datasets.TARGETS_1D``) or, otherwise, a typed formula in x
    (parsed by `engine.formula`, never evaluated by Python)."""
    if name_or_formula in datasets.TARGETS_1D:
        return datasets.target_1d(name_or_formula)
    from engine.formula import parse_formula, sample_formula

    sample_formula(name_or_formula)  # raises FormulaError if not finite on [-pi, pi]
    return parse_formula(name_or_formula)
