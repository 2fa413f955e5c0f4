"""A network too large for the device is refused before anything is built.

And an allocator failure while building or training is reported as the same
error, leaving the estimator unfitted.
"""

import os
import re
import time

import numpy as np
import pytest
import torch
from torch import nn

from skneuro import _engine
from skneuro._engine import memory
from skneuro._engine.memory import (
    NetworkTooLargeError,
    available_memory,
    check_network_size,
    training_memory,
)
from skneuro.neural_network import MLPClassifier, SmallCNN
from skneuro.neural_network._modules import GoogLeNetModule, MLPModule

ALLOCATOR_FAILURES = [
    torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"),
    RuntimeError(
        "[enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: can't "
        "allocate memory: you tried to allocate 32000000000 bytes."
    ),
    MemoryError(),
]


@pytest.fixture
def no_build(monkeypatch, no_training):
    """Fail the test if a network is built (or starts training)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the network was built although it cannot fit")

    monkeypatch.setattr(_engine.TrainingNet, "initialize_module", refuse)


def _images(n=20, side=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, side, side)), np.arange(n) % 3


# -- the estimate -----------------------------------------------------------
def test_estimate_of_a_small_mlp_is_the_hand_count():
    # 4 -> 8 -> 3: weights 32 + 24, biases 8 + 3: 67 float32, 268 bytes.
    kwargs = {"n_features": 4, "hidden_units": (8,), "n_outputs": 3}
    adam = training_memory(
        MLPModule,
        kwargs,
        torch.optim.Adam,
        {"fused": True},
        criterion=nn.CrossEntropyLoss,
        several_batches=False,
    )
    assert (adam.n_parameters, adam.trainable, adam.frozen, adam.buffers) == (
        67,
        268,
        0,
        0,
    )
    assert adam.state_copies == 2
    # The analytic step's float64 copies of all 67 parameters, and the
    # float64 gradient of the largest weight (32 elements).
    assert adam.workspace == 67 * 8 + 32 * 8 == 792
    # Weights, gradients, two moments; a checkpoint of two state-less copies
    # (one batch per epoch); the workspace.
    assert adam.held == 268 * 4
    assert adam.checkpoint == 268 * 2
    assert adam.total == 268 * 4 + 268 * 2 + 792 == 2400

    # Several batches: the last epoch's copy holds the moments too.
    several = training_memory(
        MLPModule, kwargs, torch.optim.Adam, criterion=nn.CrossEntropyLoss
    )
    assert several.total == 268 * 4 + 268 * (1 + 3) + max(792, 268) == 2936
    # SGD keeps no state without momentum, one copy with it.
    sgd = training_memory(
        MLPModule, kwargs, torch.optim.SGD, criterion=nn.CrossEntropyLoss
    )
    assert sgd.total == 268 * 2 + 268 * 2 + 792 == 1864
    momentum = training_memory(
        MLPModule,
        kwargs,
        torch.optim.SGD,
        {"momentum": 0.9},
        criterion=nn.CrossEntropyLoss,
    )
    assert momentum.total == 268 * 3 + 268 * 3 + 792 == 2400
    # The penalty's term costs the analytic step one more float64 layer.
    penalized = training_memory(
        MLPModule, kwargs, torch.optim.SGD, criterion=nn.CrossEntropyLoss, alpha=1e-3
    )
    assert penalized.workspace == 792 + 32 * 8
    # Through autograd (another loss): one gradient of the largest weight,
    # less than the checkpoint copy being renewed.
    autograd = training_memory(MLPModule, kwargs, torch.optim.Adam)
    assert autograd.workspace == 32 * 4
    assert autograd.total == 268 * 4 + 268 * 4 + 268 == 2412


def test_estimate_counts_frozen_parameters_and_buffers():
    class Frozen(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = nn.Linear(4, 8).requires_grad_(False)  # 40 floats
            self.norm = nn.BatchNorm1d(8)  # 16 floats; buffers 8 + 8 + 1 int64
            self.head = nn.Linear(8, 2)  # 18 floats

    counted = training_memory(Frozen, {}, torch.optim.Adam)
    assert (counted.trainable, counted.frozen, counted.buffers) == (136, 160, 72)
    fixed = 160 + 72
    # Frozen tensors and buffers: held once, copied twice by the checkpoint.
    assert counted.total == (136 * 4 + fixed) + (136 * 4 + 2 * fixed) + (136 + fixed)


def test_estimate_of_the_estimators_fit_is_the_hand_count(iris, monkeypatch):
    seen = []
    check = _engine.check_network_size

    def spy(*args, **kwargs):
        seen.append(check(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr("skneuro.neural_network._base.check_network_size", spy)
    X, y = iris
    clf = MLPClassifier(hidden_units=8, max_epochs=2, random_state=0).fit(X, y)
    # Full batch (batch_size=None), Adam, the analytic step: as above.
    assert [m.total for m in seen] == [2400]
    # A warm start continues the network: no estimate.
    clf.set_params(warm_start=True).fit(X, y)
    assert len(seen) == 1


def test_estimate_reads_no_weights_file_and_allocates_nothing(tmp_path, monkeypatch):
    def no_reading(*args, **kwargs):
        raise AssertionError("the estimate read a weights file")

    monkeypatch.setattr(torch, "load", no_reading)
    rng_state = torch.random.get_rng_state()
    counted = training_memory(
        GoogLeNetModule,
        {
            "in_channels": 3,
            "n_outputs": 10,
            "weights": str(tmp_path / "googlenet.pt"),
            "freeze": True,
        },
        torch.optim.Adam,
    )
    assert counted.frozen > counted.trainable > 0  # the trunk is frozen
    # Built on the meta device: no generator drew a number.
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    # A thousand billion parameters cost no memory to count.
    huge = training_memory(
        nn.Linear, {"in_features": 1000, "out_features": 10**9}, torch.optim.Adam
    )
    assert huge.n_parameters == 1001 * 10**9


# -- refusals before anything is built --------------------------------------
def test_huge_mlp_is_refused_before_it_is_built(iris, no_build):
    X, y = iris
    clf = MLPClassifier(hidden_units=10**9)
    start = time.perf_counter()
    with pytest.raises(NetworkTooLargeError) as caught:
        clf.fit(X, y)
    assert time.perf_counter() - start < 1.0
    message = str(caught.value)
    # 8e9 float32 parameters, 9 copies of them (see the small MLP above).
    assert "8,000,000,003 parameters need about 288 GB" in message
    assert "MLPClassifier's network, MLPModule(" in message
    assert "hidden_units=(1000000000,)" in message
    assert "available" in message and "smaller layers" in message
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, MemoryError)
    assert not hasattr(clf, "net_")


def test_huge_cnn_is_refused_before_it_is_built(no_build):
    X, y = _images()
    cnn = SmallCNN(dense_units=(10**9,))
    start = time.perf_counter()
    with pytest.raises(NetworkTooLargeError, match=r"SmallCNN's network") as caught:
        cnn.fit(X, y)
    assert time.perf_counter() - start < 1.0
    message = str(caught.value)
    assert "SmallCNNModule(" in message and "dense_units=(1000000000,)" in message
    assert re.search(r"need about [\d,]+ GB .* only [\d.]+ GB are available", message)
    assert not hasattr(cnn, "net_")


def test_moderate_network_is_refused_when_memory_is_short(iris, no_build, monkeypatch):
    # 4 -> 100000 -> 3: 800,003 parameters, 3.2 MB; 9 copies: 28.8 MB.
    monkeypatch.setattr(memory, "available_memory", lambda device: 10 * 10**6)
    X, y = iris
    clf = MLPClassifier(hidden_units=100_000)
    with pytest.raises(
        NetworkTooLargeError,
        match=r"800,003 parameters need about 0\.029 GB .* only 0\.01 GB",
    ):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_unknown_available_memory_skips_the_check(monkeypatch):
    monkeypatch.setattr(memory, "available_memory", lambda device: None)
    huge = check_network_size(
        nn.Linear, {"in_features": 10, "out_features": 10**12}, torch.optim.Adam
    )
    assert huge.n_parameters == 11 * 10**12


def test_network_too_large_error_is_both_value_and_memory_error():
    assert issubclass(NetworkTooLargeError, ValueError)
    assert issubclass(NetworkTooLargeError, MemoryError)
    for base in (ValueError, MemoryError):
        with pytest.raises(base, match="too large"):
            raise NetworkTooLargeError("too large")
    assert _engine.NetworkTooLargeError is NetworkTooLargeError


# -- allocator failures while building or training --------------------------
@pytest.mark.parametrize("where", ["initialize_module", "train_step"])
@pytest.mark.parametrize("failure", ALLOCATOR_FAILURES, ids=type)
def test_allocator_failure_becomes_network_too_large(iris, monkeypatch, where, failure):
    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(_engine.TrainingNet, where, fail)
    X, y = iris
    clf = MLPClassifier(hidden_units=8, max_epochs=2)
    with pytest.raises(NetworkTooLargeError, match="Ran out of memory") as caught:
        clf.fit(X, y)
    assert caught.value.__cause__ is failure
    message = str(caught.value)
    assert "MLPClassifier's network, MLPModule(" in message
    assert "estimated at" in message  # the estimate made before
    assert "smaller layers" in message
    assert not hasattr(clf, "net_")


def test_allocator_failure_of_a_fitted_estimator_leaves_it_unfitted(iris, monkeypatch):
    X, y = iris
    clf = MLPClassifier(hidden_units=8, max_epochs=2).fit(X, y)

    def fail(*args, **kwargs):
        raise ALLOCATOR_FAILURES[1]

    monkeypatch.setattr(_engine.TrainingNet, "train_step", fail)
    with pytest.raises(NetworkTooLargeError):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_other_runtime_errors_pass_unchanged(iris, monkeypatch):
    failure = RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x3 and 2x5)")

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(_engine.TrainingNet, "train_step", fail)
    X, y = iris
    with pytest.raises(RuntimeError) as caught:
        MLPClassifier(hidden_units=8, max_epochs=2).fit(X, y)
    assert caught.value is failure


def test_normal_fit_is_unaffected(iris, monkeypatch):
    X, y = iris
    params = {"hidden_units": (6, 4), "max_epochs": 30, "random_state": 0}
    checked = MLPClassifier(batch_size=32, **params).fit(X, y)
    monkeypatch.setattr(
        "skneuro.neural_network._base.check_network_size", lambda *a, **k: None
    )
    unchecked = MLPClassifier(batch_size=32, **params).fit(X, y)
    assert checked.loss_curve_ == unchecked.loss_curve_
    np.testing.assert_array_equal(checked.predict_proba(X), unchecked.predict_proba(X))


# -- the memory available ---------------------------------------------------
def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_limit_is_the_least_over_the_ancestors(tmp_path):
    _write(tmp_path / "cgroup", "0::/a/b\n")
    root = tmp_path / "fs"
    _write(root / "a/b/memory.max", "max\n")  # no limit of its own
    _write(root / "a/b/memory.current", "5000\n")
    _write(root / "a/memory.max", "1000000\n")
    _write(root / "a/memory.current", "600000\n")
    # Inactive file cache is reclaimed before an allocation fails.
    _write(root / "a/memory.stat", "anon 400000\ninactive_file 100000\n")
    _write(root / "memory.max", "9000000\n")
    _write(root / "memory.current", "1000000\n")
    free = memory._cgroup_available(str(tmp_path / "cgroup"), str(root))
    assert free == 1000000 - (600000 - 100000)


def test_cgroup_v1_limit_and_unlimited(tmp_path):
    _write(tmp_path / "cgroup", "5:cpu,cpuacct:/x\n4:memory:/x\n0::/\n")
    root = tmp_path / "fs"
    unlimited = "9223372036854771712\n"
    _write(root / "memory/x/memory.limit_in_bytes", unlimited)
    _write(root / "memory/x/memory.usage_in_bytes", "1\n")
    _write(root / "memory/memory.limit_in_bytes", "2000000\n")
    _write(root / "memory/memory.usage_in_bytes", "1500000\n")
    _write(root / "memory/memory.stat", "cache 5\ntotal_inactive_file 200000\n")
    free = memory._cgroup_available(str(tmp_path / "cgroup"), str(root))
    assert free == 2000000 - (1500000 - 200000)
    # Only the unlimited one: no limit known.
    _write(root / "memory/memory.limit_in_bytes", unlimited)
    assert memory._cgroup_available(str(tmp_path / "cgroup"), str(root)) is None
    assert memory._cgroup_available(str(tmp_path / "missing"), str(root)) is None


def test_host_memory_from_meminfo_else_physical_pages(tmp_path):
    _write(tmp_path / "meminfo", "MemTotal: 8000 kB\nMemAvailable:    1234 kB\n")
    assert memory._host_available(str(tmp_path / "meminfo")) == 1234 * 1024
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        assert memory._host_available(str(tmp_path / "missing")) == physical


def test_cpu_memory_is_bounded_by_the_cgroup(monkeypatch):
    monkeypatch.setattr(memory, "_host_available", lambda: 8 * 10**9)
    monkeypatch.setattr(memory, "_cgroup_available", lambda: 3 * 10**9)
    assert available_memory("cpu") == 3 * 10**9
    monkeypatch.setattr(memory, "_cgroup_available", lambda: None)
    assert available_memory("cpu") == 8 * 10**9
    monkeypatch.setattr(memory, "_host_available", lambda: None)
    assert available_memory("cpu") is None


def test_cuda_memory_counts_what_the_caching_allocator_holds(monkeypatch):
    asked = []

    def mem_get_info(device):
        asked.append(device)
        return 5 * 10**9, 80 * 10**9

    monkeypatch.setattr(torch.cuda, "mem_get_info", mem_get_info)
    monkeypatch.setattr(torch.cuda, "memory_reserved", lambda device: 3 * 10**9)
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device: 2 * 10**9)
    assert available_memory("cuda:1") == 5 * 10**9 + 10**9
    assert asked == [torch.device("cuda:1")]


def test_available_memory_on_this_machine():
    free = available_memory("cpu")
    assert free is None or free > 0


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_available_memory_on_cuda():
    free, total = torch.cuda.mem_get_info()
    assert 0 < available_memory("cuda") <= total
