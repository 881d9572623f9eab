"""A step-at-a-time trainer: the page calls ``step(k)`` once per animation frame.

It owns the data, the network, the optimizer and a bounded history of snapshots, so that a
run can be replayed and rewound. A guard stops training at the first non-finite objective or
gradient and keeps the last good weights, with a message that says what to change.

Steps of a small network run in the numba kernel of ``engine.kernels`` (the same maths, many
steps per call); wide ones, or every one when numba is missing or ``ENGINE_JIT=0``, run the
NumPy path below, which reads as the lecture does.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass

import numpy as np

from engine import losses
from engine.network import Network
from engine.objective import objective_and_gradients
from engine.optim import SGD, check_hyperparameters, is_number

kernels = None
if os.environ.get("ENGINE_JIT", "1") != "0":
    try:
        from engine import kernels
    except (ImportError, OSError):  # no numba (or a broken one): NumPy does every step
        kernels = None

# The kernel takes the steps whose multiply-adds, max(batch, KERNEL_MIN_BATCH) times
# sum_l (units in l-1)(units in l), are at most KERNEL_MAX_WORK; NumPy's BLAS the others.
# Measured on 2 cores, one BLAS thread: the kernel is 2-7x faster for the Playground's nets
# (up to six layers of 8-16 units, any batch) and for one hidden layer of up to 256 units;
# BLAS is 1.5-5x faster once a hidden layer of 32+ units feeds another of 64+ (its products
# are blocked for the cache; the kernel's are loops over the points). Under ~128 points
# those loops are short and cost the kernel about as much as 128 points would.
KERNEL_MAX_WORK = 500_000
KERNEL_MIN_BATCH = 128
# Steps per kernel call at most (the per-step log it fills is this long).
KERNEL_CHUNK = 4096


def _drop_kernel(error):
    """Train in NumPy from now on in this process (the kernel failed before any step)."""
    global kernels
    kernels = None
    warnings.warn(
        f"The compiled training kernel is unavailable ({error!r}); training goes on in NumPy.",
        RuntimeWarning,
        stacklevel=5,  # the caller of Trainer.step
    )


# Snapshots (theta, and the velocity when momentum is on) are kept within this many bytes
# (three layers of 500 units are 4 MB a copy); the history keeps at least 4 whatever the size.
HISTORY_BYTES = 64 * 2**20
HISTORY_CAPACITY = 600


@dataclass(frozen=True)
class Snapshot:
    """One recorded moment of a run: where it was and how well it did."""

    step: int
    epoch: float
    train_loss: float
    test_loss: float
    train_accuracy: float
    test_accuracy: float
    grad_norm: float
    theta: np.ndarray
    # The optimizer's velocity (None when momentum was off) and where the minibatches stood
    # (see Trainer._batch_state): with them, a rewound run replays bit for bit.
    velocity: np.ndarray | None = None
    batches: tuple | None = None


class History:
    """Snapshots every ``interval`` steps; when full, every other one is dropped and the
    interval doubles, so a run of any length keeps an even spread in bounded memory."""

    def __init__(self, capacity):
        self.capacity = max(4, int(capacity))
        self.interval = 1
        self.entries: list[Snapshot] = []

    def due(self, step):
        return step % self.interval == 0

    def add(self, snap: Snapshot):
        if self.entries and self.entries[-1].step == snap.step:
            self.entries[-1] = snap
            return
        self.entries.append(snap)
        if len(self.entries) > self.capacity:
            last = self.entries[-1]
            self.entries = self.entries[:-1:2]
            if self.entries[-1] is not last:
                self.entries.append(last)
            self.interval *= 2

    def truncate(self, index):
        """Forget everything after entry ``index`` (rewind)."""
        del self.entries[index + 1 :]

    def curves(self):
        """Columns for the loss/accuracy plot: dict of name -> np.ndarray."""
        fields = (
            "step",
            "epoch",
            "train_loss",
            "test_loss",
            "train_accuracy",
            "test_accuracy",
            "grad_norm",
        )
        return {f: np.array([getattr(e, f) for e in self.entries], dtype=float) for f in fields}


class Trainer:
    """Trains ``net`` on (X_train, y_train) one minibatch update per ``step``.

    ``y`` are class indices 0..k-1 for classification (``n_classes`` >= 2) or real targets
    for regression (``n_classes=0``, squared error).
    """

    def __init__(
        self,
        net: Network,
        X_train,
        y_train,
        X_test=None,
        y_test=None,
        *,
        n_classes=2,
        loss="hinge",
        l2=0.0,
        l1=0.0,
        learning_rate=0.1,
        momentum=0.0,
        clip_norm=None,
        batch_size=None,
        random_state=0,
        history_capacity=HISTORY_CAPACITY,
    ):
        self.net = net
        self.n_classes = int(n_classes)
        self.regression = self.n_classes == 0
        if self.regression and loss != "squared_error":
            raise ValueError("regression trains with loss='squared_error'")
        self.loss_name = loss
        self.loss = losses.get(loss)
        self.replace_data(X_train, y_train)
        self.replace_test_data(X_test, y_test)
        self.optimizer = SGD(len(net.theta), learning_rate, momentum, clip_norm)
        self.l2 = self.l1 = 0.0
        self.batch_size = None
        self.set_hyperparameters(l2=l2, l1=l1, batch_size=batch_size)
        self.random_state = random_state
        self.grad = np.zeros_like(net.theta)
        net.bind_gradient(self.grad)
        self.weight_mask = net.weight_mask()
        self.step_count = 0
        self.samples_seen = 0
        self.objective = math.nan
        self.grad_norm = math.nan
        # Sum and count of the batch objectives since the caller last zeroed them (the
        # estimator's loss_curve_ is their mean over an epoch, as in scikit-learn).
        self.objective_sum, self.objective_count = 0.0, 0
        self.message: str | None = None
        self._reseed()
        self.history = None
        if history_capacity:
            # A snapshot holds theta and, with momentum, the velocity: two copies at most.
            bytes_cap = HISTORY_BYTES // max(1, 2 * net.theta.nbytes)
            self.history = History(min(history_capacity, bytes_cap))
            self.record()

    # -- set-up ---------------------------------------------------------------------------
    def _encode(self, y):
        if self.regression:
            y = np.asarray(y, dtype=np.float64)
            return y[:, None] if y.ndim < 2 else y
        return losses.encode_targets(self.loss_name, y, self.n_classes)

    def replace_data(self, X_train, y_train):
        """Train on new data from the next step on (regenerate keeps the weights)."""
        self.X_train = np.ascontiguousarray(X_train, dtype=np.float64)
        self._X_train_aug = self.net.augment(self.X_train)
        self.y_train = np.asarray(y_train)
        # C-ordered and writable, as the kernel is compiled for (one signature, one compile).
        self.T_train = np.require(self._encode(self.y_train), np.float64, "CW")
        self._order = None

    def replace_test_data(self, X_test, y_test):
        """Evaluate on new held-out data (regenerate)."""
        n_in = self.X_train.shape[1]
        X_test = np.empty((0, n_in)) if X_test is None else X_test
        self.X_test = np.ascontiguousarray(X_test, dtype=np.float64).reshape(-1, n_in)
        self.y_test = np.empty(0) if y_test is None else np.asarray(y_test)
        self.T_test = self._encode(self.y_test)

    def _reseed(self):
        # One generator draws every pass's shuffle; snapshots keep its state (_batch_state),
        # so that a rewound run draws the same minibatches again.
        self._rng = np.random.default_rng([int(self.random_state or 0), self.step_count])
        self._order = None
        self._cursor = 0

    def set_hyperparameters(
        self,
        *,
        learning_rate=None,
        momentum=None,
        clip_norm="keep",
        l2=None,
        l1=None,
        batch_size="keep",
    ):
        """Change optimizer settings live, between steps, without a reset."""
        opt = self.optimizer
        lr = opt.learning_rate if learning_rate is None else learning_rate
        mu = opt.momentum if momentum is None else momentum
        clip = opt.clip_norm if clip_norm == "keep" else clip_norm
        check_hyperparameters(lr, mu, clip)
        opt.learning_rate, opt.momentum = float(lr), float(mu)
        opt.clip_norm = None if clip is None else float(clip)
        if l2 is not None:
            if not (is_number(l2) and math.isfinite(l2) and l2 >= 0):
                raise ValueError(f"l2 must be a number >= 0, got {l2!r}")
            self.l2 = float(l2)
        if l1 is not None:
            if not (is_number(l1) and math.isfinite(l1) and l1 >= 0):
                raise ValueError(f"l1 must be a number >= 0, got {l1!r}")
            self.l1 = float(l1)
        if batch_size != "keep":
            if batch_size is not None and not (
                isinstance(batch_size, (int, np.integer)) and batch_size >= 1
            ):
                raise ValueError(f"batch_size must be None or an integer >= 1, got {batch_size!r}")
            full = batch_size is None or batch_size >= len(self.X_train)
            self.batch_size = None if full else int(batch_size)
            self._order = None

    # -- training -------------------------------------------------------------------------
    @property
    def n_train(self):
        return len(self.X_train)

    @property
    def epoch(self):
        return self.samples_seen / self.n_train

    @property
    def diverged(self):
        return self.message is not None

    def _new_pass(self):
        """Shuffle the training points for the next pass over them."""
        # The generator's state before the shuffle is kept for snapshots (_batch_state).
        self._pass_state = self._rng.bit_generator.state
        self._order = self._rng.permutation(self.n_train)
        # One shuffled copy per pass, so that each minibatch is a slice, not a gather.
        self._X_pass = self._X_train_aug[self._order]
        self._T_pass = self.T_train[self._order]
        self._cursor = 0

    def _next_batch(self):
        if self.batch_size is None:
            return self._X_train_aug, self.T_train
        if self._order is None or self._cursor >= self.n_train:
            self._new_pass()
        start = self._cursor
        self._cursor += self.batch_size
        return self._X_pass[start : self._cursor], self._T_pass[start : self._cursor]

    def _batch_state(self):
        """What decides the coming minibatches: the generator's state before the current
        pass was shuffled and the position in it (or, between passes, the state now)."""
        if self._order is None:
            return self._rng.bit_generator.state, None
        return self._pass_state, self._cursor

    def _restore_batches(self, state):
        rng_state, cursor = state
        self._rng.bit_generator.state = rng_state
        self._order = None
        if cursor is not None:
            self._new_pass()  # the same shuffle as the first time
            self._cursor = cursor

    def step(self, n_steps=1, record=True):
        """Run up to ``n_steps`` updates; return how many were done (fewer if it diverged)."""
        if self.diverged:
            return 0
        # Overflow and NaN are what the guard looks for: NumPy need not warn of them too.
        with np.errstate(over="ignore", invalid="ignore"):
            return self._run(n_steps, self.history if record else None)

    @property
    def uses_kernel(self):
        """Whether the coming steps run in the numba kernel (else in NumPy)."""
        if kernels is None or not self.n_train:
            return False
        sizes = self.net.layer_sizes
        batch = max(self.batch_size or self.n_train, KERNEL_MIN_BATCH)
        return batch * sum(a * b for a, b in zip(sizes, sizes[1:])) <= KERNEL_MAX_WORK

    def _run(self, n_steps, history):
        if self.uses_kernel:
            return self._run_kernel(n_steps, history)
        net, grad, theta = self.net, self.grad, self.net.theta
        loss, l2, l1, mask, opt = self.loss, self.l2, self.l1, self.weight_mask, self.optimizer
        for done in range(n_steps):
            X, T = self._next_batch()
            value, _, _ = objective_and_gradients(net, loss, X, T, l2, grad, mask, True, l1)
            # The guard comes before the update: a step that is not finite is not taken, and
            # neither is one whose update overflows (opt.step returns inf then).
            norm = opt.step(theta, grad) if math.isfinite(value) else math.nan
            if not (math.isfinite(value) and math.isfinite(norm)):
                self._stop(value, norm)
                return done
            self.objective, self.grad_norm = value, norm
            self.objective_sum += value
            self.objective_count += 1
            self.step_count += 1
            self.samples_seen += len(X)
            if history is not None and history.due(self.step_count):
                self.record()
        return n_steps

    def _run_kernel(self, n_steps, history):
        """``_run`` in kernel calls: each runs until the pass over the shuffled points ends
        (the next shuffle is drawn here, as _next_batch draws it) or the history is due, so
        that passes and snapshots fall on the same steps as in the NumPy loop."""
        net, opt, n = self.net, self.optimizer, self.n_train
        sizes = np.array(net.layer_sizes, dtype=np.int64)
        activation = kernels.ACTIVATION_CODES[net.activation]
        loss = kernels.LOSS_CODES[self.loss_name]
        clip = math.inf if opt.clip_norm is None else opt.clip_norm
        log = np.empty((2, min(n_steps, KERNEL_CHUNK)))  # each step's objective and ||g||
        full = self.batch_size is None
        done = 0
        while done < n_steps:
            steps = min(n_steps - done, KERNEL_CHUNK)
            if history is not None:
                steps = min(steps, history.interval - self.step_count % history.interval)
            if full:
                X, T, start, batch = self._X_train_aug, self.T_train, 0, n
            else:
                if self._order is None or self._cursor >= n:
                    self._new_pass()
                X, T, start, batch = self._X_pass, self._T_pass, self._cursor, self.batch_size
            try:
                taken, diverged = kernels.train_steps(
                    net.theta, opt.velocity, X, T, start, batch, full, steps, sizes, activation,
                    loss, self.l2, self.l1, opt.learning_rate, opt.momentum, clip, log[0], log[1],
                )  # fmt: skip
            except Exception as error:  # numba could not compile or load it: NumPy goes on
                _drop_kernel(error)
                return done + self._run(n_steps - done, history)
            if taken:
                self.objective, self.grad_norm = float(log[0, taken - 1]), float(log[1, taken - 1])
                for value in log[0, :taken].tolist():  # added one by one, as _run does
                    self.objective_sum += value
                self.objective_count += taken
                self.step_count += taken
                self.samples_seen += taken * n if full else min(start + taken * batch, n) - start
            if not full:  # as in _next_batch, the failed step's batch is used up too
                self._cursor = start + (taken + diverged) * batch
            done += taken
            if diverged:
                self._stop(float(log[0, taken]), float(log[1, taken]))
                return done
            if history is not None and history.due(self.step_count):
                self.record()
        return n_steps

    def _stop(self, value, norm):
        # theta is the last good weights already: the failed step was not taken.
        self.optimizer.reset()
        what = "objective" if not math.isfinite(value) else "gradient or weights"
        bad = value if not math.isfinite(value) else norm
        lr = self.optimizer.learning_rate
        self.message = (
            f"Training stopped at step {self.step_count + 1:,}: the {what} became "
            f"{'NaN' if math.isnan(bad) else 'infinite'} (the updates overshot and blew up). "
            f"The last good weights are kept. Lower the learning rate (now {lr:g}; try "
            f"{lr / 10:g}), turn on gradient clipping, or rewind to an earlier step."
        )

    def clear_stop(self):
        """Allow training again (after the user changed a setting or rewound)."""
        self.message = None

    # -- evaluation -----------------------------------------------------------------------
    def scores(self, X):
        return self.net.forward(X)

    def evaluate(self, X, y, T):
        """(mean data loss, accuracy) on a set; accuracy is NaN for regression or no data."""
        if len(X) == 0:
            return math.nan, math.nan
        # Weights that grew huge before the guard stopped them may overflow here: the curves
        # then show inf, which says what happened; NumPy need not warn too.
        with np.errstate(over="ignore", invalid="ignore"):
            Z = self.net.forward(X)
            value = self.loss.value(T, Z)
        if self.regression:
            return value, math.nan
        return value, float(np.mean(losses.predict_index(Z) == y))

    def metrics(self):
        train_loss, train_acc = self.evaluate(self.X_train, self.y_train, self.T_train)
        test_loss, test_acc = self.evaluate(self.X_test, self.y_test, self.T_test)
        return {
            "train_loss": train_loss,
            "test_loss": test_loss,
            "train_accuracy": train_acc,
            "test_accuracy": test_acc,
        }

    def record(self):
        m = self.metrics()
        if self.history is None:
            return m
        self.history.add(
            Snapshot(
                self.step_count,
                self.epoch,
                m["train_loss"],
                m["test_loss"],
                m["train_accuracy"],
                m["test_accuracy"],
                self.grad_norm,
                self.net.theta.copy(),
                self.optimizer.velocity.copy() if self.optimizer.momentum else None,
                self._batch_state(),
            )
        )
        return m

    # -- history and edits ----------------------------------------------------------------
    def rewind(self, index):
        """Restore the snapshot ``history.entries[index]`` and forget what came after."""
        entries = self.history.entries
        if not -len(entries) <= index < len(entries):
            raise IndexError(f"no snapshot {index}; the history has {len(entries)}")
        index %= len(entries)
        snap = entries[index]
        np.copyto(self.net.theta, snap.theta)
        # Without momentum the next update does not read the velocity, so zero is exact.
        if snap.velocity is None:
            self.optimizer.reset()
        else:
            np.copyto(self.optimizer.velocity, snap.velocity)
        self.step_count = snap.step
        self.samples_seen = round(snap.epoch * self.n_train)
        self.history.truncate(index)
        self.message = None
        if snap.batches is None:
            self._reseed()
        else:
            self._restore_batches(snap.batches)

    def flip_unit_sign(self, layer, unit):
        """Flip a hidden unit's incoming weights and bias (and its velocity, so momentum
        does not carry the old direction back)."""
        self.net.flip_unit_sign(layer, unit)
        mask = self.net.unit_param_mask(layer, unit)
        self.optimizer.velocity[mask] *= -1.0
        self.record()

    def set_parameter(self, layer, row, col, value):
        """Set one weight W^layer[row, col], or the bias b^layer[col] when row is None."""
        if not math.isfinite(value):
            raise ValueError(f"a weight must be a finite number, got {value!r}")
        if row is None:
            self.net.intercepts[layer - 1][col] = value
        else:
            self.net.coefs[layer - 1][row, col] = value
        self.record()
