"""The public ops: one OpSpec each, naming its compiled kernel (cpp/src/registry.h), its
parameters, its reference implementation and its documentation. fastact/__init__.py builds the
public objects from this list; the tests, ``python -m fastact check`` and the benchmarks
enumerate it. Adding an op: a struct in cpp/src/activations/, a line in the registry, a
reference in reference.py, and an entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from . import reference


@dataclass(frozen=True)
class Param:
    name: str
    default: float
    doc: str
    finite: bool = True  # reject +-inf as well as NaN


@dataclass(frozen=True)
class Choice:
    """A string parameter that selects the compiled kernel (gelu's ``approximate``)."""

    name: str
    default: str
    kernels: dict  # value -> registry kernel name
    doc: str


@dataclass(frozen=True)
class OpSpec:
    name: str
    kernel: str  # the registry name of the compiled kernel
    formula: str
    derivative: str
    example: str
    params: tuple = ()
    fixed: Optional[tuple] = None  # kernel parameters for a fixed case of another op (relu6)
    # a faster kernel for one value of one parameter: (kernel name, parameter name, value)
    special_kernel: Optional[tuple] = None
    # constraints between parameter values, enforced by the core on every call:
    # ("at_most", p, q): p <= q; ("nonzero", p, why): p != 0; ("nonnegative", p, why): p >= 0
    constraints: tuple = ()
    exact: bool = False  # piecewise linear: results are exact, not just within a few ULP
    kinks: tuple = ()  # where f' jumps (with the default parameters)
    # max |f'| where f' has an interior zero: there the derivative is held to an absolute error
    # of eps * peak_derivative instead of ULP (docs/numerics.md)
    peak_derivative: Optional[float] = None
    # constants of the kernel (with ``fixed``) the reference takes as keywords, rounded to the
    # array's dtype as the kernel rounds them: quick_gelu's 1.702
    reference_constants: tuple = ()
    learnable: Optional[str] = None  # the parameter backward() also returns a gradient for
    # backward(g, y=...) needs this parameter >= 0 (elu: with alpha < 0, y does not determine x)
    output_backward_nonnegative: Optional[str] = None
    notes: str = ""
    reference: Callable = field(init=False, repr=False)
    reference_derivative: Callable = field(init=False, repr=False)
    reference_param_derivative: Optional[Callable] = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "reference", getattr(reference, self.name))
        object.__setattr__(self, "reference_derivative", getattr(reference, self.name + "_derivative"))
        object.__setattr__(self, "reference_param_derivative", getattr(reference, self.name + "_param_derivative", None))

    @property
    def scalar_params(self) -> tuple:
        """The real-valued parameters (the kernel's numeric slots), without the choices."""
        return tuple(p for p in self.params if isinstance(p, Param))

    @property
    def choices(self) -> tuple:
        return tuple(p for p in self.params if isinstance(p, Choice))

    def kernel_names(self) -> set:
        """Every compiled kernel this op may run."""
        names = {self.kernel} | {k for c in self.choices for k in c.kernels.values()}
        return names | ({self.special_kernel[0]} if self.special_kernel else set())

    def variants(self) -> list:
        """Keyword parameters reaching each of the op's kernels through a choice: [{}] (the
        defaults) plus one dict per other value of each choice (gelu: approximate="tanh")."""
        return [{}] + [{c.name: v} for c in self.choices for v in c.kernels if v != c.default]

    def docstring(self) -> str:
        params = "".join(
            f"\n{p.name} : {'float' if isinstance(p, Param) else 'str'}, default {p.default!r}\n    {p.doc}"
            for p in self.params
        )
        output_backward = (
            "\n``backward(g, y=y)`` computes the same from the saved output y = f(x)." if "from y" in self.derivative else ""
        )
        return f"""{self.formula}

Derivative: {self.derivative}
{self.notes}
Parameters
----------
x : array_like
    Any shape (0-d and empty included), any strides. float32 and float64 compute natively;
    float16 computes in float32 and returns float16; bool and integers give float64.
out : ndarray, optional
    Where to write the result: same shape and dtype as the result; may be ``x`` itself.
bias : array_like, optional
    f(x + bias) in one pass, bias one value per entry of x's axis ``axis`` (or a scalar).
axis : int, optional
    The axis bias runs along (with ``bias=`` only; the last when not given): 1 for the channels
    of an NCHW batch.{params}

Also: ``{self.name}.derivative(x)`` = f'(x), ``{self.name}.backward(g, x)`` = g * f'(x),
``{self.name}.value_and_derivative(x)`` = (f(x), f'(x)) in one pass.{output_backward}

Example
-------
{self.example}
"""


