"""What an activation is like, computed from fastact's own kernels rather than typed in.

``properties(op)`` evaluates an elementwise op and its derivative densely in float64 and refines
the interesting points (the dip of GELU and SiLU, the peak of the derivative, the kinks) to full
precision; ``table()`` does it for every op. ``python -m fastact table`` prints the table.

Definitions (each column of the table):

- ``output_range``: (inf f, sup f) over the reals (the limits at -inf and +inf included).
- ``zero_centred``: f is odd, f(-x) = -f(x): its outputs are centred on 0 for centred inputs.
- ``monotonic``: f' >= 0 everywhere.
- ``smooth``: f' is continuous (C^1); ``kinks`` lists where it jumps.
- ``bounded``: whether f is bounded below and above.
- ``peak_derivative``: (max |f'|, the smallest x where it is reached).
- ``minimum``: (min f, x) where f has an interior minimum (GELU, SiLU, Mish dip below 0), else None.
- ``saturates``: the sides where f' -> 0 ("left", "right", "both" or "none"): a gradient through
  a saturated unit vanishes.
- ``dead_unit_risk``: f' is exactly 0 on a whole half-line, so a unit whose inputs all fall there
  never gets a gradient again (ReLU's dead units); a derivative that is only small is saturation.
- ``relative_cost``: time of f on 2^20 float32 elements over relu's, on this machine, one thread.
"""

from __future__ import annotations

import dataclasses
import math
import timeit
from typing import Optional

import numpy as np

# The dense grid the properties are read from: every 1/1024 over [-20, 20] (beyond it every op is
# on its asymptote to float64 precision or linear), plus the far tails for the limits.
_GRID = np.arange(-20 * 1024, 20 * 1024 + 1) / 1024.0
_FAR = 1e8  # where the limits at +-inf are read (f'(+-_FAR) is 0 or the asymptotic slope)
_FLAT = 1e-12  # |f'| below this at _FAR: the side saturates


@dataclasses.dataclass(frozen=True)
class Properties:
    """The properties of one op (see the module docstring for each definition)."""

    name: str
    output_range: tuple
    zero_centred: bool
    monotonic: bool
    smooth: bool
    kinks: tuple
    bounded: tuple  # (below, above)
    peak_derivative: tuple  # (value, x)
    minimum: Optional[tuple]  # (value, x) or None
    saturates: str
    dead_unit_risk: bool
    relative_cost: Optional[float]

    def as_row(self) -> dict:
        """The properties as plain values (floats rounded for reading), for tables and JSON."""
        def r(v):
            return None if v is None else float(f"{v:.6g}")

        return {
            "op": self.name,
            "range": [r(self.output_range[0]), r(self.output_range[1])],
            "zero-centred": self.zero_centred,
            "monotonic": self.monotonic,
            "smooth": self.smooth,
            "kinks": [r(k) for k in self.kinks],
            "bounded below": self.bounded[0],
            "bounded above": self.bounded[1],
            "peak slope": r(self.peak_derivative[0]),
            "at x": r(self.peak_derivative[1]),
            "minimum": None if self.minimum is None else r(self.minimum[0]),
            "min at x": None if self.minimum is None else r(self.minimum[1]),
            "saturates": self.saturates,
            "dead-unit risk": self.dead_unit_risk,
            **({} if self.relative_cost is None else {"cost vs relu": float(f"{self.relative_cost:.3g}")}),
        }


