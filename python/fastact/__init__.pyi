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
    def __call__(self, x: ArrayLike, /, *, out: np.ndarray | None = None, **params: float | str) -> Any: ...
    def derivative(self, x: ArrayLike, *, out: np.ndarray | None = None, **params: float | str) -> Any: ...
    def backward(
        self,
        g: ArrayLike,
        x: ArrayLike | None = None,
        *,
        y: ArrayLike | None = None,
        out: np.ndarray | None = None,
        **params: float | str,
    ) -> Any: ...
    def value_and_derivative(self, x: ArrayLike, **params: float | str) -> tuple[Any, Any]: ...
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

def ops() -> list[str]: ...
def get(name: str) -> Activation: ...
def cpu_info() -> dict[str, Any]: ...
