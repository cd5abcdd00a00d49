"""NumPy input for the ops written in Python (logsumexp, the probability losses, rrelu), with the
core's dtype rules: floating dtypes (bfloat16 included) kept, bool and integers read as float64,
anything else a TypeError naming the argument."""

from __future__ import annotations

import numpy as np


def real_array(value, owner: str, name: str) -> np.ndarray:
    a = np.asarray(value)
    if a.dtype.kind == "f" or a.dtype.name == "bfloat16":
        return a
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    raise TypeError(f"{owner}: {name} must be an array of real numbers, got dtype {a.dtype}")
