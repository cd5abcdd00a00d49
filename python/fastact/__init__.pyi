"""Type stubs for the public fastact API."""

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import accuracy as accuracy
from . import reference as reference

__version__: str

class Activation:
    name: str
    @property
    def parameters(self) -> dict[str, float | str]: ...
    @property
    def has_output_backward(self) -> bool: ...
    def __call__(
        self, x: ArrayLike, /, *, out: np.ndarray | None = None, bias: ArrayLike | None = None, **params: float | str
    ) -> Any: ...
    def derivative(
        self, x: ArrayLike, *, out: np.ndarray | None = None, bias: ArrayLike | None = None, **params: float | str
    ) -> Any: ...
    def backward(
        self,
        g: ArrayLike,
        x: ArrayLike | None = None,
        *,
        y: ArrayLike | None = None,
        out: np.ndarray | None = None,
        bias: ArrayLike | None = None,
        **params: float | str,
    ) -> Any: ...
    def value_and_derivative(
        self, x: ArrayLike, *, out: tuple[np.ndarray, np.ndarray] | None = None, **params: float | str
    ) -> tuple[Any, Any]: ...
    def param_derivative(self, x: ArrayLike, *, out: np.ndarray | None = None, **params: float | str) -> Any: ...
    def reference(self, x: ArrayLike, *, dtype: Any = None, **params: float | str) -> np.ndarray: ...
    def reference_derivative(self, x: ArrayLike, *, dtype: Any = None, **params: float | str) -> np.ndarray: ...

relu: Activation
leaky_relu: Activation
hardtanh: Activation
relu6: Activation
sigmoid: Activation
tanh: Activation
elu: Activation
selu: Activation
celu: Activation
softsign: Activation
hardsigmoid: Activation
hardswish: Activation
silu: Activation
swish: Activation
softplus: Activation
log_sigmoid: Activation
mish: Activation
gelu: Activation

class PReLU:
    name: str
    def __call__(self, x: ArrayLike, alpha: ArrayLike = 0.25, axis: int = 1, *, out: np.ndarray | None = None) -> Any: ...
    def derivative(self, x: ArrayLike, alpha: ArrayLike = 0.25, axis: int = 1, *, out: np.ndarray | None = None) -> Any: ...
    def backward(self, g: ArrayLike, x: ArrayLike, alpha: ArrayLike = 0.25, axis: int = 1) -> tuple[Any, Any]: ...
    def reference(self, x: ArrayLike, alpha: ArrayLike = 0.25, axis: int = 1) -> np.ndarray: ...
    def reference_derivative(self, x: ArrayLike, alpha: ArrayLike = 0.25, axis: int = 1) -> np.ndarray: ...

prelu: PReLU

class _RowOp:
    name: str
    def backward(self, g: ArrayLike, y: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None) -> Any: ...
    def reference_backward(self, g: ArrayLike, y: ArrayLike, axis: int = -1) -> np.ndarray: ...

class Softmax(_RowOp):
    def __call__(
        self, x: ArrayLike, axis: int = -1, *, safe: bool = False, out: np.ndarray | None = None
    ) -> Any: ...
    def reference(self, x: ArrayLike, axis: int = -1, safe: bool = False) -> np.ndarray: ...

class LogSoftmax(_RowOp):
    def __call__(self, x: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None) -> Any: ...
    def reference(self, x: ArrayLike, axis: int = -1) -> np.ndarray: ...

softmax: Softmax
log_softmax: LogSoftmax

class CrossEntropy:
    name: str
    def __call__(
        self,
        logits: ArrayLike,
        target: ArrayLike,
        axis: int = -1,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
        weight: ArrayLike | None = None,
        ignore_index: int | None = None,
    ) -> Any: ...
    def backward(
        self,
        logits: ArrayLike,
        target: ArrayLike,
        axis: int = -1,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
        weight: ArrayLike | None = None,
        ignore_index: int | None = None,
        g: ArrayLike | None = None,
    ) -> np.ndarray: ...

class BinaryCrossEntropyWithLogits:
    name: str
    def __call__(
        self, logits: ArrayLike, target: ArrayLike, reduction: str = "mean", pos_weight: ArrayLike | None = None
    ) -> Any: ...
    def backward(
        self,
        logits: ArrayLike,
        target: ArrayLike,
        reduction: str = "mean",
        pos_weight: ArrayLike | None = None,
        g: ArrayLike | None = None,
    ) -> np.ndarray: ...

cross_entropy: CrossEntropy
binary_cross_entropy_with_logits: BinaryCrossEntropyWithLogits

class Gated:
    name: str
    formula: str
    def __call__(self, x: ArrayLike, axis: int = -1, *, out: np.ndarray | None = None, **params: float | str) -> Any: ...
    def backward(self, g: ArrayLike, x: ArrayLike, axis: int = -1, **params: float | str) -> Any: ...
    def reference(self, x: ArrayLike, axis: int = -1, **params: float | str) -> np.ndarray: ...

glu: Gated
swiglu: Gated
geglu: Gated
reglu: Gated

def ops() -> list[str]: ...
def get(name: str) -> Activation: ...
def cpu_info() -> dict[str, Any]: ...
def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
