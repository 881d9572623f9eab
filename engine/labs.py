"""The maths of the lecture's four labs, as pure functions of arrays.

1. **Sign patterns.** "With m hidden units, how many sign flips, which work?" A trained
   network's first-layer units are flipped in all ``2^m`` ways (``w_i, b_i -> -w_i, -b_i``);
   for each pattern the features ``[f(z_1), ..., f(z_m)]`` are held fixed and only the
   output unit is retrained. A pattern *works* when its features are linearly separable:
   the retrained output unit reaches 100 % training accuracy, which a linear programme
   certifies exactly (`linearly_separable`).
2. **Kernels vs learned features.** Kernel SVMs fix the features ``Phi(x)`` in advance and
   learn only ``alpha``; a network whose hidden layer is frozen at its random initial weights
   learns only its output (random features); the same network trained end to end learns its
   features. `compare_models` fits all four on the same data.
3. **Universal approximation.** `fit_universal` fits ``h(x)`` on ``[-pi, pi]`` with one hidden
   layer of ``m`` units and reports the sup-norm error on a fine grid; `universal_sweep` runs
   it over widths and activations (a polynomial activation stops improving: Leshno et al.).
4. **Backprop inspector.** `point_backprop` gives one point's ``z^l``, ``a^l`` and
   ``delta^l`` per layer and the gradient of every parameter; `gradient_check` compares it
   with central finite differences, and times both.

NumPy and scikit-learn only (SciPy, which scikit-learn is built on, for one linear
programme); never Streamlit or Plotly. Every function that draws random numbers takes a
seed, so a lab's result is a function of its arguments and can be cached.
"""

from __future__ import annotations

import copy
import itertools
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from engine import activations, datasets, geometry, losses
from engine.network import Network
from engine.objective import objective_and_gradients
from engine.trainer import Trainer

MAX_SIGN_UNITS = 5
MAX_WIDTH = 500


# =========================================================================================
# The output unit on fixed features
# =========================================================================================
@dataclass(frozen=True)
class LinearFit:
    """An output unit ``z = v . h + c`` fitted on fixed features ``h``."""

    weights: np.ndarray  # v, shape (m,)
    bias: float  # c
    accuracy: float  # training accuracy of sign(z)
    separable: bool  # an exact verdict: does some line separate the classes?
    source: str = "gradient descent"  # or "linear programme" (see fit_output_unit)

    def decision(self, H):
        return np.asarray(H, dtype=np.float64) @ self.weights + self.bias


def separating_line(H, y) -> tuple[np.ndarray, float] | None:
    """Some ``(v, c)`` with ``s_i (v . h_i + c) >= 1`` for every point (s = +-1), or None.

    That is a feasibility linear programme; it has a solution exactly when the two classes
    are strictly linearly separable (scale any separating line until its margin is 1).
    Solved with SciPy's HiGHS, which scikit-learn already depends on.
    """
    from scipy.optimize import linprog

    H = np.asarray(H, dtype=np.float64)
    s = np.where(np.asarray(y) == 1, 1.0, -1.0)
    n, m = H.shape
    if len(np.unique(s)) < 2:
        return np.zeros(m), (float(s[0]) if n else 1.0)
    # Scale the features so the programme is well conditioned; separability is unchanged.
    scale = np.abs(H).max(axis=0)
    scale[scale == 0] = 1.0
    A = -s[:, None] * np.hstack([H / scale, np.ones((n, 1))])
    result = linprog(
        np.zeros(m + 1),
        A_ub=A,
        b_ub=-np.ones(n),
        bounds=[(None, None)] * (m + 1),
        method="highs",
    )
    if result.status != 0:
        return None
    return result.x[:m] / scale, float(result.x[m])


def linearly_separable(H, y) -> bool:
    """Whether a line (hyperplane) strictly separates the two classes of features ``H``."""
    return separating_line(H, y) is not None