OPS: tuple[OpSpec, ...] = (
    OpSpec(
        name="relu",
        kinks=(0.0,),
        kernel="relu",
        formula="Rectified linear unit: relu(x) = max(x, 0).",
        derivative="1 for x > 0, 0 for x <= 0 (relu'(0) = 0, as PyTorch).",
        exact=True,
        example=">>> import fastact as fa\n>>> fa.relu([-1.0, 0.0, 2.0])\narray([0., 0., 2.])",
    ),
    OpSpec(
        name="leaky_relu",
        kinks=(0.0,),
        kernel="leaky_relu",
        formula="Leaky ReLU: x for x > 0, alpha * x otherwise.",
        derivative="1 for x > 0, alpha for x <= 0 (leaky_relu'(0) = alpha, as PyTorch).",
        params=(Param("alpha", 0.01, "Slope for x <= 0 (rounded to the array's dtype)."),),
        exact=True,
        example=">>> fa.leaky_relu([-3.0, 2.0], alpha=0.01)\narray([-0.03,  2.  ])",
    ),
    OpSpec(
        name="hardtanh",
        kinks=(-1.0, 1.0),
        kernel="hardtanh",
        formula="Hard tanh: min(max(x, min_val), max_val).",
        derivative="1 for min_val < x < max_val, else 0 (0 at both bounds, as PyTorch).",
        params=(
            Param("min_val", -1.0, "Lower bound; may be -inf.", finite=False),
            Param("max_val", 1.0, "Upper bound, >= min_val; may be +inf.", finite=False),
        ),
        constraints=(("at_most", "min_val", "max_val"),),
        exact=True,
        example=">>> fa.hardtanh([-2.0, 0.5, 2.0])\narray([-1. ,  0.5,  1. ])",
    ),
    OpSpec(
        name="relu6",
        kinks=(0.0, 6.0),
        kernel="hardtanh",
        formula="ReLU6: min(max(x, 0), 6), i.e. hardtanh(x, 0, 6).",
        derivative="1 for 0 < x < 6, else 0 (0 at both bounds, as PyTorch).",
        fixed=(0.0, 6.0),
        exact=True,
        example=">>> fa.relu6([-1.0, 3.0, 7.0])\narray([0., 3., 6.])",
    ),
    OpSpec(
        name="threshold",
        kinks=(0.0,),
        kernel="threshold",
        formula="Threshold: x for x > threshold, value otherwise (PyTorch's F.threshold).",
        derivative="1 for x > threshold, 0 otherwise (0 at x = threshold, as PyTorch).",
        params=(
            Param("threshold", 0.0, "Where x is replaced (rounded to the array's dtype)."),
            Param("value", 0.0, "What replaces x <= threshold (rounded to the array's dtype)."),
        ),
        exact=True,
        example=">>> fa.threshold([-1.0, 0.5, 2.0], threshold=1.0, value=-5.0)\narray([-5., -5.,  2.])",
    ),
    OpSpec(
        name="hardshrink",
        kinks=(-0.5, 0.5),
        kernel="hardshrink",
        formula="Hard shrinkage: x for |x| > lambd, 0 otherwise.",
        derivative="1 for |x| > lambd, 0 otherwise (0 at x = +-lambd, as PyTorch).",
        params=(Param("lambd", 0.5, "Half-width of the zeroed band (rounded to the array's dtype)."),),
        exact=True,
        example=">>> fa.hardshrink([-1.0, 0.25, 0.75])\narray([-1.  ,  0.  ,  0.75])",
    ),
    OpSpec(
        name="softshrink",
        kinks=(-0.5, 0.5),
        kernel="softshrink",
        formula="Soft shrinkage: x - lambd for x > lambd, x + lambd for x < -lambd, 0 between.",
        derivative="1 for |x| > lambd, 0 otherwise (0 at x = +-lambd, as PyTorch).",
        params=(Param("lambd", 0.5, "Half-width of the zeroed band, >= 0 (rounded to the array's dtype)."),),
        constraints=(("nonnegative", "lambd", "the band's half-width"),),
        example=">>> fa.softshrink([-1.0, 0.25, 0.75])\narray([-0.5 ,  0.  ,  0.25])",
    ),
    OpSpec(
        name="squared_relu",
        kernel="squared_relu",
        formula="Squared ReLU (Primer): max(x, 0)^2, one rounding.",
        derivative="2 max(x, 0), exact (continuous at 0: squared_relu is C1, unlike relu).",
        example=">>> fa.squared_relu([-1.0, 0.5, 3.0])\narray([0.  , 0.25, 9.  ])",
    ),
    OpSpec(
        name="sparse_sigmoid",
        kinks=(-1.0, 1.0),
        kernel="sparse_sigmoid",
        formula="Sparse sigmoid (jax.nn.sparse_sigmoid): 0 for x <= -1, (x + 1) / 2 between, 1 for x >= 1.",
        derivative="1/2 for -1 < x < 1, else 0 (0 at both bounds, as hardsigmoid).",
        example=">>> fa.sparse_sigmoid([-2.0, 0.0, 0.5])\narray([0.  , 0.5 , 0.75])",
    ),
    OpSpec(
        name="sparse_plus",
        kernel="sparse_plus",
        formula="Sparse plus (jax.nn.sparse_plus): 0 for x <= -1, (x + 1)^2 / 4 between, x for x >= 1\n"
        "(a softplus-shaped curve from two polynomials; C1).",
        derivative="sparse_sigmoid(x): 0 for x <= -1, (x + 1) / 2 between, 1 for x >= 1.",
        example=">>> fa.sparse_plus([-2.0, 0.0, 3.0])\narray([0.  , 0.25, 3.  ])",
    ),
    OpSpec(
        name="squareplus",
        kernel="squareplus",
        formula="Squareplus (jax.nn.squareplus): (x + sqrt(x^2 + b)) / 2, a smooth ReLU without\n"
        "exponentials; computed as (b / 4) / ((sqrt(x^2 + b) - x) / 2) for x < 0 (no cancellation)\n"
        "and without forming x^2 (no overflow).",
        derivative="(1 + x / sqrt(x^2 + b)) / 2; for x < 0, squareplus(x) / sqrt(x^2 + b).",
        params=(Param("b", 4.0, "Curvature near 0, > 0 (rounded to the array's dtype)."),),
        constraints=(("nonnegative", "b", "sqrt(b) is the curve's width"), ("nonzero", "b", "b = 0 is relu")),
        example=">>> fa.squareplus([-1.0, 0.0, 1.0]).round(4)\narray([0.618, 1.   , 1.618])",
    ),
    OpSpec(
        name="sigmoid",
        kernel="sigmoid",
        formula="Logistic sigmoid: sigmoid(x) = 1 / (1 + exp(-x)), computed from exp(-|x|) so it never\n"
        "overflows. sigmoid(0) = 0.5, sigmoid(+inf) = 1, sigmoid(-inf) = 0.",
        derivative="sigmoid(x) * (1 - sigmoid(x)), computed as e / (1 + e)^2 with e = exp(-|x|), which keeps\n"
        "full relative accuracy in both tails; peak 0.25 at x = 0. Also available from y\n"
        "(y - y^2), which is as accurate as y allows: it loses relative accuracy where y -> 1.",
        example=">>> float(fa.sigmoid(0.0)), float(fa.sigmoid.derivative(0.0))\n(0.5, 0.25)",
    ),
    OpSpec(
        name="tanh",
        kernel="tanh",
        formula="Hyperbolic tangent: tanh(x) = (e^x - e^-x) / (e^x + e^-x), odd (tanh(-0.0) = -0.0),\n"
        "tanh(+-inf) = +-1. float32 on AVX-512 and the scalar path: one degree-5 polynomial per quarter\n"
        "binade of |x| on [1/16, 10) picked by a table lookup, the odd series below, 1 above. float64,\n"
        "and float32 on AVX2: x + x^3 P(x^2) for |x| < 0.5625 (full relative accuracy near 0) and\n"
        "1 - 2e / (1 + e), e = exp(-2|x|), above.",
        derivative="1 - tanh(x)^2, computed as 4e / (1 + e)^2 with e = exp(-2|x|) (accurate in the tails);\n"
        "peak 1 at x = 0. Also available from y (1 - y^2, one FMA), which loses relative accuracy\n"
        "where |y| -> 1.",
        example=">>> round(float(fa.tanh(1.0)), 4)\n0.7616",
    ),
    OpSpec(
        name="tanhshrink",
        kernel="tanhshrink",
        formula="Tanhshrink (torch.nn.Tanhshrink): x - tanh(x), without the plain difference's cancellation\n"
        "(it rounds to 0 near 0); odd (tanhshrink(-0.0) = -0.0). float64: x^3 Q(x^2) for |x| < 1 and\n"
        "(|x| - 1) + 2e / (1 + e), e = exp(-2|x|), above. float32: a series near 0 and one polynomial\n"
        "per quarter binade of |x| from a table (from 1/16 on AVX-512 and the scalar path, 1/2 on AVX2).",
        derivative="tanh(x)^2 (no cancellation).",
        example=">>> fa.tanhshrink([1e-3, 1.0, 4.0])\narray([3.33333200e-10, 2.38405844e-01, 3.00067070e+00])",
    ),
    OpSpec(
        name="elu",
        kinks=(0.0,),
        kernel="elu",
        formula="Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise (via expm1, accurate\n"
        "near 0). elu(-inf) = -alpha.",
        derivative="1 for x > 0, alpha * exp(x) for x <= 0 (elu'(0) = alpha, as PyTorch). Also available from y\n"
        "(y + alpha for y <= 0) when alpha >= 0.",
        params=(Param("alpha", 1.0, "Saturation value for x -> -inf is -alpha (rounded to the array's dtype)."),),
        output_backward_nonnegative="alpha",
        example=">>> fa.elu([-1.0, 2.0])\narray([-0.63212056,  2.        ])",
    ),
    OpSpec(
        name="selu",
        kinks=(0.0,),
        kernel="selu",
        formula="Scaled ELU: lambda * x for x > 0, lambda * alpha * (exp(x) - 1) otherwise, with the\n"
        "self-normalising constants alpha = 1.6732632423543772, lambda = 1.0507009873554805.",
        derivative="lambda for x > 0, lambda * alpha * exp(x) for x <= 0. Also available from y.",
        example=">>> fa.selu([0.0, 1.0])\narray([0.       , 1.05070099])",
    ),
    OpSpec(
        name="celu",
        kernel="celu",
        formula="Continuously differentiable ELU: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).",
        derivative="1 for x > 0, exp(x / alpha) for x <= 0 (celu'(0) = 1).",
        params=(Param("alpha", 1.0, "Nonzero scale (alpha = 0 is a ValueError); rounded to the array's dtype."),),
        constraints=(("nonzero", "alpha", "celu divides by it"),),
        example=">>> fa.celu([-1.0, 2.0], alpha=2.0)\narray([-0.78693868,  2.        ])",
    ),
    OpSpec(
        name="softsign",
        kernel="softsign",
        formula="Softsign: x / (1 + |x|); softsign(+-inf) = +-1.",
        derivative="1 / (1 + |x|)^2.",
        example=">>> fa.softsign([-1.0, 3.0])\narray([-0.5 ,  0.75])",
    ),
    OpSpec(
        name="hardsigmoid",
        kinks=(-3.0, 3.0),
        kernel="hardsigmoid",
        formula="Hard sigmoid (PyTorch's): relu6(x + 3) / 6, i.e. 0 for x <= -3, 1 for x >= 3, (x + 3) / 6 between.",
        derivative="1/6 for -3 < x < 3, else 0 (0 at both kinks, as PyTorch).",
        example=">>> fa.hardsigmoid([-4.0, 0.0, 1.5])\narray([0.  , 0.5 , 0.75])",
    ),
    OpSpec(
        name="hardswish",
        kinks=(-3.0, 3.0),
        kernel="hardswish",
        formula="Hard swish: x * relu6(x + 3) / 6, i.e. 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between.",
        derivative="(2x + 3) / 6 for -3 < x < 3, 0 for x <= -3, 1 for x >= 3 (hardswish'(-3) = 0, (3) = 1).",
        peak_derivative=1.5,
        example=">>> fa.hardswish([-4.0, 1.0, 4.0])  # x relu6(x + 3) / 6: -4 * 0 is -0.0\narray([-0.        ,  0.66666667,  4.        ])",
    ),
    OpSpec(
        name="silu",
        kernel="silu",
        formula="SiLU (swish with beta = 1): x * sigmoid(x); its minimum is -0.2785 at x = -1.2785.\n"
        "Accurate down to x = -88 and beyond, where x * sigmoid(x) is still a normal number.",
        derivative="sigmoid(x) * (1 + x * (1 - sigmoid(x))); zero at x = -1.2785 (absolute error there),\n"
        "peak 1.0998 at x = 2.3994.",
        peak_derivative=1.099839320128867,
        example=">>> fa.silu([-1.0, 2.0])\narray([-0.26894142,  1.76159416])",
    ),
    OpSpec(
        name="swish",
        kernel="swish",
        formula="Swish: x * sigmoid(beta * x); beta = 1 is SiLU, beta -> inf tends to ReLU.",
        derivative="sigmoid(z) * (1 + z * (1 - sigmoid(z))), z = beta * x. beta is learnable:\n"
        "swish.backward(g, x, beta=b) returns (gx, gbeta) with gbeta = sum(g * x^2 sigmoid'(beta x)),\n"
        "and swish.param_derivative(x, beta=b) gives x^2 sigmoid'(beta x) elementwise.",
        params=(Param("beta", 1.0, "Slope of the gate (learnable; rounded to the array's dtype)."),),
        learnable="beta",
        peak_derivative=1.099839320128867,
        example=">>> gx, gbeta = fa.swish.backward([1.0, 1.0], [-1.0, 2.0], beta=1.0)\n>>> round(float(gbeta), 4)\n0.6166",
    ),
    OpSpec(
        name="quick_gelu",
        kernel="swish",
        formula="QuickGELU (CLIP): x * sigmoid(1.702 * x), a sigmoid approximation of GELU; swish with\n"
        "beta = 1.702 rounded to the array's dtype (as x * torch.sigmoid(1.702 * x) rounds it).",
        derivative="sigmoid(z) * (1 + z * (1 - sigmoid(z))), z = 1.702 * x; peak 1.0998 at z = 2.3994.",
        fixed=(1.702, 0.0),
        reference_constants=(("beta", 1.702),),
        peak_derivative=1.099839320128867,
        example=">>> fa.quick_gelu([-1.0, 0.0, 1.0]).round(4)\narray([-0.1542,  0.    ,  0.8458])",
    ),
    OpSpec(
        name="softplus",
        kernel="softplus",
        special_kernel=("softplus_unit", "beta", 1.0),
        formula="Softplus, a smooth ReLU: log(1 + exp(beta x)) / beta, computed as\n"
        "(max(z, 0) + log1p(exp(-|z|))) / beta with z = beta x: stable for every x, no threshold switch.",
        derivative="sigmoid(beta x): never exactly 0.",
        params=(Param("beta", 1.0, "Sharpness, nonzero (rounded to the array's dtype)."),),
        constraints=(("nonzero", "beta", "softplus divides by it"),),
        example=">>> fa.softplus([-1.0, 0.0, 2.0])\narray([0.31326169, 0.69314718, 2.12692801])",
    ),
    OpSpec(
        name="log_sigmoid",
        kernel="log_sigmoid",
        formula="log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)): stable for very negative x\n"
        "(log_sigmoid(-inf) = -inf, log_sigmoid(+inf) = 0).",
        derivative="sigmoid(-x) = 1 - sigmoid(x).",
        example=">>> fa.log_sigmoid([-1.0, 0.0, 2.0])\narray([-1.31326169, -0.69314718, -0.12692801])",
    ),
    OpSpec(
        name="log1mexp",
        kinks=(0.0,),  # a pole: -inf there, f' = +-inf on either side
        kernel="log1mexp",
        formula="log1mexp: log(1 - exp(-|x|)) (jax.nn.log1mexp for x >= 0; TensorFlow Probability's for every\n"
        "x), as log(-expm1(-|x|)) below ln 2 and log1p(-exp(-|x|)) above (no cancellation in either);\n"
        "-inf at 0, -0.0 at +-inf.",
        derivative="sign(x) exp(-|x|) / (1 - exp(-|x|)) = sign(x) / expm1(|x|): +-inf at +-0.",
        example=">>> fa.log1mexp([1e-3, 0.5, 20.0])\narray([-6.90825524e+00, -9.32752130e-01, -2.06115362e-09])",
    ),
    OpSpec(
        name="mish",
        kernel="mish",
        formula="Mish: x * tanh(softplus(x)), computed as x n / (n + 2) with n = e^x (e^x + 2) (and the\n"
        "equivalent overflow-free form in e^-x for x > 0); its minimum is -0.3088 at x = -1.1924.",
        derivative="tanh(softplus(x)) + x sech^2(softplus(x)) sigmoid(x); zero at x = -1.1924 (absolute\n"
        "error there), peak 1.0885 at x = 1.4906.",
        peak_derivative=1.088498161251728,
        example=">>> fa.mish([-1.0, 2.0])\narray([-0.30340146,  1.94395896])",
    ),
    OpSpec(
        name="gelu",
        kernel="gelu",
        params=(
            Choice("approximate", "none", {"none": "gelu", "tanh": "gelu_tanh"},
                   '"none": x * Phi(x) exactly; "tanh": the tanh approximation (BERT/GPT-2, PyTorch\'s\n'
                   '    approximate="tanh"), evaluated as x * sigmoid(2u) so it has no 1 + tanh cancellation.'),
        ),
        formula="Gaussian error linear unit: gelu(x) = x * Phi(x), Phi the standard normal CDF\n"
        "(approximate=\"tanh\": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))). Computed from the\n"
        "Mills ratio, Phi(-a) = exp(-a^2/2) K(a), never as 1 + erf: accurate for x < -5 too, where\n"
        "1 + erf cancels; its minimum is -0.1700 at x = -0.7518.",
        derivative="Phi(x) + x phi(x) (tanh form: sigmoid(z) (1 + x z'(x) sigmoid(-z)), z = 2 sqrt(2/pi)\n"
        "(x + 0.044715 x^3)); zero at x = -0.7518 (absolute error there), peak 1.1289 at x = sqrt(2).",
        peak_derivative=1.128904145185155,  # Phi(sqrt 2) + sqrt 2 phi(sqrt 2): where gelu'' = phi (2 - x^2) vanishes
        example=">>> fa.gelu([-1.0, 0.0, 2.0])\narray([-0.15865525,  0.        ,  1.95449974])\n"
        ">>> fa.gelu([-1.0, 2.0], approximate=\"tanh\")\narray([-0.15880801,  1.95459769])",
    ),
)
