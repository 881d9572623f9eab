"""Lab 2, kernels vs learned features: fix the features in advance, or learn them?

Kernel SVMs fix the features ``Phi(x)`` in advance and learn only ``alpha``; a network whose
hidden layer is frozen at its random initial weights learns only its output (random
features); the same network trained end to end learns its features. `compare_models` fits
all four on the same data; `width_sweep` compares the two networks over widths.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from engine import geometry
from engine.labs.training import LAB_SETTINGS, accuracy, fit_output_unit, with_output
from engine.network import Network
from engine.settings import TrainingSettings
from engine.trainer import Trainer


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
    settings: TrainingSettings = LAB_SETTINGS,
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
        settings=settings,
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
    settings: TrainingSettings = LAB_SETTINGS,
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
            settings=settings,
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