def fit_output_unit(
    H,
    y,
    *,
    steps=1500,
    learning_rate=0.1,
    momentum=0.9,
    loss="hinge",
    random_state=0,
    exact=True,
) -> LinearFit:
    """Train only an output unit on fixed features ``H`` (n, m); labels ``y`` in {0, 1}.

    The unit is our own network with no hidden layer (``layer_sizes = (m, 1)``), trained by
    full-batch gradient descent with momentum on the hinge loss, from zero weights. The
    features are standardised first (an affine change of variables, so the class of lines
    is the same) and the weights are mapped back, so ``z = v . h + c`` on the raw features.

    Whether the features are separable is decided exactly by `separating_line`. When they
    are but gradient descent has not yet separated them within ``steps`` (a thin margin),
    the programme's line is used instead (``source = "linear programme"``), so the accuracy
    reported is 100 % exactly when the pattern works. With ``exact=False`` no programme is
    solved: the unit is what gradient descent found (``separable`` then means it separates).
    """
    H = np.asarray(H, dtype=np.float64)
    y = np.asarray(y)
    mu = H.mean(axis=0)
    sd = H.std(axis=0)
    sd[sd < 1e-12] = 1.0
    Hs = (H - mu) / sd
    out = Network((H.shape[1], 1), "identity", random_state=random_state)
    out.theta[:] = 0.0
    trainer = Trainer(
        out,
        Hs,
        y,
        n_classes=2,
        loss=loss,
        learning_rate=learning_rate,
        momentum=momentum,
        history_capacity=0,
        random_state=random_state,
    )
    trainer.step(steps, record=False)
    v = out.coefs[0][:, 0] / sd
    c = float(out.intercepts[0][0] - v @ mu)

    def score(v, c):
        return float(np.mean(((H @ v + c) > 0).astype(int) == y))

    accuracy = score(v, c)
    if accuracy == 1.0 or not exact:
        return LinearFit(v, c, accuracy, accuracy == 1.0)
    line = separating_line(H, y)
    if line is None:
        return LinearFit(v, c, accuracy, False)
    return LinearFit(line[0], line[1], score(*line), True, "linear programme")


def with_output(net: Network, fit: LinearFit) -> Network:
    """A copy of ``net`` whose output unit is ``fit`` (one hidden layer, one output)."""
    new = copy.deepcopy(net)
    new.coefs[-1][:, 0] = fit.weights
    new.intercepts[-1][0] = fit.bias
    return new


def accuracy(net: Network, X, y) -> float:
    """Share of points whose predicted class (sign, or the largest output) is ``y``."""
    if len(X) == 0:
        return math.nan
    return float(np.mean(losses.predict_index(net.forward(X)) == np.asarray(y)))


# =========================================================================================
# 1. Sign patterns
# =========================================================================================
def train_network(
    X,
    y,
    hidden: Sequence[int],
    activation="relu",
    *,
    loss="hinge",
    epochs=800,
    learning_rate=0.1,
    momentum=0.9,
    random_state=0,
    restarts=1,
    X_test=None,
    y_test=None,
    history_capacity=0,
) -> Trainer:
    """Train a classifier end to end (full batch); return its `Trainer`.

    With ``restarts > 1`` up to that many seeds (``random_state``, ``+1``, ...) are tried and
    the first to reach 100 % training accuracy, or else the most accurate, is kept: a net of
    two ReLU units sometimes starts with a unit on the wrong side of all the data.
    """
    y = np.asarray(y)
    k = int(y.max()) + 1 if len(y) else 2
    best, best_acc = None, -1.0
    for r in range(max(1, int(restarts))):
        seed = int(random_state) + r
        net = Network((X.shape[1], *hidden, losses.n_outputs(max(k, 2))), activation, "auto", seed)
        trainer = Trainer(
            net,
            X,
            y,
            X_test,
            y_test,
            n_classes=max(k, 2),
            loss=loss,
            learning_rate=learning_rate,
            momentum=momentum,
            random_state=seed,
            history_capacity=history_capacity,
        )
        trainer.step(int(epochs), record=history_capacity > 0)
        if history_capacity:
            trainer.record()
        acc = accuracy(net, X, y)
        if acc > best_acc:
            best, best_acc = trainer, acc
        if acc == 1.0:
            break
    return best


@dataclass(frozen=True)
class SignPattern:
    """One of the ``2^m`` sign patterns of a first layer, with its retrained output unit."""

    signs: tuple[int, ...]  # +1 kept, -1 flipped, per unit
    net: Network  # first layer flipped as ``signs`` says, output unit retrained
    hidden: np.ndarray  # the training points' features [f(z_1), ..., f(z_m)], (n, m)
    accuracy: float  # training accuracy with only the output unit retrained
    separable: bool  # the features are linearly separable (exact)
    source: str = "gradient descent"  # how the output unit was found (see fit_output_unit)

    @property
    def label(self) -> str:
        """'++', '+-', ...: which units keep (+) or flip (-) their signs."""
        return "".join("+" if s > 0 else "-" for s in self.signs)

    @property
    def n_flipped(self) -> int:
        return sum(s < 0 for s in self.signs)


