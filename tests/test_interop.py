"""Array-likes in, the same kind out: pandas keeps index and columns, DLPack producers are read
without a copy, unknown array-likes come back as ndarrays, NumPy input is untouched by the
routing."""

import numpy as np
import pytest

import fastact as fa


class DLPackOnly:
    """An array that offers nothing but the DLPack protocol."""

    def __init__(self, a):
        self._a = a

    def __dlpack__(self, **kwargs):
        return self._a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


def test_dlpack_input_is_read_without_a_copy_and_gives_an_ndarray():
    a = np.linspace(-3, 3, 9, dtype=np.float32)
    y = fa.gelu(DLPackOnly(a))
    assert type(y) is np.ndarray
    np.testing.assert_array_equal(y, fa.gelu(a))
    out = np.empty_like(a)
    assert fa.sigmoid(DLPackOnly(a), out=out) is out
    np.testing.assert_array_equal(fa.tanh.backward(DLPackOnly(a), DLPackOnly(a)), fa.tanh.backward(a, a))


def test_objects_numpy_reads_itself_still_work():
    np.testing.assert_array_equal(fa.relu(memoryview(np.array([-1.0, 2.0]))), [0.0, 2.0])
    with pytest.raises((TypeError, ValueError), match="x"):
        fa.relu(object())


def test_pandas_keeps_index_and_columns():
    pd = pytest.importorskip("pandas")
    s = pd.Series([-1.0, 0.0, 2.0], index=["a", "b", "c"], name="z")
    y = fa.relu(s)
    assert isinstance(y, pd.Series) and list(y.index) == ["a", "b", "c"] and y.name == "z"
    np.testing.assert_array_equal(y.to_numpy(), [0.0, 0.0, 2.0])
    df = pd.DataFrame(np.arange(6.0).reshape(2, 3) - 2, columns=["x", "y", "z"], index=[10, 20])
    sm = fa.softmax(df, axis=1)
    assert isinstance(sm, pd.DataFrame) and list(sm.columns) == ["x", "y", "z"] and list(sm.index) == [10, 20]
    np.testing.assert_array_equal(sm.to_numpy(), fa.softmax(df.to_numpy(), axis=1))
    value, slope = fa.gelu.value_and_derivative(df)
    assert isinstance(slope, pd.DataFrame)
    halved = fa.glu(df.iloc[:, :2], axis=1)  # another shape: an ndarray, as NumPy gives
    assert type(halved) is np.ndarray
    with pytest.raises(TypeError, match="out="):
        fa.relu(df, out=df)
