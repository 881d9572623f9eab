"""Which path the trainer's steps take, for tests that compare or pin them (not a test module)."""

from __future__ import annotations

import contextlib

from engine import trainer as trainer_module


@contextlib.contextmanager
def numpy_path():
    """Steps taken inside run in NumPy (what ENGINE_JIT=0 or a missing numba give)."""
    saved = trainer_module.compiled
    trainer_module.compiled = None
    try:
        yield
    finally:
        trainer_module.compiled = saved