def all_sign_patterns(m: int) -> list[tuple[int, ...]]:
    """The ``2^m`` patterns, the unflipped one first: (+1, +1), (+1, -1), (-1, +1), ..."""
    return [tuple(p) for p in itertools.product((1, -1), repeat=m)]


def flip_pattern(net: Network, signs: Sequence[int], compensate: bool = False) -> Network:
    """A copy of ``net`` with each first-layer unit ``i`` flipped where ``signs[i] < 0``
    (with ``compensate``, its outgoing weights negated too)."""
    new = copy.deepcopy(net)
    for unit, s in enumerate(signs):
        if s < 0:
            new.flip_unit_sign(1, unit, compensate=compensate)
    return new


@dataclass(frozen=True)
class Compensation:
    """A sign pattern applied with nothing retrained: plainly, and compensated."""

    signs: tuple[int, ...]
    flipped_accuracy: float  # first layer flipped, output as it was
    compensated_accuracy: float  # ... and the flipped units' outgoing weights negated
    compensated_change: float  # max |F(x) - F_compensated(x)| over the points


def compensations(net: Network, X, y) -> list[Compensation]:
    """Each of the 2^m patterns of the first layer, plain and compensated, without retraining.

    For an odd activation (tanh, identity) a compensated flip changes nothing: f(-z) = -f(z),
    so -v_i f(-z_i) = v_i f(z_i) and each pattern is a symmetry of the network. For ReLU or
    a sigmoid it does change the function."""
    base = net.forward(X)
    out = []
    for signs in all_sign_patterns(net.layer_sizes[1]):
        plain, comp = flip_pattern(net, signs), flip_pattern(net, signs, compensate=True)
        F = comp.forward(X)
        out.append(
            Compensation(
                tuple(int(s) for s in signs),
                accuracy(plain, X, y),
                accuracy(comp, X, y),
                float(np.max(np.abs(F - base))) if len(X) else 0.0,
            )
        )
    return out


def sign_pattern(net: Network, X, y, signs, *, steps=1500) -> SignPattern:
    """Flip the first layer as ``signs`` says, hold the features fixed, retrain the output."""
    flipped = flip_pattern(net, signs)
    H = flipped.hidden_activations(X, 1)
    fit = fit_output_unit(H, y, steps=steps)
    return SignPattern(
        tuple(int(s) for s in signs),
        with_output(flipped, fit),
        H,
        fit.accuracy,
        fit.separable,
        fit.source,
    )


def iter_sign_patterns(net: Network, X, y, *, steps=1500) -> Iterator[SignPattern]:
    """`sign_pattern` for every pattern in `all_sign_patterns` order (one at a time, so a
    page can show progress)."""
    _check_sign_net(net)
    for signs in all_sign_patterns(net.layer_sizes[1]):
        yield sign_pattern(net, X, y, signs, steps=steps)


def sign_patterns(net: Network, X, y, *, steps=1500) -> list[SignPattern]:
    return list(iter_sign_patterns(net, X, y, steps=steps))


def _check_sign_net(net: Network):
    if net.n_layers != 2 or net.layer_sizes[-1] != 1:
        raise ValueError(
            f"sign patterns need one hidden layer and one output unit, got layers {net.layer_sizes}"
        )
    if not 1 <= net.layer_sizes[1] <= MAX_SIGN_UNITS:
        raise ValueError(
            f"sign patterns are enumerated for 1..{MAX_SIGN_UNITS} hidden units, "
            f"got {net.layer_sizes[1]} ({2 ** net.layer_sizes[1]} patterns)"
        )


def sort_patterns(patterns: Sequence[SignPattern], order="pattern") -> list[SignPattern]:
    """'pattern' (as enumerated), 'best' (most accurate first) or 'worst'."""
    if order == "pattern":
        return list(patterns)
    if order not in ("best", "worst"):
        raise ValueError(f"order must be 'pattern', 'best' or 'worst', got {order!r}")
    sign = -1 if order == "best" else 1
    return sorted(patterns, key=lambda p: (sign * p.accuracy, p.n_flipped))


