"""A step-at-a-time trainer: the page calls ``step(k)`` once per animation frame.

It owns the data, the network, the optimizer and a bounded history of snapshots, so that a
run can be replayed and rewound. A guard stops training when the objective grows by orders
of magnitude (long before a float overflows) or turns non-finite, and puts back the last
weights whose objective was near the best seen, with a message that says what to change.

Steps of a small network run in the numba kernel of ``engine.compiled`` (the same maths, many
steps per call); wide ones, or every one when numba is missing or ``ENGINE_JIT=0``, run the
NumPy path below, which reads as the lecture does.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from dataclasses import dataclass

import numpy as np

from engine import losses
from engine.network import Network
from engine.objective import objective_and_gradients, penalty_value
from engine.optim import GREW, GROWTH_LIMIT, NOT_FINITE, SOLVERS, TAKE_AND_KEEP, guard_verdict
from engine.settings import TrainingSettings

compiled = None
if os.environ.get("ENGINE_JIT", "1") != "0":
    try:
        from engine import compiled
    except (ImportError, OSError):  # no numba (or a broken one): NumPy does every step
        compiled = None

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
# The old keyword arguments of Trainer and set_hyperparameters: TrainingSettings' fields.
SETTING_NAMES = tuple(f.name for f in dataclasses.fields(TrainingSettings))


def _drop_kernel(error):
    """Train in NumPy from now on in this process (the kernel failed before any step)."""
    global compiled
    compiled = None
    warnings.warn(
        f"The compiled training kernel is unavailable ({error!r}); training goes on in NumPy.",
        RuntimeWarning,
        stacklevel=5,  # the caller of Trainer.step
    )


# Snapshots (theta, and the velocity when momentum is on) are kept within this many bytes
# (three layers of 500 units are 4 MB a copy); the history keeps at least 4 whatever the size.
HISTORY_BYTES = 64 * 2**20
HISTORY_CAPACITY = 600
# Training points that health_notice looks at first.
HEALTH_SAMPLE = 256


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
    # The optimizer's state (``optimizer.state(settings)``: SGD's velocity, None when momentum was
    # off; Adam's moments) and where the minibatches stood (see Trainer._batch_state): with
    # them, a rewound run replays bit for bit.
    velocity: np.ndarray | tuple | None = None
    batches: tuple | None = None
    # How many steps since the previous snapshot had their gradient clipped (grad_norm is
    # the norm of the latest step's gradient before clipping).
    clipped: int = 0


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
            "clipped",
        )
        return {f: np.array([getattr(e, f) for e in self.entries], dtype=float) for f in fields}


class Trainer:
    """Trains ``net`` on (X_train, y_train) one minibatch update per ``step``.

    ``y`` are class indices 0..k-1 for classification (``n_classes`` >= 2) or real targets
    for regression (``n_classes=0``, squared error). ``settings`` (a ``TrainingSettings``)
    say how the weights are updated; ``change_settings`` replaces them between steps. The
    settings' fields may also be given one by one as keywords (``learning_rate=0.1, ...``,
    the older form): they then change the defaults, or ``settings`` when both are given.
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
        settings: TrainingSettings | None = None,
        random_state=0,
        history_capacity=HISTORY_CAPACITY,
        **setting_values,
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
        unknown = set(setting_values) - set(SETTING_NAMES)
        if unknown:
            raise TypeError(f"Trainer got unexpected keyword arguments {sorted(unknown)}")
        settings = TrainingSettings() if settings is None else settings
        if not isinstance(settings, TrainingSettings):
            raise TypeError(f"settings must be a TrainingSettings, got {settings!r}")
        self._settings = settings.replace(**setting_values) if setting_values else settings
        self.optimizer = SOLVERS[self._settings.solver](len(net.theta))
        self._set_batch_size()
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
        # A list to receive every step's objective (the estimators' loss curves), or None.
        self.objectives: list | None = None
        self.message: str | None = None
        self._clipped = 0  # steps clipped since the last snapshot
        # The growth guard: [best objective, limit, index of the good copy in a kernel call],
        # the good copy of theta, its step and objective (see _restart_guard).
        self._guard = np.array([math.inf, math.inf, -1.0])
        self._good_theta = net.theta.copy()
        self._good_step, self._good_value = 0, math.nan
        self._restart_guard()
        self._reseed()
        self.history = None
        if history_capacity:
            # A snapshot holds theta and the optimizer's state: three copies at most (Adam).
            copies = 3 if self.optimizer.keeps_second else 2
            bytes_cap = HISTORY_BYTES // max(1, copies * net.theta.nbytes)
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

    @property
    def settings(self) -> TrainingSettings:
        """How the weights are updated (read; ``change_settings`` replaces them)."""
        return self._settings

    def change_settings(self, settings: TrainingSettings):
        """Train with ``settings`` from the next step on, without a reset (the Playground's
        sliders). A change of solver starts its state afresh; a change of batch size starts
        a new pass over the shuffled points."""
        if not isinstance(settings, TrainingSettings):
            raise TypeError(f"settings must be a TrainingSettings, got {settings!r}")
        old, self._settings = self._settings, settings
        if settings.solver != old.solver:
            self.optimizer = SOLVERS[settings.solver](len(self.net.theta))
        if settings.batch_size != old.batch_size:
            self._set_batch_size()

    def set_hyperparameters(self, **changes):
        """``change_settings`` with some fields changed (the older form); None keeps a
        field's value, except for clip_norm and batch_size, where None is a value."""
        unknown = set(changes) - set(SETTING_NAMES)
        if unknown:
            raise TypeError(f"set_hyperparameters got unexpected arguments {sorted(unknown)}")
        changes = {
            name: value
            for name, value in changes.items()
            if not (isinstance(value, str) and value == "keep")
            and (value is not None or name in ("clip_norm", "batch_size"))
        }
        self.change_settings(self._settings.replace(**changes))

    def _set_batch_size(self):
        """The batch the steps use: None for the whole training set."""
        batch = self._settings.batch_size
        self.batch_size = None if batch is None or batch >= len(self.X_train) else batch
        self._order = None

    @property
    def l2(self):
        return self._settings.l2

    @property
    def l1(self):
        return self._settings.l1

    @property
    def solver(self):
        return self._settings.solver

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
        if compiled is None or not self.n_train:
            return False
        sizes = self.net.layer_sizes
        batch = max(self.batch_size or self.n_train, KERNEL_MIN_BATCH)
        return batch * sum(a * b for a, b in zip(sizes, sizes[1:])) <= KERNEL_MAX_WORK

    def _restart_guard(self):
        """Begin a stretch of training for the growth guard (at the start, and after a stop
        is cleared, a rewind or an edit): its limit is set from the objective over all the
        training points at the first step, and the good copy is the weights as they are."""
        self._guard[:] = (math.inf, math.nan, -1.0)
        self._start_value = math.nan
        np.copyto(self._good_theta, self.net.theta)
        self._good_step, self._good_value = self.step_count, math.nan

    def _guard_limit(self):
        """Set the limit of the stretch: GROWTH_LIMIT x max(1, R(theta) on all the points)."""
        if math.isnan(self._guard[1]):
            value, _ = self.evaluate(self.X_train, self.y_train, self.T_train)
            value += penalty_value(self.net.theta * self.weight_mask, self.l2, self.l1)
            self._start_value = value
            self._guard[1] = GROWTH_LIMIT * max(1.0, value) if math.isfinite(value) else math.inf

    def _run(self, n_steps, history):
        self._guard_limit()
        if self.uses_kernel:
            return self._run_kernel(n_steps, history)
        net, grad, theta = self.net, self.grad, self.net.theta
        loss, mask, opt, settings = self.loss, self.weight_mask, self.optimizer, self._settings
        l2, l1 = settings.l2, settings.l1
        clip = math.inf if settings.clip_norm is None else settings.clip_norm
        guard = self._guard
        for done in range(n_steps):
            X, T = self._next_batch()
            value, _, _ = objective_and_gradients(net, loss, X, T, l2, grad, mask, True, l1)
            # The guard comes before the update: a step that is not finite is not taken, nor
            # one whose objective grew past the limit, nor one whose update overflows
            # (opt.step returns inf then).
            verdict = guard_verdict(value, guard)
            if verdict == NOT_FINITE:
                return self._stop(done, value, math.nan, history)
            if verdict == GREW:
                return self._stop(done, value, math.nan, history, grew=True)
            if verdict == TAKE_AND_KEEP:
                np.copyto(self._good_theta, theta)
                self._good_step, self._good_value = self.step_count, value
            norm = opt.step(theta, grad, settings)
            if not math.isfinite(norm):
                return self._stop(done, value, norm, history)
            if norm > clip:
                self._clipped += 1
            self.objective, self.grad_norm = value, norm
            self.objective_sum += value
            self.objective_count += 1
            if self.objectives is not None:
                self.objectives.append(value)
            self.step_count += 1
            self.samples_seen += len(X)
            if history is not None and history.due(self.step_count):
                self.record()
        return n_steps

    def _run_kernel(self, n_steps, history):
        """``_run`` in kernel calls: each runs until the pass over the shuffled points ends
        (the next shuffle is drawn here, as _next_batch draws it) or the history is due, so
        that passes and snapshots fall on the same steps as in the NumPy loop."""
        net, opt, n, settings = self.net, self.optimizer, self.n_train, self._settings
        sizes = np.array(net.layer_sizes, dtype=np.int64)
        activation = compiled.ACTIVATION_CODES[net.activation]
        loss = compiled.LOSS_CODES[self.loss_name]
        solver = compiled.SOLVER_CODES[settings.solver]
        clip = math.inf if settings.clip_norm is None else settings.clip_norm
        # The kernel reads s for every rule (SGD's keeps none: it gets zeros, left as they are).
        second = opt.second
        if second is None:
            second = np.zeros_like(opt.velocity)
        guard = self._guard
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
                taken, status = compiled.train_steps(
                    net.theta, opt.velocity, second, X, T, start, batch, full, steps, sizes,
                    activation, loss, compiled.penalty_strengths(settings), solver,
                    settings.learning_rate, settings.momentum, clip, opt.t, log[0], log[1],
                    guard, self._good_theta,
                )  # fmt: skip
            except Exception as error:  # numba could not compile or load it: NumPy goes on
                _drop_kernel(error)
                return done + self._run(n_steps - done, history)
            if guard[2] >= 0:  # the kernel made a good copy at its step guard[2]
                index = int(guard[2])
                self._good_step = self.step_count + index
                self._good_value = float(log[0, index])
                guard[2] = -1.0
            if taken:
                self.objective, self.grad_norm = float(log[0, taken - 1]), float(log[1, taken - 1])
                values = log[0, :taken].tolist()
                for value in values:  # added one by one, as _run does
                    self.objective_sum += value
                if self.objectives is not None:
                    self.objectives += values
                self.objective_count += taken
                self._clipped += int(np.count_nonzero(log[1, :taken] > clip))
                opt.t += taken
                self.step_count += taken
                self.samples_seen += taken * n if full else min(start + taken * batch, n) - start
            if not full:  # as in _next_batch, the failed step's batch is used up too
                self._cursor = start + (taken + (status != compiled.OK)) * batch
            done += taken
            if status != compiled.OK:
                value, norm = float(log[0, taken]), float(log[1, taken])
                grew = status == compiled.GREW
                return self._stop(done, value, math.nan if grew else norm, history, grew)
            if history is not None and history.due(self.step_count):
                self.record()
        return n_steps

    def _stop(self, done, value, norm, history, grew=False):
        """Stop the run: the failed step was not taken; put back the good copy of theta (the
        last weights whose objective was within GOOD_FACTOR of the best seen), reset the
        optimizer and say what happened and what to change. Returns ``done``."""
        np.copyto(self.net.theta, self._good_theta)
        self.optimizer.reset()
        settings = self._settings
        lr = settings.learning_rate
        if grew:
            what = (
                f"the objective grew from {self._start_value:.3g} to {value:.3g} (the updates "
                "overshot and were blowing up)"
            )
        else:
            kind = "objective" if not math.isfinite(value) else "gradient or weights"
            bad = value if not math.isfinite(value) else norm
            what = (
                f"the {kind} became {'NaN' if math.isnan(bad) else 'infinite'} (the updates "
                "overshot and blew up)"
            )
        kept = (
            f"The weights of step {self._good_step:,} (objective {self._good_value:.3g}) are kept"
            if math.isfinite(self._good_value)
            else "The weights from before it are kept"
        )
        change = f"Lower the learning rate (now {lr:.3g}; try {lr / 10:.3g})"
        if settings.solver == "sgd" and settings.momentum >= 0.5:
            change += f", lower the momentum (now {settings.momentum:.3g})"
        if settings.clip_norm is None:
            change += " or turn on gradient clipping"
        self.message = (
            f"Training stopped at step {self.step_count + 1:,}: {what}. {kept}. {change}."
        )
        if history is not None:
            self.record()  # the history ends at the weights that are kept
        return done

    def clear_stop(self):
        """Allow training again (after the user changed a setting or rewound)."""
        if self.message is not None:
            self._restart_guard()
        self.message = None

    @property
    def can_rewind(self):
        """Whether the history holds an earlier snapshot to go back to."""
        entries = self.history.entries if self.history is not None else []
        return len(entries) > 1 or (len(entries) == 1 and entries[0].step < self.step_count)

    def health_notice(self):
        """A plain sentence when the network cannot learn as it stands, else None.

        A ReLU is dead on a point when z <= 0 there: f(z) = 0 and f'(z) = 0, so no gradient
        passes through it. When every unit of a hidden layer is dead on every training point,
        the layer's output is all zeros: the network's output is a constant and no weight
        below (nor the layer's own) gets any gradient. Checked in float32 on the first
        HEALTH_SAMPLE points first (a unit alive on one of them is alive: the usual answer,
        ~1 ms for three layers of 500 units), then on all the points for a layer that looked
        dead there.
        """
        if self.net.activation != "relu" or not self.n_train:
            return None
        dead = self._dead_layer(self.X_train[:HEALTH_SAMPLE])
        if dead is not None and self.n_train > HEALTH_SAMPLE:
            dead = self._dead_layer(self.X_train)
        if dead is None:
            return None
        layer, units = dead
        who = "The only unit" if units == 1 else f"All {units} units"
        return (
            f"{who} of hidden layer {layer} {'is' if units == 1 else 'are'} dead (zero on "
            "every training point): nothing can learn. Lower the learning rate and Reset."
        )

    def _dead_layer(self, X):
        """(layer, units) of the first hidden layer whose units are all <= 0 on every row
        of X, or None."""
        a = X.astype(np.float32)
        for layer, (W, b) in enumerate(zip(self.net.coefs[:-1], self.net.intercepts), start=1):
            z = a @ W.astype(np.float32)
            z += b.astype(np.float32)
            if not (z > 0).any():
                return layer, W.shape[1]
            a = self.net.act.formula(z)  # the table's relu
        return None

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
                self.optimizer.state(self._settings),
                self._batch_state(),
                self._clipped,
            )
        )
        self._clipped = 0
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
        self.optimizer.load_state(snap.velocity)
        self.step_count = snap.step
        self.samples_seen = round(snap.epoch * self.n_train)
        self.grad_norm = snap.grad_norm
        self._clipped = 0  # the snapshot was taken with the count just zeroed
        self.history.truncate(index)
        self.message = None
        self._restart_guard()
        if snap.batches is None:
            self._reseed()
        else:
            self._restore_batches(snap.batches)

    def flip_unit_sign(self, layer, unit, compensate=False):
        """Flip a hidden unit's incoming weights and bias, and with ``compensate`` its
        outgoing weights too (``Network.flip_unit_sign``); their velocity flips with them, so
        momentum does not carry the old direction back."""
        self.net.flip_unit_sign(layer, unit, compensate)
        mask = self.net.unit_param_mask(layer, unit, outgoing=compensate)
        self.optimizer.velocity[mask] *= -1.0  # Adam's second moment is even in g: kept
        self._restart_guard()
        self.record()

    def set_parameter(self, layer, row, col, value):
        """Set one weight W^layer[row, col], or the bias b^layer[col] when row is None."""
        if not math.isfinite(value):
            raise ValueError(f"a weight must be a finite number, got {value!r}")
        if row is None:
            self.net.intercepts[layer - 1][col] = value
        else:
            self.net.coefs[layer - 1][row, col] = value
        self._restart_guard()
        self.record()
