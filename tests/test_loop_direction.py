"""The elementwise loops walk down instead of up where an output starts a little past an input
modulo 4 KiB (cpp/src/prefetch.h, store_then_load_aliases): the same bits either way, for every
op and call form, with a partial vector at the end."""

import numpy as np

from support import backward_x, float32_bit_sweep, float64_sweep

# 1021 elements: no vector width divides it, so each walk has its partial vector.
N = 1021


def placed(values, offset):
    """A copy of ``values`` starting at ``offset`` bytes past a 4096-byte boundary."""
    raw = np.zeros(values.nbytes + 2 * 4096, np.uint8)
    start = (offset - raw.ctypes.data) % 4096
    view = raw[start:start + values.nbytes].view(values.dtype)
    view[...] = values
    assert view.ctypes.data % 4096 == offset
    return view


def inputs(dtype):
    x = float32_bit_sweep(stride=4_200_013) if dtype == np.float32 else float64_sweep(N)
    x = np.resize(x.astype(dtype), N)
    # NaNs of both signs and another payload, every 97th element: a NaN result's sign and payload
    # must not depend on the walk either
    nan_bits = np.array([0x7FC00000, 0xFFC00000, 0x7FC12345], np.uint32) if dtype == np.float32 else \
        np.array([0x7FF8000000000000, 0xFFF8000000000000, 0x7FF8000012345678], np.uint64)
    x[::97] = np.resize(nan_bits.view(dtype), x[::97].size)
    return x, np.cos(np.arange(N)).astype(dtype)


# (input offset, output offset): the inputs at 0, the outputs at the same offset (walks up), 64
# bytes past it (out - in in the window: walks down) and 64 bytes before it (walks up).
WALKS = {"up, same offset": 0, "down": 64, "up, output before": 4096 - 64}


def results(op, x, g, out_offset):
    """Every call form with its outputs at out_offset, the inputs at offset 0."""
    dtype = x.dtype
    x, g = placed(x, 0), placed(g, 0)

    def out():
        return placed(np.zeros(N, dtype), out_offset)

    found = {"forward": op(x, out=out()), "derivative": op.derivative(x, out=out())}
    y, d = out(), out()
    op.value_and_derivative(x, out=(y, d))
    found["value_and_derivative"] = np.concatenate([y, d])
    if op.spec.learnable:
        found["backward"] = backward_x(op, g, x)
    else:
        found["backward"] = op.backward(g, x, out=out())
        if op.has_output_backward:
            found["backward from y"] = op.backward(g, y=placed(op(x), 0), out=out())
    return found


def test_walking_down_gives_the_bits_of_walking_up(op, dtype):
    x, g = inputs(dtype)
    by_walk = {walk: results(op, x, g, offset) for walk, offset in WALKS.items()}
    reference = by_walk["up, same offset"]
    for walk, found in by_walk.items():
        for form, values in found.items():
            np.testing.assert_array_equal(values.view(np.uint8), reference[form].view(np.uint8),
                                          err_msg=f"{op.label} {form}, {walk}")