def _bisect(g, lo: float, hi: float) -> float:
    """The x in [lo, hi] where the sign of g changes (g(lo), g(hi) of opposite signs), to the last bit."""
    g_lo = g(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if (g(mid) > 0) == (g_lo > 0):
            lo, g_lo = mid, g(mid)
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _golden_max(h, lo: float, hi: float) -> float:
    """The x of the maximum of a unimodal h on [lo, hi] (golden-section search)."""
    ratio = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(120):
        if h(c) >= h(d):
            b, d = d, c
            c = b - ratio * (b - a)
        else:
            a, c = c, d
            d = a + ratio * (b - a)
    return 0.5 * (a + b)


def _scalar(fn):
    return lambda x: float(fn(np.float64(x)))


def _jump(d_scalar, lo: float, hi: float) -> Optional[float]:
    """Where f' jumps inside [lo, hi], found by halving the interval towards the side whose end
    differs from the middle; None if the difference vanishes as the interval shrinks (a steep but
    continuous f')."""
    d_lo, d_hi = d_scalar(lo), d_scalar(hi)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        d_mid = d_scalar(mid)
        if abs(d_mid - d_lo) < abs(d_mid - d_hi):
            lo, d_lo = mid, d_mid
        else:
            hi, d_hi = mid, d_mid
    return round(0.5 * (lo + hi), 9) + 0.0 if abs(d_hi - d_lo) > 1e-6 else None


def properties(op, cost: bool = True) -> Properties:
    """The properties of the elementwise op ``op`` (an op object or its name), from its kernels.

    >>> p = fa.analysis.properties("gelu", cost=False)
    >>> round(p.minimum[0], 4), round(p.minimum[1], 4)     # GELU's dip: min x Phi(x)
    (-0.17, -0.7518)
    >>> fa.analysis.properties("sigmoid", cost=False).peak_derivative    # sigmoid' = s (1 - s)
    (0.25, 0.0)
    """
    from . import get, relu

    op = get(op) if isinstance(op, str) else op
    x = _GRID
    f, d = op(x), op.derivative(x)
    f_scalar, d_scalar = _scalar(op), _scalar(op.derivative)
    limits = [f_scalar(-np.inf), f_scalar(np.inf)]
    slopes = [d_scalar(-_FAR), d_scalar(_FAR)]

    kinks = []
    for i in np.flatnonzero(np.abs(np.diff(d)) > 1e-2):  # f' moves by > 1e-2 between points 1/1024 apart
        kink = _jump(d_scalar, float(_GRID[i]), float(_GRID[i + 1]))
        if kink is not None and (not kinks or kink != kinks[-1]):  # a pole's jump spans two intervals
            kinks.append(kink)

    lowest = min(float(np.nanmin(f)), *limits)
    highest = max(float(np.nanmax(f)), *limits)
    monotonic = bool(np.all(d >= 0)) and slopes[0] >= 0 and slopes[1] >= 0

    # The dip: an interior minimum where f' crosses zero from below (smoothly, or by jumping at a
    # kink or pole: log1mexp's -inf at 0).
    minimum = None
    crossings = np.flatnonzero((d[:-1] < 0) & (d[1:] >= 0))
    if crossings.size:
        i = crossings[0]
        kink = next((k for k in kinks if _GRID[i] <= k <= _GRID[i + 1]), None)
        x_min = kink if kink is not None else _bisect(d_scalar, float(_GRID[i]), float(_GRID[i + 1]))
        minimum = (f_scalar(x_min), x_min)
        lowest = min(lowest, minimum[0])

    # The peak of |f'|, refined where f' is smooth around it; the smallest x that reaches it.
    magnitude = np.abs(d)
    i = int(np.argmax(magnitude))
    peak_x = float(_GRID[i])
    if 0 < i < len(_GRID) - 1 and magnitude[i - 1] < magnitude[i] and magnitude[i + 1] < magnitude[i]:
        peak_x = _golden_max(lambda t: abs(d_scalar(t)), float(_GRID[i - 1]), float(_GRID[i + 1]))
    elif i > 0 and magnitude[i - 1] < magnitude[i]:  # reached at a kink: the kink's x
        peak_x = next((k for k in kinks if _GRID[i - 1] <= k <= _GRID[i]), peak_x)
    peak = max(abs(d_scalar(peak_x)), float(magnitude[i]))
    if i in (0, len(_GRID) - 1):  # still growing at the grid's edge: the supremum is the limit there
        peak, peak_x = abs(slopes[0 if i == 0 else 1]), -np.inf if i == 0 else np.inf
    # A smooth maximum is located to about sqrt(eps) (f' is flat there): six decimals are exact.
    peak_x = round(peak_x, 6) + 0.0 if math.isfinite(peak_x) else peak_x

    saturates = {(True, True): "both", (True, False): "left", (False, True): "right", (False, False): "none"}[
        (abs(slopes[0]) < _FLAT, abs(slopes[1]) < _FLAT)]
    # exactly zero on a half-line: on every grid point to one side of some x, and at that infinity
    dead = bool((d[: len(d) // 4] == 0).all() and slopes[0] == 0) or bool((d[-len(d) // 4:] == 0).all() and slopes[1] == 0)

    relative = None
    if cost:
        sample = np.random.default_rng(0).standard_normal(1 << 20).astype(np.float32)
        out = np.empty_like(sample)
        from . import get_num_threads, set_num_threads

        threads = get_num_threads()
        set_num_threads(1)
        try:
            mine = min(timeit.repeat(lambda: op(sample, out=out), number=5, repeat=5))
            base = min(timeit.repeat(lambda: relu(sample, out=out), number=5, repeat=5))
        finally:
            set_num_threads(threads)
        relative = mine / base

    return Properties(
        name=getattr(op, "label", op.name),
        output_range=(lowest, highest),
        zero_centred=bool(np.array_equal(op(-x), -f)),
        monotonic=monotonic,
        smooth=not kinks,
        kinks=tuple(kinks),
        bounded=(math.isfinite(lowest), math.isfinite(highest)),
        peak_derivative=(peak, peak_x),
        minimum=minimum,
        saturates=saturates,
        dead_unit_risk=dead,
        relative_cost=relative,
    )


def table(ops=None, cost: bool = True) -> list:
    """``properties`` of every elementwise op (or of ``ops``, names or op objects), in catalogue order."""
    from . import ops as all_ops

    return [properties(op, cost) for op in (ops or all_ops("elementwise"))]


def _cell(v) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return "[" + ", ".join("-" if e is None else f"{e:g}" for e in v) + "]"
    return "-" if v is None else f"{v:g}" if isinstance(v, float) else str(v)


def _cells(rows: list) -> tuple:
    rows = [r.as_row() if isinstance(r, Properties) else r for r in rows]
    columns = list(rows[0]) if rows else []
    return columns, [[_cell(row[c]) for c in columns] for row in rows]


def markdown(rows: list) -> str:
    """A Markdown table of ``Properties`` (or of their ``as_row()`` dicts)."""
    columns, cells = _cells(rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in cells])


def text(rows: list) -> str:
    """The same table as plain text in aligned columns, for a terminal."""
    columns, cells = _cells(rows)
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(row) for row in cells])


# -- statistics of real activations --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class UnitStats:
    """Per-unit statistics of an activation over a batch (arrays of the units' shape)."""

    op: str
    samples: int
    inactive_fraction: np.ndarray  # fraction of samples with f'(z) == 0
    dead: np.ndarray  # inactive on every sample: no gradient ever reaches the unit's weights
    saturated_fraction: np.ndarray  # fraction of samples with |f'(z)| < tol
    mean: np.ndarray  # of f(z)
    std: np.ndarray  # of f(z)

    @property
    def dead_fraction(self) -> float:
        """The fraction of units that are dead."""
        return float(np.mean(self.dead)) if self.dead.size else float("nan")

    @property
    def saturated(self) -> float:
        """The fraction of (sample, unit) pairs that are saturated."""
        return float(np.mean(self.saturated_fraction)) if self.saturated_fraction.size else float("nan")


def unit_stats(z, op, axis: int = 0, tol: float = 1e-3) -> UnitStats:
    """Statistics of ``op`` on a batch of pre-activations ``z`` whose samples run along ``axis``
    (every other index is a unit): per unit, the fraction of samples where f' is exactly 0, whether
    that is all of them (a dead unit), the fraction where |f'| < ``tol`` (saturated), and the mean
    and standard deviation of f(z). One pass over z in the core, with the op's own kernels (its
    default parameters; ``fastact.get("gelu[tanh]")`` for a variant); z is never copied unless it
    needs converting, and nothing of its size is written.

    >>> z = np.array([[-1.0, 2.0], [-3.0, 0.5]])        # 2 samples of 2 units
    >>> s = fa.analysis.unit_stats(z, "relu")            # relu'(z) = 1 for z > 0, else 0
    >>> s.dead.tolist(), s.mean.tolist()
    ([True, False], [0.0, 1.25])
    """
    from . import _core, get

    op = get(op) if isinstance(op, str) else op
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.integer, np.floating)):
        raise TypeError(f"unit_stats: tol must be a real number, got {type(tol).__name__}")
    inactive, saturated, shifted, squares, origin, n, shape = _core.unit_stats(op, z, axis, float(tol))
    with np.errstate(invalid="ignore", divide="ignore"):  # no samples: NaN, silently
        mean_shift = shifted / n
        variance = np.maximum(squares / n - mean_shift * mean_shift, 0.0)
        return UnitStats(
            op=getattr(op, "label", op.name), samples=int(n),
            inactive_fraction=(inactive / n).reshape(shape), dead=((inactive == n) & (n > 0)).reshape(shape),
            saturated_fraction=(saturated / n).reshape(shape), mean=(origin + mean_shift).reshape(shape),
            std=np.sqrt(variance).reshape(shape))


