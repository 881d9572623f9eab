"""Train our engine as TensorFlow Playground trains, on its own datasets, and compare.

TF Playground's defaults: 2 hidden layers of 4 and 2 tanh units (6 x 8 on the spiral), learning
rate 0.03, batch 10, squared error (o - t)^2 / 2 on labels +1/-1, weights U(-0.5, 0.5), biases
0.1, half the points for training, noise 0. Its own runs reach test loss < 0.1 on circle at
epoch 28-62, on xor at epoch 4-13, and on the spiral with 6 x 8 at 354-1595 epochs
(shared/reference/tf-playground.md). One difference stays: its output unit is tanh, ours is
linear (the lecture's F(x) = z); the loss is the same squared error on +1/-1.

    python benchmarks/tfp_parity.py [--seeds 5] [--max-epochs 2000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from threadpoolctl import threadpool_limits  # noqa: E402

from engine import Network, Trainer, datasets  # noqa: E402

CHECKPOINTS = (1, 10, 50, 100, 1000)
# (dataset, hidden layers, activation, TF Playground's epochs to < 0.1 as measured there)
SETUPS = (
    ("tfp_circle", (4, 2), "tanh", "28-62"),
    ("tfp_xor", (4, 2), "tanh", "(not measured)"),
    ("tfp_xor", (8,), "relu", "4-13"),
    ("tfp_spiral", (8, 8, 8, 8, 8, 8), "tanh", "354-1595"),
)


def run(name, hidden, activation, seed, max_epochs):
    X, y = datasets.make(name, 500, 0.0, seed)
    X_tr, X_te, y_tr, y_te = datasets.split(X, y, 0.5, seed)
    net = Network((2, *hidden, 1), activation, init="tfp", random_state=seed)
    trainer = Trainer(
        net,
        X_tr,
        y_tr,
        X_te,
        y_te,
        n_classes=2,
        loss="squared_error",
        learning_rate=0.03,
        batch_size=10,
        random_state=seed,
        history_capacity=0,
    )
    steps_per_epoch = -(-len(X_tr) // 10)
    losses, reached = {}, None
    start = time.perf_counter()
    for epoch in range(1, max_epochs + 1):
        trainer.step(steps_per_epoch)
        test_loss = trainer.metrics()["test_loss"]
        if epoch in CHECKPOINTS:
            losses[epoch] = test_loss
        if reached is None and test_loss < 0.1:
            reached = epoch
        if reached is not None and epoch >= max(c for c in CHECKPOINTS if c <= max_epochs):
            break
    return losses, reached, time.perf_counter() - start, epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--max-epochs", type=int, default=2000)
    args = parser.parse_args()
    threadpool_limits(1)
    print("test loss at epoch, and epochs to test loss < 0.1 (TF Playground's own in brackets)")
    header = "dataset      layers           " + "".join(f"{'ep ' + str(c):>9}" for c in CHECKPOINTS)
    print(header + "   epochs<0.1   [TFP]      s/run")
    for name, hidden, activation, theirs in SETUPS:
        reached_all = []
        for seed in range(args.seeds):
            losses, reached, seconds, _ = run(name, hidden, activation, seed, args.max_epochs)
            reached_all.append(reached)
            cells = "".join(f"{losses.get(c, float('nan')):9.3f}" for c in CHECKPOINTS)
            layers = "-".join(map(str, hidden)) + " " + activation
            reached_text = str(reached)
            print(f"{name:12} {layers:16} {cells}   {reached_text:>10}  [{theirs}] {seconds:6.1f}")
        got = [r for r in reached_all if r is not None]
        summary = f"{min(got)}-{max(got)}" if got else "never"
        print(
            f"  -> {name} {activation}: < 0.1 reached in {len(got)}/{len(reached_all)} runs, "
            f"epochs {summary} (TF Playground: {theirs})"
        )


if __name__ == "__main__":
    main()
