"""Type stubs for fastact's compiled core (private: use the fastact package).

The kernel entry points return False, having written nothing, when the buffers are not all
contiguous in one order or an output partially overlaps an input; the caller then retries with
contiguous copies.
"""

import numpy as np

def op_table() -> list[tuple[str, int, bool, bool]]: ...
def unary(op: int, kind: int, x: np.ndarray, out: np.ndarray, a: float, b: float) -> bool: ...
def backward(
    op: int, from_output: bool, g: np.ndarray, x: np.ndarray, out: np.ndarray, a: float, b: float
) -> bool: ...
def value_and_derivative(op: int, x: np.ndarray, y: np.ndarray, d: np.ndarray, a: float, b: float) -> bool: ...
def prelu(
    kind: int, x: np.ndarray, g: np.ndarray, alpha: np.ndarray, out: np.ndarray, outer: int, channels: int, inner: int
) -> None: ...
def backward_with_param(
    op: int, g: np.ndarray, x: np.ndarray, gx: np.ndarray, gp: np.ndarray, a: float, b: float
) -> bool: ...
def rowwise(
    kind: int, x: np.ndarray, out: np.ndarray, outer: int, len: int, inner: int, safe: bool
) -> bool: ...
def rowwise_backward(
    kind: int, g: np.ndarray, y: np.ndarray, out: np.ndarray, outer: int, len: int, inner: int
) -> bool: ...
def gated_forward(
    op: int, x: np.ndarray, out: np.ndarray, outer: int, half: int, gate_first: bool, a: float, b: float
) -> None: ...
def gated_backward(
    op: int, g: np.ndarray, x: np.ndarray, out: np.ndarray, outer: int, half: int, gate_first: bool, a: float, b: float
) -> None: ...
def bias_unary(
    op: int, kind: int, x: np.ndarray, bias: np.ndarray, out: np.ndarray, rows: int, cols: int, a: float, b: float
) -> None: ...
def bias_backward(
    op: int,
    g: np.ndarray,
    x: np.ndarray,
    bias: np.ndarray,
    out: np.ndarray,
    gbias: np.ndarray,
    rows: int,
    cols: int,
    a: float,
    b: float,
) -> None: ...
def cpu_info() -> dict[str, object]: ...
def set_isa(name: str) -> None: ...