# -- gradients through depth ----------------------------------------------------------------------

#: weight scales: the standard deviation of a width x width layer's entries, by initialisation
_INIT = {
    "he": lambda width: math.sqrt(2.0 / width),  # He et al. 2015, for ReLU-like units
    "xavier": lambda width: math.sqrt(1.0 / width),  # Glorot & Bengio 2010: 2 / (fan_in + fan_out)
    "lecun": lambda width: math.sqrt(1.0 / width),  # LeCun 1998, what SELU's self-normalisation assumes
}


@dataclasses.dataclass(frozen=True)
class GradientFlow:
    """Per-layer statistics of a deep MLP (layer 1 is next to the input, layer ``depth`` on top):
    the mean and standard deviation of each layer's activations f(z), and the norm of the
    gradient reaching each layer's output from a random upstream gradient at the top."""

    op: str
    init: str
    activation_mean: np.ndarray
    activation_std: np.ndarray
    gradient_norm: np.ndarray

    @property
    def decay(self) -> float:
        """The gradient norm at layer 1 over the norm at the top: below 1 it vanishes, above it explodes."""
        return float(self.gradient_norm[0] / self.gradient_norm[-1])


def gradient_flow(op, depth: int = 20, width: int = 256, init: str = "he", seed: int = 0, batch: int = 256,
                  dtype=np.float64) -> GradientFlow:
    """Builds a ``depth``-layer MLP of ``width`` units with activation ``op`` (no biases, weights
    drawn as ``init`` says: "he", "xavier" or "lecun"), runs a batch of standard normal inputs
    forward and a standard normal upstream gradient backward with fastact's kernels
    (``op`` and ``op.backward``), and returns the per-layer statistics: z_l = h_(l-1) W_l,
    h_l = f(z_l); g_(l-1) = (g_l * f'(z_l)) W_l^T.

    >>> flow = fa.analysis.gradient_flow("sigmoid", depth=10, width=64, init="xavier")
    >>> flow.decay < 1e-4      # at most 0.25 per layer: the vanishing gradient
    True
    """
    from . import get

    op = get(op) if isinstance(op, str) else op
    if init not in _INIT:
        raise ValueError(f"gradient_flow: init must be one of {', '.join(map(repr, _INIT))}, got {init!r}")
    for name, value in (("depth", depth), ("width", width), ("batch", batch)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"gradient_flow: {name} must be a positive int, got {value!r}")
    rng = np.random.default_rng(seed)
    scale = _INIT[init](width)
    weights = [(rng.standard_normal((width, width)) * scale).astype(dtype) for _ in range(depth)]
    h = rng.standard_normal((batch, width)).astype(dtype)
    pre, means, stds = [], [], []
    for w in weights:
        z = h @ w
        h = op(z)
        pre.append(z)
        means.append(float(np.mean(h)))
        stds.append(float(np.std(h)))
    g = rng.standard_normal((batch, width)).astype(dtype)
    norms = [0.0] * depth
    for layer in range(depth - 1, -1, -1):
        norms[layer] = float(np.linalg.norm(g))
        g = op.backward(g, pre[layer]) @ weights[layer].T
    return GradientFlow(getattr(op, "label", op.name), init, np.array(means), np.array(stds), np.array(norms))


