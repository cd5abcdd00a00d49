"""Dask arrays through every kind of op: lazy results, chunk-by-chunk results equal to the
single-array ones bit for bit, two-pass softmax / log_softmax / cross_entropy along a split axis,
and a real dask.distributed cluster of two worker processes with an array larger than one
worker's memory limit."""

import hashlib
import pickle

import numpy as np
import pytest

da = pytest.importorskip("dask.array")

import fastact as fa  # noqa: E402
from fastact.accuracy import ulp_error  # noqa: E402

RNG = np.random.default_rng(0)
X = (RNG.standard_normal((48, 40)) * 3).astype(np.float32)
G = RNG.standard_normal(X.shape).astype(np.float32)


def lazy(a, chunks=(16, 15)):
    return da.from_array(a, chunks=chunks)


def equal(ours, theirs):
    assert isinstance(ours, da.Array)
    got = ours.compute()
    assert got.dtype == np.asarray(theirs).dtype and got.shape == np.shape(theirs)
    np.testing.assert_array_equal(got, theirs)


@pytest.mark.parametrize("name", fa.ops("elementwise"))
def test_elementwise_ops_are_lazy_and_bit_for_bit(name):
    op = fa.get(name)
    equal(op(lazy(X)), op(X))
    equal(op.derivative(lazy(X)), op.derivative(X))
    r, expected = op.backward(lazy(G), lazy(X)), op.backward(G, X)
    if op.spec.learnable:
        equal(r[0], expected[0])
        np.testing.assert_allclose(r[1].compute(), expected[1], rtol=1e-6)
    else:
        equal(r, expected)
    v, d = op.value_and_derivative(lazy(X))
    equal(v, op(X))
    equal(d, op.derivative(X))


def test_backward_from_output_and_bias():
    y = fa.elu(X)
    equal(fa.elu.backward(lazy(G), y=lazy(y)), fa.elu.backward(G, y=y))
    bias = np.linspace(-1, 1, 40).astype(np.float32)
    gx, gb = fa.silu.backward(lazy(G), lazy(X), bias=bias)
    ex, eb = fa.silu.backward(G, X, bias=bias)
    equal(gx, ex)
    np.testing.assert_allclose(gb.compute(), eb, rtol=1e-6)
    equal(fa.silu(lazy(X), bias=bias), fa.silu(X, bias=bias))
    channel_bias = np.linspace(-1, 1, X.shape[0]).astype(np.float32)  # along axis 0, split in chunks
    gx, gb = fa.silu.backward(lazy(G), lazy(X), bias=channel_bias, axis=0)
    ex, eb = fa.silu.backward(G, X, bias=channel_bias, axis=0)
    equal(gx, ex)
    # each chunk's partial sum is rounded to float32 before the chunks are added
    magnitude = np.abs(ex.astype(np.float64)).sum(axis=1)
    assert np.all(np.abs(gb.compute() - eb.astype(np.float64)) <= 4 * np.finfo(np.float32).eps * magnitude)
    equal(fa.silu(lazy(X), bias=channel_bias, axis=0), fa.silu(X, bias=channel_bias, axis=0))


def test_nothing_is_computed_until_asked():
    calls = []
    x = lazy(X).map_blocks(lambda b: calls.append(1) or b, dtype=X.dtype, meta=np.empty((0, 0), X.dtype))
    y = fa.softmax(fa.gelu(x), axis=1)
    assert calls == [] and isinstance(y, da.Array)


@pytest.mark.parametrize("op", [fa.softmax, fa.log_softmax], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1])
def test_rowwise_along_a_split_axis_matches_one_array(op, axis):
    """Across chunks: two passes in float64, within the contract of the float64 reference (4 ULP
    per element in float32); within one chunk: bit for bit."""
    ours = op(lazy(X), axis=axis).compute()
    ref = op.reference(X.astype(np.float64), axis=axis)
    if op is fa.softmax:
        assert ulp_error(ours, ref).max() <= 4
    else:
        assert (np.abs(ours - ref) <= 4 * 2.0**-24 * np.maximum(1, np.abs(ref))).all()
    equal(op(lazy(X, (16, 40)), axis=1), op(X, axis=1))
    y = op(X, axis=axis)
    np.testing.assert_allclose(op.backward(lazy(G), lazy(y), axis=axis).compute(), op.backward(G, y, axis=axis),
                               rtol=1e-5, atol=1e-6)


