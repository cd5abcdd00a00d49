"""pytest-benchmark: the integrations of issue 15.

- One training step (forward, cross-entropy, backward, SGD) of an MLP on scikit-learn's digits
  (1797 x 64, hidden layers of 512), full batch, float32: fastact.torch's GELU and
  CrossEntropyLoss against PyTorch's own modules, same weights.
- fastact.gelu and fastact.softmax (along a split axis) over a 512 MiB Dask array on a local
  cluster of two worker processes (one thread each), against NumPy-backed Dask (``da.tanh``,
  a ufunc, as the baseline a Dask user has).

    pytest benchmarks/test_integrations.py --benchmark-group-by=group
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
datasets = pytest.importorskip("sklearn.datasets")

import fastact as fa  # noqa: E402
import fastact.torch as ft  # noqa: E402


def _model(activation):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 512), activation, torch.nn.Linear(512, 512),
                               type(activation)() if not isinstance(activation, ft.GELU) else ft.GELU(),
                               torch.nn.Linear(512, 10))


@pytest.fixture(scope="module")
def digits():
    data = datasets.load_digits()
    return torch.tensor(data.data / 16.0, dtype=torch.float32), torch.tensor(data.target)


@pytest.mark.parametrize("library", ["fastact", "pytorch"])
def test_training_step(benchmark, digits, library):
    x, y = digits
    model = _model(ft.GELU() if library == "fastact" else torch.nn.GELU())
    loss_fn = ft.CrossEntropyLoss() if library == "fastact" else torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    benchmark.group = "training-step-digits-mlp"
    benchmark.pedantic(step, rounds=30, iterations=1, warmup_rounds=3)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as c, distributed.Client(c) as client:
        yield client


@pytest.mark.parametrize("what", ["fastact.gelu", "fastact.softmax-split-axis", "dask.tanh"])
def test_dask_throughput(benchmark, cluster, what):
    import dask.array as da

    x = da.random.RandomState(0).standard_normal((16384, 8192), chunks=(1024, 4096)).astype(np.float32)
    x = cluster.persist(x)
    from dask.distributed import wait

    wait(x)
    f = {"fastact.gelu": fa.gelu, "fastact.softmax-split-axis": lambda a: fa.softmax(a, axis=1),
         "dask.tanh": da.tanh}[what]
    benchmark.group = "dask-512MiB-two-workers"
    benchmark.extra_info["bytes"] = x.nbytes
    benchmark.pedantic(lambda: cluster.compute(f(x).sum()).result(), rounds=3, iterations=1, warmup_rounds=1)
