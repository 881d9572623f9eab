"""scikit-learn estimators over the engine: ``NeuralNetClassifier`` and ``NeuralNetRegressor``.

They follow scikit-learn's conventions (hyperparameters stored untouched in ``__init__``,
validated at ``fit``; fitted attributes end in ``_``), so they work in ``Pipeline``,
``GridSearchCV``, ``DecisionBoundaryDisplay`` and pass ``check_estimator``.

``coefs_`` and ``intercepts_`` are the live parameters, views into the network's flat vector:
writing into them changes the model.

Defaults. ``solver="adam"``, full batch, ``learning_rate`` 0.01 for the classifier and 0.03
for the regressor (measured: at 0.03 an 8-unit xor classifier can settle at 70 %; at 0.01 a
32-unit ReLU regressor leaves sin(3x) with a sup error of 1). scikit-learn's MLP defaults to
Adam too, and for the same reason. Plain SGD at one learning rate cannot suit
every problem a user tries first: at 0.1 a 32-unit ReLU regression on [-pi, pi] blows up
(its gradients reach 1e3) while a sigmoid one barely moves in thousands of epochs; Adam's
step is about ``learning_rate`` per weight whatever the gradient's scale, so the same
defaults fit moons, circles, xor and the 1-D targets of the universal-approximation lab.
``solver="sgd"`` (with ``momentum`` and ``clip_norm``) is the lecture's update, and the
Playground's. Whatever the solver, a blow-up is caught long before it overflows (the
trainer's growth guard): fit then keeps the last weights near the best objective seen and
warns with a ``TrainingDivergedWarning`` that names the learning rate and what to change.

``fit`` runs all its epochs in the trainer's compiled kernel, in one call for full batches
(a call per pass over the data with minibatches, whose shuffles are drawn in NumPy); the
loss curve is read from the objective the kernel logs at every step.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from engine import activations, losses
from engine.network import INITS, Network
from engine.objective import objective_and_gradients
from engine.settings import TrainingSettings
from engine.trainer import Trainer

ONE_CLASS_MESSAGE = "Classifier can't train when only one class is present."


class TrainingDivergedWarning(RuntimeWarning):
    """Fitting stopped at a blow-up; the last weights near the best objective were kept."""


class _NeuralNetBase(BaseEstimator):
    def __init__(
        self,
        hidden_layer_sizes=(8,),
        activation="relu",
        loss="hinge",
        learning_rate=0.01,
        momentum=0.0,
        clip_norm=None,
        l2=0.0,
        batch_size=None,
        max_iter=200,
        init="auto",
        random_state=None,
        solver="adam",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.clip_norm = clip_norm
        self.l2 = l2
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.init = init
        self.random_state = random_state
        self.solver = solver

    # -- validation -----------------------------------------------------------------------
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise ValueError(
                f"hidden_layer_sizes must be a tuple of widths, got {sizes!r}"
            ) from None
        if len(sizes) > 10 or not all(
            isinstance(s, numbers.Integral) and 1 <= s <= 500 for s in sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must hold at most 10 widths, each an integer in 1..500, "
                f"got {self.hidden_layer_sizes!r}"
            )
        return sizes

    def _validate_hyperparameters(self):
        """Check the parameters at fit (scikit-learn's convention): return the hidden sizes
        and the TrainingSettings, which validate their own fields."""
        activations.get(self.activation)
        losses.get(self.loss)
        settings = TrainingSettings(
            learning_rate=self.learning_rate,
            momentum=self.momentum,
            clip_norm=self.clip_norm,
            l2=self.l2,
            batch_size=self.batch_size,
            solver=self.solver,
        )
        if not (isinstance(self.max_iter, numbers.Integral) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be an integer >= 1, got {self.max_iter!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {INITS}, got {self.init!r}")
        return self._hidden_sizes(), settings

    # -- training -------------------------------------------------------------------------
    def _start(self, X, targets, n_outputs, n_classes):
        sizes, settings = self._validate_hyperparameters()
        seed = self.random_state
        if seed is None or isinstance(seed, np.random.RandomState):
            seed = np.random.default_rng().integers(2**31) if seed is None else seed.randint(2**31)
        self.network_ = Network((X.shape[1], *sizes, n_outputs), self.activation, self.init, seed)
        self.loss_curve_ = []
        self.n_iter_ = 0
        self.t_ = 0
        self._trainer = Trainer(
            self.network_,
            X,
            targets,
            n_classes=n_classes,
            loss=self.loss,
            settings=settings,
            random_state=seed,
            history_capacity=0,
        )

    def _run_epochs(self, X, targets, n_epochs):
        """All the epochs' steps in one ``Trainer.step`` (few kernel calls); the loss curve
        is the mean of each epoch's step objectives, as scikit-learn's."""
        trainer = self._trainer
        if X is not trainer.X_train:
            trainer.replace_data(X, targets)
        batch = trainer.batch_size or trainer.n_train
        per_epoch = -(-trainer.n_train // batch)
        trainer.objectives = values = []
        try:
            done = trainer.step(n_epochs * per_epoch, record=False)
        finally:
            trainer.objectives = None
        if per_epoch == 1:  # full batch: an epoch's mean is its one step's objective
            self.loss_curve_ += values
            values = ()
        for start in range(0, len(values), per_epoch):
            total = 0.0
            for value in values[start : start + per_epoch]:  # summed in order, every call alike
                total += value
            self.loss_curve_.append(total / len(values[start : start + per_epoch]))
        # An epoch cut short by a stop counts, as in an epoch-at-a-time loop.
        self.n_iter_ += -(-done // per_epoch) if not trainer.diverged else done // per_epoch + 1
        self.t_ += done * batch
        if trainer.diverged:
            lr = self.learning_rate
            warnings.warn(
                f"{trainer.message} Here: learning_rate={lr:.3g}; try learning_rate={lr / 10:.3g}.",
                TrainingDivergedWarning,
                stacklevel=3,
            )
        return self

    # -- the lecture's quantities ---------------------------------------------------------
    @property
    def coefs_(self):
        """W^l for l = 1..L, shape (units in l-1, units in l): live views."""
        return self.network_.coefs

    @coefs_.setter
    def coefs_(self, values):
        for W, new in zip(self.network_.coefs, values, strict=True):
            W[...] = new

    @property
    def intercepts_(self):
        """b^l for l = 1..L: live views."""
        return self.network_.intercepts

    @intercepts_.setter
    def intercepts_(self, values):
        for b, new in zip(self.network_.intercepts, values, strict=True):
            b[...] = new

    def _targets(self, y):
        raise NotImplementedError

    def loss_and_gradients(self, X, y):
        """(R(theta), dR/dW^l list, dR/db^l list) on (X, y) at the current parameters."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        net = self.network_
        grad = np.zeros_like(net.theta)
        value, _, _ = objective_and_gradients(
            net, losses.get(self.loss), X, self._targets(y), self.l2, grad, net.weight_mask()
        )
        coef_grads, intercept_grads = net.views(grad)
        return value, coef_grads, intercept_grads

    def hidden_activations(self, X, layer=1):
        """a^layer = f(z^layer) for hidden layer ``layer`` (1-based), shape (n, units)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.hidden_activations(X, layer)

    def flip_unit_sign(self, layer, unit, compensate=False):
        """Negate the unit's incoming weights and bias: its normal flips, a_i = f(-z_i);
        with ``compensate`` its outgoing weights too (``Network.flip_unit_sign``)."""
        check_is_fitted(self)
        self._trainer.flip_unit_sign(layer, unit, compensate)
        return self

    def _outputs(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.network_.forward(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class NeuralNetClassifier(ClassifierMixin, _NeuralNetBase):
    """A network classifier: one output unit for two classes (+1 is ``classes_[1]``), k
    output units for k classes (one-vs-rest for hinge / squared error, softmax for log loss)."""

    def _targets(self, y):
        y_index = self._label_encoder.transform(np.asarray(y).ravel())
        return losses.encode_targets(self.loss, y_index, len(self.classes_))

    def _set_classes(self, y, classes=None):
        check_classification_targets(y)
        self._label_encoder = LabelEncoder().fit(y if classes is None else classes)
        self.classes_ = self._label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(f"{ONE_CLASS_MESSAGE} Got only {self.classes_.tolist()}.")

    def fit(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64)
        self._set_classes(y)
        k = len(self.classes_)
        y_index = self._label_encoder.transform(y)
        self._start(X, y_index, losses.n_outputs(k), k)
        return self._run_epochs(X, y_index, self.max_iter)

    def partial_fit(self, X, y, classes=None):
        """One epoch over (X, y); ``classes`` is required on the first call."""
        first = not hasattr(self, "classes_")
        X, y = validate_data(self, X, y, dtype=np.float64, reset=first)
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
            self._set_classes(y, classes)
            k = len(self.classes_)
            self._start(X, self._label_encoder.transform(y), losses.n_outputs(k), k)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            raise ValueError(
                f"y has labels {unknown.tolist()} not in classes_ {self.classes_.tolist()}"
            )
        return self._run_epochs(X, self._label_encoder.transform(y), 1)

    def decision_function(self, X):
        """The network's output z^L: shape (n,) for two classes, (n, k) for k."""
        Z = self._outputs(X)
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict(self, X):
        Z = self._outputs(X)  # first: it raises NotFittedError before classes_ is read
        return self.classes_[losses.predict_index(Z)]

    def _has_probabilities(self):
        return losses.get(self.loss).probabilistic

    @available_if(_has_probabilities)
    def predict_proba(self, X):
        """Class probabilities; offered with ``loss="log_loss"`` only."""
        return losses.probabilities(self._outputs(X))

    @available_if(_has_probabilities)
    def predict_log_proba(self, X):
        return np.log(self.predict_proba(X))


class NeuralNetRegressor(RegressorMixin, _NeuralNetBase):
    """A network regressor: linear output units, squared error."""

    def __init__(
        self,
        hidden_layer_sizes=(8,),
        activation="relu",
        loss="squared_error",
        learning_rate=0.03,
        momentum=0.0,
        clip_norm=None,
        l2=0.0,
        batch_size=None,
        max_iter=200,
        init="auto",
        random_state=None,
        solver="adam",
    ):
        super().__init__(
            hidden_layer_sizes,
            activation,
            loss,
            learning_rate,
            momentum,
            clip_norm,
            l2,
            batch_size,
            max_iter,
            init,
            random_state,
            solver,
        )

    def _targets(self, y):
        y = np.asarray(y, dtype=np.float64)
        return y.reshape(len(y), -1)

    def _check_loss(self):
        if self.loss != "squared_error":
            raise ValueError(f"NeuralNetRegressor supports loss='squared_error', got {self.loss!r}")

    def fit(self, X, y):
        self._check_loss()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, multi_output=True)
        T = self._targets(y)
        self._start(X, T, T.shape[1], 0)
        return self._run_epochs(X, T, self.max_iter)

    def partial_fit(self, X, y):
        self._check_loss()
        first = not hasattr(self, "network_")
        X, y = validate_data(
            self, X, y, dtype=np.float64, y_numeric=True, multi_output=True, reset=first
        )
        T = self._targets(y)
        if first:
            self._start(X, T, T.shape[1], 0)
        return self._run_epochs(X, T, 1)

    def predict(self, X):
        Z = self._outputs(X)
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