# =========================================================================================
# 2. Kernels vs learned features
# =========================================================================================
@dataclass(frozen=True)
class ModelResult:
    """One model of the comparison: what it learns, how well, with how many basis functions."""

    name: str
    learns: str  # what training changes, in the lecture's words
    train_accuracy: float
    test_accuracy: float
    n_basis: int  # support vectors (kernels) or hidden units (networks)
    basis: str  # "support vectors" or "hidden units"
    surface: np.ndarray  # decision values F(x) on the grid, (n, n); class 1 where > 0
    support: np.ndarray | None = None  # the support vectors, (k, 2), for kernels


def kernel_svm(X, y, kernel="rbf", *, C=1.0, gamma="scale", degree=3, coef0=1.0):
    """scikit-learn's SVC: ``f(x) = sum_i alpha_i y_i k(x_i, x) + b``, only alpha learned."""
    from sklearn.svm import SVC

    if kernel not in ("rbf", "poly"):
        raise ValueError(f"kernel must be 'rbf' or 'poly', got {kernel!r}")
    return SVC(kernel=kernel, C=C, gamma=gamma, degree=degree, coef0=coef0).fit(X, y)


def random_feature_network(net: Network, X, y, *, steps=1500) -> Network:
    """``net`` with its hidden layer frozen where it is and only the output unit fitted.

    Given the network's *initial* weights these are random features ``f(w_i . x + b_i)``:
    chosen before seeing the labels, like a kernel's, but only ``m`` of them.
    """
    _check_one_hidden_binary(net)
    fit = fit_output_unit(net.hidden_activations(X, 1), y, steps=steps, exact=False)
    return with_output(net, fit)


def _check_one_hidden_binary(net):
    if net.n_layers != 2 or net.layer_sizes[-1] != 1:
        raise ValueError(f"expected one hidden layer and one output, got {net.layer_sizes}")


@dataclass
class Comparison:
    """`compare_models`' result: the models side by side on one grid."""

    extent: tuple[float, float, float, float]
    grid: int
    models: list[ModelResult]
    trainer: Trainer  # the fully trained network's run (its history makes the GIF)
    initial: Network  # its initial weights: the random features


def _svm_result(name, svc, X_train, y_train, X_test, y_test, extent, grid) -> ModelResult:
    P = geometry.grid_points(extent, grid)
    surface = svc.decision_function(P).reshape(grid, grid)
    test = float(svc.score(X_test, y_test)) if len(X_test) else math.nan
    return ModelResult(
        name,
        "alpha only (features k(x_i, x) fixed by the kernel)",
        float(svc.score(X_train, y_train)),
        test,
        int(svc.n_support_.sum()),
        "support vectors",
        surface,
        svc.support_vectors_.copy(),
    )


def _net_result(name, learns, net, X_train, y_train, X_test, y_test, extent, grid):
    return ModelResult(
        name,
        learns,
        accuracy(net, X_train, y_train),
        accuracy(net, X_test, y_test),
        int(net.layer_sizes[1]),
        "hidden units",
        np.asarray(geometry.decision_surface(net, extent, grid), dtype=np.float64),
    )