def default_init(op) -> str:
    """The initialisation an op is usually trained with: "lecun" for selu, "he" for the ReLU-like
    ops (unbounded above), "xavier" for the rest (sigmoid, tanh, softsign, ...)."""
    from . import get

    op = get(op) if isinstance(op, str) else op
    if op.name == "selu":
        return "lecun"
    return "he" if properties(op, cost=False).output_range[1] == math.inf else "xavier"


def decay_table(ops=("sigmoid", "tanh", "relu", "gelu", "selu"), depths=(5, 10, 20, 50), width: int = 256,
                batch: int = 256, seed: int = 0) -> list:
    """For each op and depth: the textbook bound on how a gradient can shrink through that many
    layers (peak |f'| to the power of the depth, the weights aside) next to the measured decay
    of ``gradient_flow`` with the op's usual initialisation (``default_init``). Rows of dicts."""
    rows = []
    for op in ops:
        peak = properties(op, cost=False).peak_derivative[0]
        init = default_init(op)
        flow = gradient_flow(op, max(depths), width, init, seed, batch)
        for depth in depths:
            measured = float(flow.gradient_norm[max(depths) - depth] / flow.gradient_norm[-1])
            rows.append({"op": flow.op, "init": init, "depth": depth, "bound": peak ** depth, "measured": measured,
                         "activation std at depth": float(flow.activation_std[depth - 1])})
    return rows
