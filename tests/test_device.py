"""Which values of ``device`` are trained on, and which are refused up front."""

import pytest

from skneuro._engine import resolve_device
from skneuro.neural_network import MLPClassifier

SUPPORTED = "'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'"


@pytest.mark.parametrize("device", ["meta", "xpu", "hpu", "ipu", "lazy", "xla:0"])
def test_device_types_torch_knows_but_skneuro_does_not_train_on(device):
    with pytest.raises(ValueError) as caught:
        resolve_device(device)
    message = str(caught.value)
    assert f"device={device!r} is not supported" in message
    assert SUPPORTED in message


@pytest.mark.parametrize("device", ["", "cuda:-1", "toaster", "CPU", " cpu"])
def test_device_strings_torch_refuses(device):
    with pytest.raises(ValueError) as caught:
        resolve_device(device)
    assert f"device={device!r}" in str(caught.value)
    assert SUPPORTED in str(caught.value)


def test_cpu_index_zero_is_the_cpu_and_others_are_refused():
    # torch accepts "cpu:0"; there is one CPU device, so it resolves to
    # "cpu" (and a fit records device_="cpu"). Other indices name nothing.
    assert resolve_device("cpu:0") == "cpu"
    for device in ("cpu:1", "cpu:7"):
        with pytest.raises(ValueError, match=rf"device='{device}': there is one CPU"):
            resolve_device(device)


@pytest.mark.parametrize("device", ["meta", "xpu", "", "cuda:-1", "cpu:1"])
def test_estimator_refuses_bad_device_before_training(iris, no_training, device):
    X, y = iris
    clf = MLPClassifier(device=device)
    with pytest.raises(ValueError, match=r"device="):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_estimator_trains_on_cpu_zero(iris):
    X, y = iris
    clf = MLPClassifier(hidden_units=4, max_epochs=2, device="cpu:0").fit(X, y)
    assert clf.device_ == "cpu"
    # A warm start on "cpu:0" continues on the same device.
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.n_epochs_ == 4