def compare_models(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    hidden=10,
    activation="relu",
    C=1.0,
    degree=3,
    epochs=600,
    learning_rate=0.1,
    momentum=0.9,
    random_state=0,
    grid=80,
    progress: Callable[[float, str], None] | None = None,
) -> Comparison:
    """Kernel SVMs (RBF, polynomial), random features and a fully trained network.

    The random-feature network and the trained one start from the *same* initial weights
    (seed ``random_state``): one freezes its hidden layer there, the other learns it.
    """
    note = progress or (lambda *_: None)
    X_train, X_test = np.asarray(X_train, float), np.asarray(X_test, float)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    if len(np.unique(y_train)) != 2:
        raise ValueError("the kernel comparison needs two classes")
    extent = geometry.data_extent(np.concatenate([X_train, X_test]))
    models = []
    note(0.0, "RBF kernel SVM")
    svc = kernel_svm(X_train, y_train, "rbf", C=C)
    models.append(
        _svm_result("SVM, RBF kernel", svc, X_train, y_train, X_test, y_test, extent, grid)
    )
    note(0.15, "polynomial kernel SVM")
    svc = kernel_svm(X_train, y_train, "poly", C=C, degree=degree)
    models.append(
        _svm_result(
            f"SVM, polynomial kernel (degree {degree})",
            svc,
            X_train,
            y_train,
            X_test,
            y_test,
            extent,
            grid,
        )
    )
    note(0.3, "random features (frozen hidden layer)")
    initial = Network((2, int(hidden), 1), activation, "auto", int(random_state))
    frozen = random_feature_network(initial, X_train, y_train)
    models.append(
        _net_result(
            f"{hidden} random features (hidden layer frozen)",
            "the output unit only (features fixed at random)",
            frozen,
            X_train,
            y_train,
            X_test,
            y_test,
            extent,
            grid,
        )
    )
    note(0.45, "fully trained network")
    trainer = Trainer(
        copy.deepcopy(initial),
        X_train,
        y_train,
        X_test,
        y_test,
        n_classes=2,
        loss="hinge",
        learning_rate=learning_rate,
        momentum=momentum,
        random_state=int(random_state),
        history_capacity=120,
    )
    trainer.step(int(epochs))
    trainer.record()
    models.append(
        _net_result(
            f"{hidden} learned features (trained network)",
            "every weight: features and output together",
            trainer.net,
            X_train,
            y_train,
            X_test,
            y_test,
            extent,
            grid,
        )
    )
    note(1.0, "done")
    return Comparison(extent, grid, models, trainer, initial)


def width_sweep(
    X_train,
    y_train,
    X_test,
    y_test,
    widths=(2, 5, 10, 20, 50, 100),
    *,
    activation="relu",
    epochs=400,
    learning_rate=0.1,
    momentum=0.9,
    random_state=0,
) -> Iterator[dict]:
    """For each width m: test accuracy of random features and of the trained network.

    Yields one row per width (so a page can show progress):
    ``{"m", "random_train", "random_test", "learned_train", "learned_test"}``.
    """
    for m in widths:
        initial = Network((2, int(m), 1), activation, "auto", int(random_state))
        frozen = random_feature_network(initial, X_train, y_train, steps=800)
        trainer = Trainer(
            copy.deepcopy(initial),
            X_train,
            y_train,
            n_classes=2,
            loss="hinge",
            learning_rate=learning_rate,
            momentum=momentum,
            random_state=int(random_state),
            history_capacity=0,
        )
        trainer.step(int(epochs), record=False)
        yield {
            "m": int(m),
            "random_train": accuracy(frozen, X_train, y_train),
            "random_test": accuracy(frozen, X_test, y_test),
            "learned_train": accuracy(trainer.net, X_train, y_train),
            "learned_test": accuracy(trainer.net, X_test, y_test),
        }