def test_rowwise_special_rows_along_a_split_axis():
    x = np.zeros((4, 30), np.float32)
    x[0, 3] = np.nan
    x[1] = -np.inf
    x[2, [1, 20]] = np.inf
    for op in (fa.softmax, fa.log_softmax):
        np.testing.assert_array_equal(op(lazy(x, (2, 10)), axis=1).compute(), op(x, axis=1))
    np.testing.assert_array_equal(fa.softmax(lazy(x, (2, 10)), axis=1, safe=True).compute(),
                                  fa.softmax(x, axis=1, safe=True))


@pytest.mark.parametrize("kwargs", [{}, {"reduction": "sum"}, {"reduction": "none"}, {"label_smoothing": 0.1},
                                    {"weight": np.linspace(0.5, 2, 40), "ignore_index": 3}])
def test_cross_entropy_along_a_split_class_axis(kwargs):
    target = RNG.integers(0, 40, 48)
    ours, expected = fa.cross_entropy(lazy(X), target, **kwargs), fa.cross_entropy(X, target, **kwargs)
    assert isinstance(ours, da.Array)
    np.testing.assert_allclose(ours.compute(), expected, rtol=2e-6)
    np.testing.assert_allclose(fa.cross_entropy.backward(lazy(X), target, **kwargs).compute(),
                               fa.cross_entropy.backward(X, target, **kwargs), rtol=1e-5, atol=1e-8)
    q = fa.softmax(G)
    np.testing.assert_allclose(fa.cross_entropy(lazy(X), lazy(q)).compute(), fa.cross_entropy(X, q), rtol=2e-6)


def test_binary_cross_entropy_gated_and_prelu():
    t = (G > 0).astype(np.float32)
    pw = np.linspace(1, 3, 40)
    np.testing.assert_allclose(fa.binary_cross_entropy_with_logits(lazy(X), t, pos_weight=pw).compute(),
                               fa.binary_cross_entropy_with_logits(X, t, pos_weight=pw), rtol=1e-6)
    np.testing.assert_allclose(fa.binary_cross_entropy_with_logits.backward(lazy(X), t, pos_weight=pw).compute(),
                               fa.binary_cross_entropy_with_logits.backward(X, t, pos_weight=pw), rtol=1e-6)
    w = np.linspace(0.5, 2, 40)
    np.testing.assert_allclose(fa.binary_cross_entropy_with_logits(lazy(X), t, weight=w).compute(),
                               fa.binary_cross_entropy_with_logits(X, t, weight=w), rtol=1e-6)
    np.testing.assert_allclose(fa.binary_cross_entropy_with_logits.backward(lazy(X), t, weight=w).compute(),
                               fa.binary_cross_entropy_with_logits.backward(X, t, weight=w), rtol=1e-6)
    equal(fa.swiglu(lazy(X), axis=1), fa.swiglu(X, axis=1))
    equal(fa.glu.backward(lazy(G[:, :20], (16, 7)), lazy(X), axis=1), fa.glu.backward(G[:, :20], X, axis=1))
    alpha = np.linspace(0.1, 0.4, 40).astype(np.float32)
    equal(fa.prelu(lazy(X), alpha, axis=1), fa.prelu(X, alpha, axis=1))
    gx, ga = fa.prelu.backward(lazy(G), lazy(X), alpha, axis=1)
    ex, ea = fa.prelu.backward(G, X, alpha, axis=1)
    equal(gx, ex)
    np.testing.assert_allclose(ga.compute(), ea, rtol=1e-6)


def test_ops_pickle_to_workers_and_out_is_refused():
    for name in fa.ops():
        assert pickle.loads(pickle.dumps(fa.get(name))) is fa.get(name)
    with pytest.raises(TypeError, match="out="):
        fa.relu(lazy(X), out=np.empty_like(X))


def _digests(a):
    """One 64-bit digest per chunk (SHA-256 of its bytes), lazily: what a worker sends back."""
    def digest(b):
        return np.array([[int.from_bytes(hashlib.sha256(np.ascontiguousarray(b).tobytes()).digest()[:8], "little")]],
                        dtype=np.uint64)
    return a.map_blocks(digest, dtype=np.uint64, chunks=tuple((1,) * len(c) for c in a.chunks))


