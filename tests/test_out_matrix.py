"""Every elementwise op (from the registry) x every method that takes out= x every kind of out=:
the answer without out= (for an out the result may go to), or the documented exception naming
out, and the inputs untouched either way."""

import numpy as np
import pytest

from support import unaligned

import fastact as fa

X = np.linspace(-4, 4, 24).reshape(4, 6)
G = np.linspace(0.5, 1.5, 24).reshape(4, 6)
B = np.linspace(-1, 1, 6)


def methods(op):
    """(label, call(out=...)) for each way op writes one output array."""
    found = [
        ("call", lambda out: op(X, out=out)),
        ("derivative", lambda out: op.derivative(X, out=out)),
        ("call bias=", lambda out: op(X, bias=B, out=out)),
        ("derivative bias=", lambda out: op.derivative(X, bias=B, out=out)),
    ]
    if not op.spec.learnable:  # (gx, gparam) results take no single out=
        found.append(("backward", lambda out: op.backward(G, X, out=out)))
        try:
            op.backward(G, y=op(X))
            found.append(("backward y=", lambda out: op.backward(G, y=op(X), out=out)))
        except (TypeError, ValueError):
            pass  # this op's backward needs x
    return found


CASES = [(name, label, call) for name in fa.variants() for label, call in methods(fa.get(name))]


# out kinds that take the result: (label, make out from the expected result's shape and dtype, read back)
ACCEPTED = [
    ("fresh", lambda: np.empty_like(X), lambda o: o),
    ("strided view", lambda: np.zeros((8, 12))[::2, 1::2], lambda o: o),
    ("fortran", lambda: np.asfortranarray(np.empty_like(X)), lambda o: o),
    ("big-endian", lambda: np.empty(X.shape, ">f8"), lambda o: o.astype("<f8")),
    ("unaligned", lambda: unaligned(np.empty_like(X)), lambda o: o),
]

# out kinds that are refused: (label, make out, exception, message)
REFUSED = [
    ("read-only", lambda: np.empty_like(X).copy(order="C").view(), ValueError, "out: array is read-only"),
    ("broadcast", lambda: np.broadcast_to(np.empty(6), X.shape), ValueError, "out"),
    ("wrong shape", lambda: np.empty((4, 5)), ValueError, "out: shape"),
    ("wrong dtype", lambda: np.empty(X.shape, np.float32), TypeError, "out: dtype"),
    ("float16", lambda: np.empty(X.shape, np.float16), TypeError, "out: dtype"),
    ("a list", lambda: [[0.0] * 6] * 4, TypeError, "out: expected a numpy.ndarray"),
]


@pytest.mark.parametrize("name, method, call", CASES, ids=[f"{n}-{m}" for n, m, _ in CASES])
def test_every_out_kind(name, method, call):
    keep = (X.copy(), G.copy(), B.copy())
    expected = call(None)
    for label, make, read in ACCEPTED:
        out = make()
        assert call(out) is out, label
        np.testing.assert_array_equal(read(out), expected, err_msg=label)
    for label, make, error, message in REFUSED:
        out = make()
        if label == "read-only":
            out.flags.writeable = False
        with pytest.raises(error, match=message):
            call(out)
    for before, now in zip(keep, (X, G, B)):
        assert before.tobytes() == now.tobytes()


@pytest.mark.parametrize("name", fa.variants())
@pytest.mark.parametrize("shift", [1, -1])
def test_out_overlapping_an_input_partially_either_way(name, shift):
    """out= a view of the same buffer as x, a few elements ahead or behind: the answer without out."""
    op = fa.get(name)
    buf = np.linspace(-4, 4, 40)
    x = buf[8:32]
    expected = op(x.copy())
    out = buf[8 + shift:32 + shift]
    assert op(x, out=out) is out
    np.testing.assert_array_equal(out, expected)