# =========================================================================================
# 3. Universal approximation
# =========================================================================================
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
    learning_rate=0.01,
    momentum=0.9,
    clip_norm=1.0,
    random_state=0,
) -> UniversalFit:
    """Fit ``h`` on ``[-pi, pi]`` with one hidden layer of ``m`` units.

    Training, in three stages (documented on the page):

    1. `spread_init` places the units' transitions over the interval;
    2. the output layer is set by least squares (`least_squares_output`), then *every*
       weight is trained by full-batch gradient descent with momentum on the squared error
       (``epochs`` steps, gradient clipped at ``clip_norm``): the hidden layer is learned;
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
            learning_rate=learning_rate,
            momentum=momentum,
            clip_norm=clip_norm,
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


# =========================================================================================
# 4. Backprop inspector and gradient check
# =========================================================================================
@dataclass(frozen=True)
class LayerTrace:
    """One layer's quantities at one point: ``z^l``, ``a^l = f(z^l)`` and ``delta^l``.

    Layer 0 is the input (``a^0 = x``; no z or delta). The output layer is linear, so
    ``a^L = z^L`` and ``delta^L = dl/dz^L``.
    """

    layer: int
    z: np.ndarray | None
    a: np.ndarray
    delta: np.ndarray | None


@dataclass(frozen=True)
class PointBackprop:
    layers: list[LayerTrace]
    target: np.ndarray  # the encoded target t (what the loss compares z^L with)
    objective: float  # R(theta) = l(t, F(x)) + l2 * sum ||W||^2 at this one point
    grad: np.ndarray  # dR/dtheta, laid out like net.theta
    names: list[str]  # each parameter's name, in theta's order


def largest_loss_point(net: Network, loss_name: str, X, T) -> int:
    """The index of the point with the largest loss: a point the network gets wrong, where
    delta^L is not zero and there is something to propagate back."""
    loss = losses.get(loss_name)
    Z = net.forward(np.asarray(X, dtype=np.float64))
    T = np.asarray(T, dtype=np.float64).reshape(len(Z), -1)
    per_point = [loss.value(T[i : i + 1], Z[i : i + 1]) for i in range(len(Z))]
    return int(np.argmax(per_point)) if per_point else 0


def parameter_names(net: Network) -> list[str]:
    """Names in ``theta``'s order: ``W1[i,j]`` (from unit i of layer 0 to unit j of layer
    1, 1-based) then ``b1[j]``, for each layer."""
    names = []
    for l, (n_in, n_out) in enumerate(zip(net.layer_sizes[:-1], net.layer_sizes[1:]), start=1):
        # augmented_views lays each layer out as [W^l; b^l] of shape (n_in + 1, n_out).
        for i in range(n_in + 1):
            for j in range(n_out):
                names.append(f"W{l}[{i + 1},{j + 1}]" if i < n_in else f"b{l}[{j + 1}]")
    return names


def point_backprop(net: Network, loss_name: str, x, t, l2=0.0, l1=0.0) -> PointBackprop:
    """Run the lecture's pseudocode on one point ``(x, t)`` and keep everything.

    ``x`` is the input (p,), ``t`` the encoded target (k,) (a row of ``Trainer.T_train``);
    ``l2`` (and ``l1``) the trainer's penalties, so R is exactly what training minimises.
    One forward pass caches ``z^l`` and ``a^l``; one backward pass gives ``delta^l`` and the
    gradient (``engine.objective.objective_and_gradients``, the trainer's own code).
    """
    loss = losses.get(loss_name)
    X = np.asarray(x, dtype=np.float64).reshape(1, -1)
    T = np.asarray(t, dtype=np.float64).reshape(1, -1)
    zs, acts = net.forward_cached(net.augment(X).T)
    grad = np.zeros_like(net.theta)
    value, _, deltas = _objective_and_gradients(net, loss, X, T, l2, l1, grad, net.weight_mask())
    layers = [LayerTrace(0, None, X[0].copy(), None)]
    for l in range(1, net.n_layers + 1):
        a = acts[l] if l == net.n_layers else acts[l][:-1]
        layers.append(LayerTrace(l, zs[l][:, 0].copy(), a[:, 0].copy(), deltas[l][:, 0].copy()))
    return PointBackprop(layers, T[0].copy(), float(value), grad, parameter_names(net))


def _objective_and_gradients(net, loss, X, T, l2, l1, grad, mask):
    # l1 is passed only when used, so this works with objectives that predate it.
    extra = {"l1": l1} if l1 else {}
    return objective_and_gradients(net, loss, X, T, l2, grad, mask, **extra)


@dataclass(frozen=True)
class GradCheck:
    """Backprop's gradient against central differences, parameter by parameter."""

    indices: np.ndarray  # which entries of theta were checked
    backprop: np.ndarray
    numeric: np.ndarray
    rel_error: np.ndarray
    eps: float
    n_params: int
    extended: bool  # R evaluated in extended precision for the differences
    backward_seconds: float  # one forward + one backward pass, float64 (median of repeats)
    forward_seconds: float  # one plain forward pass of R, float64 (median of repeats)
    numeric_seconds: float  # the 2 * len(indices) passes of the check, measured

    @property
    def forward_passes(self) -> int:
        return 2 * len(self.indices)

    @property
    def all_params_seconds(self) -> float:
        """What 2P float64 forward passes (every parameter) cost at the measured rate."""
        return 2 * self.n_params * self.forward_seconds


def relative_error(a, b, floor=1e-12):
    """``|a - b| / max(|a|, |b|, floor)``: cs231n's relative error; the floor keeps a
    gradient that is zero in both (a dead ReLU's weights) from dividing by zero."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.abs(a - b) / np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)


def objective_value(net: Network, loss_name, X, T, l2=0.0, dtype=np.float64, l1=0.0) -> float:
    """R(theta) by one plain forward pass (nothing cached): what finite differences call.

    With ``dtype=np.longdouble`` the pass and the loss run in extended precision (80-bit on
    x86), written out here independently of `engine.losses`: the difference
    ``R(theta + eps e_i) - R(theta - eps e_i)`` cancels about ``log10(R / (eps g_i))``
    digits, so in float64 the check of a small gradient drowns in round-off.
    """
    X = np.asarray(X, dtype=dtype)
    T = np.asarray(T, dtype=dtype)
    f = net.act.f
    a = X
    for l, (W, b) in enumerate(zip(net.coefs, net.intercepts), start=1):
        z = a @ W.astype(dtype) + b.astype(dtype)
        a = z if l == net.n_layers else f(z)
    Z, n = a, len(X)
    if loss_name == "hinge":
        value = np.maximum(0, 1 - T * Z).sum() / n
    elif loss_name == "squared_error":
        value = 0.5 * ((Z - T) ** 2).sum() / n
    elif loss_name == "log_loss":
        if Z.shape[1] == 1:
            value = (np.logaddexp(0, Z) - T * Z).sum() / n
        else:
            top = Z.max(axis=1, keepdims=True)
            log_norm = top[:, 0] + np.log(np.exp(Z - top).sum(axis=1))
            value = (log_norm - (T * Z).sum(axis=1)).sum() / n
    else:
        losses.get(loss_name)  # raises for an unknown name
        raise ValueError(f"no reference objective for loss {loss_name!r}")
    if l2:
        value = value + dtype(l2) * sum((W.astype(dtype) ** 2).sum() for W in net.coefs)
    if l1:
        value = value + dtype(l1) * sum(np.abs(W.astype(dtype)).sum() for W in net.coefs)
    return value


def gradient_check(
    net: Network,
    loss_name: str,
    X,
    T,
    l2=0.0,
    *,
    l1=0.0,
    eps=1e-6,
    max_params: int | None = None,
    extended=True,
    random_state=0,
    repeats=5,
) -> GradCheck:
    """Compare dR/dtheta by backprop with ``[R(theta + eps e_i) - R(theta - eps e_i)] / 2 eps``.

    ``R`` is the objective on (X, T) (one point or a batch). Each parameter costs two
    forward passes, so with ``max_params`` a random subset of that many is checked (all of
    them when P is smaller); the cost of all 2P passes is given from the measured time of
    one float64 pass. With ``extended`` (the default) R is evaluated in extended precision,
    so what is left is the method's own ``O(eps^2)`` error. Works on a copy of ``net``.
    """
    loss = losses.get(loss_name)
    net = copy.deepcopy(net)
    X = np.asarray(X, dtype=np.float64).reshape(-1, net.layer_sizes[0])
    T = np.asarray(T, dtype=np.float64).reshape(len(X), -1)
    P = len(net.theta)
    grad = np.zeros(P)
    mask = net.weight_mask()

    def median_time(fn):
        times = []
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return float(np.median(times))

    backward_seconds = median_time(
        lambda: _objective_and_gradients(net, loss, X, T, l2, l1, grad, mask)
    )
    forward_seconds = median_time(lambda: objective_value(net, loss_name, X, T, l2, l1=l1))

    if max_params is None or max_params >= P:
        idx = np.arange(P)
    else:
        idx = np.sort(np.random.default_rng(random_state).choice(P, int(max_params), False))
    dtype = np.longdouble if extended else np.float64
    numeric = np.empty(len(idx))
    theta = net.theta
    t0 = time.perf_counter()
    for k, i in enumerate(idx):
        old = theta[i]
        theta[i] = old + eps
        up = objective_value(net, loss_name, X, T, l2, dtype, l1)
        theta[i] = old - eps
        down = objective_value(net, loss_name, X, T, l2, dtype, l1)
        theta[i] = old
        # The step actually taken, (old + eps) - (old - eps), is exact in extended precision.
        step = dtype(old + eps) - dtype(old - eps)
        numeric[k] = float((up - down) / step)
    numeric_seconds = time.perf_counter() - t0
    g = grad[idx].copy()
    return GradCheck(
        idx,
        g,
        numeric,
        relative_error(g, numeric),
        float(eps),
        P,
        bool(extended),
        backward_seconds,
        forward_seconds,
        numeric_seconds,
    )