def test_on_a_cluster_of_two_worker_processes():
    """A 512 MiB float32 array through workers limited to 400 MiB each: every chunk's result, as a
    digest of its bytes, equals the digest of the same slice of one machine's result."""
    distributed = pytest.importorskip("dask.distributed")
    x = da.random.RandomState(0).standard_normal((16384, 8192), chunks=(512, 8192)).astype(np.float32)
    limit = 400 * 2**20
    assert x.nbytes > limit
    local = x.compute(scheduler="sync")
    expected = _digests(da.from_array(fa.gelu(local), chunks=x.chunks)).compute(scheduler="sync")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, memory_limit=limit,
                                  dashboard_address=None, silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        np.testing.assert_array_equal(client.compute(_digests(fa.gelu(x))).result(), expected)
        part = x[:2048, :4096].rechunk((512, 1024))
        s = client.compute(fa.softmax(part, axis=1)).result()
        assert ulp_error(s, fa.softmax.reference(local[:2048, :4096].astype(np.float64), axis=1)).max() <= 4


def test_softmin_stays_lazy():
    y = fa.softmin(lazy(X), axis=1)
    assert isinstance(y, da.Array)
    np.testing.assert_allclose(y.compute(), fa.softmin(X, axis=1), rtol=1e-6, atol=1e-9)
    gx = fa.softmin.backward(lazy(G), y, axis=1)
    assert isinstance(gx, da.Array)
    np.testing.assert_allclose(gx.compute(), fa.softmin.backward(G, fa.softmin(X, axis=1), axis=1), rtol=1e-5,
                               atol=1e-6)


def test_logsumexp_and_the_probability_losses_are_lazy():
    x = X.astype(np.float64)
    for axis, keepdims in ((1, False), (0, True), (None, False)):
        equal(fa.logsumexp(lazy(x), axis=axis, keepdims=keepdims), fa.logsumexp(x, axis=axis, keepdims=keepdims))
        g = np.ones(np.shape(fa.logsumexp(x, axis=axis, keepdims=keepdims)))
        equal(fa.logsumexp.backward(g, lazy(x), axis=axis, keepdims=keepdims),
              fa.logsumexp.backward(g, x, axis=axis, keepdims=keepdims))
    lp = fa.log_softmax(x, axis=1)
    t = np.arange(x.shape[0]) % x.shape[1]
    w = np.linspace(0.5, 2, x.shape[1])
    for kw in ({}, {"weight": w, "ignore_index": 3}, {"reduction": "sum"}, {"reduction": "none"}):
        ours = fa.nll_loss(lazy(lp), lazy(t, chunks=16), axis=1, **kw)
        assert isinstance(ours, da.Array)
        np.testing.assert_allclose(ours.compute(), fa.nll_loss(lp, t, axis=1, **kw), rtol=1e-13)
        if kw.get("reduction") != "none":
            np.testing.assert_allclose(fa.nll_loss.backward(lazy(lp), lazy(t, chunks=16), axis=1, **kw).compute(),
                                       fa.nll_loss.backward(lp, t, axis=1, **kw), rtol=1e-13)
    p = fa.softmax(x, axis=1)
    for reduction in ("mean", "batchmean", "sum"):
        np.testing.assert_allclose(fa.kl_div(lazy(lp), lazy(p), reduction=reduction).compute(),
                                   fa.kl_div(lp, p, reduction=reduction), rtol=1e-13)
        np.testing.assert_allclose(fa.kl_div.backward(lazy(lp), lazy(p), reduction=reduction).compute(),
                                   fa.kl_div.backward(lp, p, reduction=reduction), rtol=1e-13)
    np.testing.assert_allclose(fa.binary_cross_entropy(lazy(p), lazy(p), weight=w).compute(),
                               fa.binary_cross_entropy(p, p, weight=w), rtol=1e-13)
    np.testing.assert_allclose(fa.binary_cross_entropy.backward(lazy(p), lazy(p)).compute(),
                               fa.binary_cross_entropy.backward(p, p), rtol=1e-13)
    with pytest.raises(TypeError, match="rrelu"):
        fa.rrelu(lazy(x))
