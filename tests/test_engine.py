"""The engine on its own: the training loop and its fast paths.

``skneuro._engine`` is tested here directly: the switch that turns the fast
paths off (``SKNEURO_FAST_PATHS``) and the agreement of the two ways through
the loop, the flat parameter buffer, the analytic cross-entropy step, the
optimizer step, Ctrl-C, batch-norm statistics, seeding and the training
call's scratch. Tests about one fast path pin the switch on
(``fast_paths_on``); the others run whichever way the environment says, and
``make test`` runs them once more with the switch off.
"""

import ast
import pickle
import signal
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification
from skorch.callbacks import Callback, GradientNormClipping
from skorch.callbacks import EarlyStopping as SkorchEarlyStopping
from skorch.history import History

from skneuro import MLPClassifier, PruningAutoencoder, _engine
from skneuro._engine import fast_paths, packing, steps
from skneuro._engine import net as engine_net
from skneuro.datasets import load_digits_images
from skneuro.neural_network import SmallCNN

FAST = {"max_epochs": 30, "lr": 0.05, "random_state": 0}
#: The settings of the tests that came from ``test_mlp.py``.
MLP_FAST = {**FAST, "max_epochs": 40}
#: Mini-batches, a penalty and class weights: every term of the loss.
WEIGHTED = {
    "hidden_units": (6, 4),
    "alpha": 0.01,
    "class_weight": {0: 2.0, 1: 1.0, 2: 0.5},
}
SWITCH = fast_paths.VARIABLE


@pytest.fixture
def fast_paths_on(monkeypatch):
    """Pin the fast paths on: the test is about one of them."""
    monkeypatch.setenv(SWITCH, "1")


def _fit_both_ways(monkeypatch, fit):
    """``fit()`` with the fast paths on, then off: ``(fast, plain)``."""
    results = []
    for value in ("1", "0"):
        monkeypatch.setenv(SWITCH, value)
        results.append(fit())
    return results


# -- the engine stays free of scikit-learn ----------------------------------
def test_engine_imports_nothing_from_scikit_learn():
    engine = Path(_engine.__file__).parent
    for path in engine.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert not name.startswith("sklearn"), f"{path.name} imports {name}"
                assert not name.startswith("skneuro.neural_network"), path.name


# -- the fast-path switch ---------------------------------------------------
@pytest.mark.parametrize(
    ("value", "on"),
    [(None, True), ("1", True), ("", True), (" 1 ", True), ("0", False)],
)
def test_the_switch_reads_the_environment_when_asked(monkeypatch, value, on):
    if value is None:
        monkeypatch.delenv(SWITCH, raising=False)
    else:
        monkeypatch.setenv(SWITCH, value)
    assert fast_paths.enabled() is on


@pytest.mark.parametrize("value", ["yes", "off", "2", "true"])
def test_a_junk_switch_fails_the_fit_naming_the_variable(iris, monkeypatch, value):
    monkeypatch.setenv(SWITCH, value)
    with pytest.raises(ValueError, match=rf"SKNEURO_FAST_PATHS='{value}'.*to 0"):
        fast_paths.enabled()
    clf = MLPClassifier(**FAST)
    with pytest.raises(ValueError, match="SKNEURO_FAST_PATHS"):
        clf.fit(*iris)
    assert not hasattr(clf, "net_")


class RecordCall(Callback):
    """Records, each epoch, what the training call decided."""

    def on_train_begin(self, net, **kwargs):
        self.seen = []

    def on_epoch_begin(self, net, **kwargs):
        call = net.training_call_
        self.seen.append(
            (call.fast, bool(call.packs), call.analytic_layers is not None)
        )


def test_the_switch_is_read_at_each_training_call(iris, monkeypatch):
    X, y = iris
    clf = MLPClassifier(batch_size=32, callbacks=[RecordCall()], **FAST)
    monkeypatch.setenv(SWITCH, "0")
    clf.fit(X, y)
    assert set(dict(clf.net_.callbacks_)["RecordCall"].seen) == {(False, False, False)}
    assert clf.net_.pack_layout_ is None
    monkeypatch.setenv(SWITCH, "1")
    clf.fit(X, y)
    assert set(dict(clf.net_.callbacks_)["RecordCall"].seen) == {(True, True, True)}


def test_with_the_switch_off_no_fast_path_runs(iris, monkeypatch):
    """Mini-batches (the checkpoint copies every epoch), a penalty, early
    stopping and the progress bar: none reaches an internal."""
    X, y = iris

    def refuse(*args, **kwargs):
        raise AssertionError("a fast path ran with SKNEURO_FAST_PATHS=0")

    monkeypatch.setenv(SWITCH, "0")
    for module, name in [
        (steps, "plain_mlp_layers"),
        (steps, "cross_entropy_step"),
        (engine_net, "optimizer_step"),
        (packing, "pack_groups"),
        (packing, "attach"),
        (torch, "_foreach_copy_"),
    ]:
        monkeypatch.setattr(module, name, refuse)
    recorded = []
    record = History.record

    def spy(history, key, value):
        recorded.append(key)
        record(history, key, value)

    monkeypatch.setattr(History, "record", spy)
    clf = MLPClassifier(
        batch_size=32, early_stopping=True, verbose=1, **WEIGHTED, **FAST
    ).fit(X, y)
    assert clf.n_epochs_ == FAST["max_epochs"]
    assert {"epoch", "train_loss", "valid_loss", "valid_score"} <= set(recorded)


@pytest.mark.parametrize("batch_size", [None, 32])
def test_mlp_fits_agree_with_the_switch_off(iris, monkeypatch, batch_size):
    """The analytic step computes in float64: the same fit, to tolerance."""
    X, y = iris
    fast, plain = _fit_both_ways(
        monkeypatch,
        lambda: MLPClassifier(batch_size=batch_size, **WEIGHTED, **MLP_FAST).fit(X, y),
    )
    np.testing.assert_allclose(plain.loss_curve_, fast.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(
        plain.predict_proba(X), fast.predict_proba(X), rtol=1e-4, atol=1e-5
    )
    assert [list(row) for row in plain.history_] == [list(row) for row in fast.history_]


def test_validation_scores_agree_with_the_switch_off(iris, monkeypatch):
    X, y = iris
    fast, plain = _fit_both_ways(
        monkeypatch,
        lambda: MLPClassifier(
            batch_size=32, early_stopping=True, n_iter_no_change=1000, **MLP_FAST
        ).fit(X, y),
    )
    for key in ("train_loss", "valid_loss", "valid_score"):
        np.testing.assert_allclose(
            [row[key] for row in plain.history_],
            [row[key] for row in fast.history_],
            rtol=1e-4,
        )


def test_small_cnn_fits_agree_with_the_switch_off(monkeypatch):
    """Autograd either way: packing and the raw step change no arithmetic."""
    bunch = load_digits_images()
    X, y = bunch.images[:300] / 16.0, bunch.target[:300]
    params = {"n_filters": 4, "dense_units": (8,), "batch_size": 64}
    fast, plain = _fit_both_ways(
        monkeypatch,
        lambda: SmallCNN(max_epochs=2, random_state=0, **params).fit(X, y),
    )
    np.testing.assert_allclose(plain.loss_curve_, fast.loss_curve_, rtol=1e-5)
    np.testing.assert_allclose(
        plain.predict_proba(X), fast.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_autoencoder_fits_agree_with_the_switch_off(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2)) @ rng.normal(size=(2, 6))
    params = {"loss_threshold": 0.05, "threshold_kind": "relative", "lr": 0.02}
    fast, plain = _fit_both_ways(
        monkeypatch,
        lambda: PruningAutoencoder(
            hidden_units=6, max_epochs=150, retrain_epochs=30, random_state=0, **params
        ).fit(X),
    )
    units = [[s["units_left"] for s in ae.pruning_history_] for ae in (fast, plain)]
    assert units[0] == units[1]
    assert plain.n_hidden_units_ == fast.n_hidden_units_
    np.testing.assert_allclose(
        plain.transform(X), fast.transform(X), rtol=1e-4, atol=1e-5
    )


def test_a_warm_start_with_the_switch_off_keeps_the_optimizer_state(iris, monkeypatch):
    """An optimizer built packed is unpacked, moments, steps and learning
    rate carried over: training goes on as if the switch had stayed on."""
    X, y = iris
    monkeypatch.setenv(SWITCH, "1")
    kept = MLPClassifier(batch_size=32, warm_start=True, **FAST).fit(X, y)
    kept.net_.optimizer_.param_groups[0]["lr"] = 0.02  # as a scheduler would
    flipped = pickle.loads(pickle.dumps(kept))
    kept.fit(X, y)
    monkeypatch.setenv(SWITCH, "0")
    flipped.fit(X, y)
    optimizer = flipped.net_.optimizer_
    assert flipped.net_.pack_layout_ is None
    assert len(optimizer.param_groups[0]["params"]) == 4
    assert optimizer.param_groups[0]["lr"] == 0.02
    batches = 2 * FAST["max_epochs"] * 5  # 150 rows in batches of 32
    assert {float(state["step"]) for state in optimizer.state.values()} == {batches}
    np.testing.assert_allclose(flipped.loss_curve_, kept.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(
        flipped.predict_proba(X), kept.predict_proba(X), rtol=1e-4, atol=1e-5
    )
    # Back on, it trains on unpacked (its optimizer was built without).
    monkeypatch.setenv(SWITCH, "1")
    flipped.fit(X, y)
    assert flipped.net_.pack_layout_ is None
    assert flipped.n_epochs_ == 3 * FAST["max_epochs"]


# -- the flat parameter buffer ----------------------------------------------
@pytest.mark.usefixtures("fast_paths_on")
def test_packing_can_be_switched_off_and_changes_nothing(iris, monkeypatch):
    X, y = iris
    packed = MLPClassifier(hidden_units=(6, 4), batch_size=32, **FAST).fit(X, y)
    names = [name for name, _ in packed.net_.module_.named_parameters()]
    assert packed.net_.pack_layout_ == [names]
    monkeypatch.setattr(_engine.TrainingNet, "pack_parameters", False, raising=False)
    original = _engine.TrainingNet.__init__

    def unpacked(self, *args, **kwargs):
        original(self, *args, **{**kwargs, "pack_parameters": False})

    monkeypatch.setattr(_engine.TrainingNet, "__init__", unpacked)
    plain = MLPClassifier(hidden_units=(6, 4), batch_size=32, **FAST).fit(X, y)
    assert plain.net_.pack_layout_ is None
    assert len(plain.net_.optimizer_.param_groups[0]["params"]) == 6
    np.testing.assert_allclose(
        plain.predict_proba(X), packed.predict_proba(X), rtol=1e-5, atol=1e-7
    )


@pytest.mark.usefixtures("fast_paths_on")
def test_packing_respects_param_groups_and_frozen_parameters(iris):
    X, y = iris
    clf = MLPClassifier(hidden_units=(6, 4), **FAST).fit(X, y)
    net = clf.net_
    first = net.module_.layers[0].weight.detach().clone()
    last = net.module_.layers[4].weight.detach().clone()
    # The first layer's weight is frozen; the last layer gets lr 0 through a
    # parameter group: neither may move, while the rest trains.
    net.module_.layers[0].weight.requires_grad_(False)
    net.optimizer__param_groups = [("layers.4.*", {"lr": 0.0})]
    net.initialize_optimizer()
    groups = net.optimizer_.param_groups
    assert [g["lr"] for g in groups] == [0.0, FAST["lr"]]
    assert sorted(net.pack_layout_[0]) == ["layers.4.bias", "layers.4.weight"]
    assert "layers.0.weight" not in net.pack_layout_[1]
    middle = net.module_.layers[2].weight.detach().clone()
    clf.set_params(warm_start=True).fit(X, y)
    module = clf.net_.module_
    torch.testing.assert_close(module.layers[0].weight.detach(), first)
    torch.testing.assert_close(module.layers[4].weight.detach(), last)
    assert not torch.equal(module.layers[2].weight.detach(), middle)


def test_parameters_train_like_an_unpacked_loop(iris):
    """The packed parameter buffer is an implementation detail: same maths."""
    X, y = iris
    X32 = X.astype(np.float32)
    clf = MLPClassifier(hidden_units=4, max_epochs=25, lr=0.05, random_state=0)
    clf.fit(X32, y)
    with _engine.local_seed(_seed_of(0), "cpu"):
        module_class, kwargs = clf._module_spec(4, 3)
        module = module_class(**kwargs)
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    X_t, y_t = torch.from_numpy(X32), torch.from_numpy(y)
    for _ in range(25):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(module(X_t), y_t).backward()
        optimizer.step()
    for ours, reference in zip(
        clf.net_.module_.parameters(), module.parameters(), strict=True
    ):
        torch.testing.assert_close(ours, reference, rtol=1e-4, atol=1e-5)


def _seed_of(random_state):
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def test_pickle_size_is_the_size_of_the_weights():
    """Parameters are not views of a shared buffer outside training."""
    X, y = make_classification(n_samples=64, n_features=8, random_state=0)
    clf = MLPClassifier(hidden_units=(256, 256, 256), max_epochs=2, random_state=0)
    clf.fit(X, y)
    n_bytes = sum(p.numel() * 4 for p in clf.net_.module_.parameters())
    # Weights, plus Adam's two moment buffers of the same size, plus a little.
    assert len(pickle.dumps(clf)) < 3.2 * n_bytes
    for p in clf.net_.module_.parameters():
        assert p.untyped_storage().nbytes() == p.numel() * 4


# -- the analytic cross-entropy step -----------------------------------------
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("hidden_units", [(5,), (6, 3)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_cross_entropy_step_matches_autograd(activation, hidden_units, weighted, alpha):
    """The analytic backward pass computes autograd's gradients."""
    from skneuro.neural_network._modules import MLPModule

    generator = torch.Generator().manual_seed(0)
    X = torch.randn(37, 4, generator=generator)
    y = torch.randint(0, 3, (37,), generator=generator)
    weight = torch.rand(37, generator=generator) * 3 if weighted else None
    torch.manual_seed(0)
    module = MLPModule(4, hidden_units, 3, activation)

    logits = module(X)
    per_sample = torch.nn.functional.cross_entropy(logits, y, reduction="none")
    total = 37 if weight is None else weight.sum()
    w = torch.ones(37) if weight is None else weight
    expected_loss = (per_sample * w).sum() / total + 0.5 * alpha * sum(
        layer.weight.square().sum() for layer in module.layers[::2]
    ) / total
    expected_grads = torch.autograd.grad(expected_loss, list(module.parameters()))

    for p in module.parameters():  # stale values must be overwritten
        p.grad = torch.full_like(p, 123.0)
    layers = steps.plain_mlp_layers(module)
    loss, step_logits = steps.cross_entropy_step(layers, X, y, weight, alpha)
    torch.testing.assert_close(step_logits.float(), logits.detach())
    torch.testing.assert_close(loss.float(), expected_loss.detach())
    for p, expected in zip(module.parameters(), expected_grads, strict=True):
        torch.testing.assert_close(p.grad, expected, rtol=1e-5, atol=1e-7)
    assert not loss.requires_grad


def _no_analytic_step(monkeypatch):
    monkeypatch.setattr(steps, "plain_mlp_layers", lambda module: None)


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_explicit_backward_trains_like_autograd(iris, monkeypatch, alpha):
    """Mini-batches, class weights, penalty: the same fit with and without autograd."""
    X, y = iris
    params = dict(
        hidden_units=(6, 4),
        batch_size=32,
        class_weight={0: 2.0, 1: 1.0, 2: 0.5},
        alpha=alpha,
    )
    fast = MLPClassifier(**params, **MLP_FAST).fit(X, y)
    _no_analytic_step(monkeypatch)
    slow = MLPClassifier(**params, **MLP_FAST).fit(X, y)
    np.testing.assert_allclose(fast.loss_curve_, slow.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(
        fast.predict_proba(X), slow.predict_proba(X), rtol=1e-4, atol=1e-5
    )


@pytest.mark.usefixtures("fast_paths_on")
def test_dropout_sends_training_back_to_autograd(iris):
    X, y = iris
    seen = []

    class Record(Callback):
        def on_epoch_begin(self, net, **kwargs):
            seen.append(net.analytic_layers_ is not None)

    clf = MLPClassifier(callbacks=[Record()], warm_start=True, **FAST).fit(X, y)
    assert all(seen)
    clf.net_.module_.layers.insert(1, torch.nn.Dropout(0.5))
    seen.clear()
    clf.fit(X, y)
    assert seen and not any(seen)
    assert steps.plain_mlp_layers(clf.net_.module_) is None


@pytest.mark.parametrize("analytic", [True, False])
def test_gradient_clipping_sees_the_gradients(iris, monkeypatch, analytic):
    X, y = iris
    if analytic:
        monkeypatch.setenv(SWITCH, "1")
    else:
        monkeypatch.setattr(steps, "plain_mlp_layers", lambda module: None)
    params = {"optimizer": "sgd", "lr": 0.1, "max_epochs": 5, "random_state": 0}
    free = MLPClassifier(**params).fit(X, y)
    clipped = MLPClassifier(
        callbacks=[GradientNormClipping(gradient_clip_value=1e-4)], **params
    ).fit(X, y)
    start = MLPClassifier(**{**params, "max_epochs": 1, "lr": 1e-12}).fit(X, y)

    def moved(clf):
        return (
            sum(
                (a - b).norm().item() ** 2
                for a, b in zip(
                    clf.net_.module_.parameters(),
                    start.net_.module_.parameters(),
                    strict=True,
                )
            )
            ** 0.5
        )

    assert moved(clipped) <= 5 * 0.1 * 1e-4 * 1.01
    assert moved(free) > 100 * moved(clipped)


# -- the optimizer step ------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda p: torch.optim.Adam(p, lr=0.1),
        lambda p: torch.optim.Adam(p, lr=0.1, fused=True),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    ],
)
def test_the_unwrapped_optimizer_step_is_the_same_step(make):
    from skneuro._engine.optim import optimizer_step

    start = torch.randn(10)
    params = [torch.nn.Parameter(start.clone()) for _ in range(2)]
    optimizers = [make([p]) for p in params]
    for _ in range(3):
        for p in params:
            p.grad = torch.sin(p.detach() * 3)
        optimizers[0].step()
        optimizer_step(optimizers[1])
    torch.testing.assert_close(params[0], params[1], rtol=0, atol=0)
    # A step hook is honoured: the wrapped step runs.
    calls = []
    optimizers[1].register_step_post_hook(lambda *args: calls.append(1))
    optimizer_step(optimizers[1])
    assert calls == [1]


# -- Ctrl-C ------------------------------------------------------------------
@pytest.fixture
def sigint_disposition():
    """Set how this process takes SIGINT for one test, and put it back after.

    A shell starts background jobs with SIGINT ignored, and Python keeps that;
    the Ctrl-C tests set Python's own handler, as in an interactive session.
    """
    previous = signal.getsignal(signal.SIGINT)
    yield lambda handler: signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGINT, previous)


@pytest.fixture
def interactive(sigint_disposition):
    sigint_disposition(signal.default_int_handler)


class InterruptAt(Callback):
    """Deliver a real SIGINT (Ctrl-C) at a given batch of a given epoch."""

    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            self.batch -= 1
            if self.batch == 0:
                signal.raise_signal(signal.SIGINT)


class RecordWeights(Callback):
    def on_train_begin(self, net, **kwargs):
        self.per_epoch = []

    def on_epoch_end(self, net, **kwargs):
        self.per_epoch.append([p.detach().clone() for p in net.module_.parameters()])


def test_ctrl_c_keeps_the_model_of_the_last_finished_epoch(iris, interactive):
    X, y = iris
    clf = MLPClassifier(
        batch_size=32,
        callbacks=[RecordWeights(), InterruptAt(epoch=3, batch=2)],
        **FAST,
    )
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_epochs_ == len(clf.history_) == len(clf.loss_curve_) == 2
    assert all("train_loss" in row for row in clf.history_)
    recorded = clf.net_.callbacks_[0][1].per_epoch[1]
    for p, expected in zip(clf.net_.module_.parameters(), recorded, strict=True):
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=0)
    assert clf.predict(X).shape == y.shape
    # And it trains on from there.
    clf.set_params(callbacks=None, warm_start=True).fit(X, y)
    assert clf.n_epochs_ == 2 + FAST["max_epochs"]


def test_ctrl_c_in_full_batch_training_finishes_the_epoch(iris, interactive):
    """One batch per epoch: the epoch under way finishes, then training stops."""
    X, y = iris
    clf = MLPClassifier(
        callbacks=[RecordWeights(), InterruptAt(epoch=3, batch=1)], **FAST
    )
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_epochs_ == len(clf.history_) == 3
    recorded = clf.net_.callbacks_[0][1].per_epoch[-1]
    for p, expected in zip(clf.net_.module_.parameters(), recorded, strict=True):
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=0)


class InterruptTwiceAt(InterruptAt):
    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch:
            signal.raise_signal(signal.SIGINT)
            signal.raise_signal(signal.SIGINT)


def test_a_second_ctrl_c_stops_at_once_back_where_the_call_started(iris, interactive):
    X, y = iris
    clf = MLPClassifier(warm_start=True, **FAST).fit(X, y)
    before = [p.detach().clone() for p in clf.net_.module_.parameters()]
    clf.set_params(callbacks=[InterruptTwiceAt(epoch=FAST["max_epochs"] + 2, batch=1)])
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert clf.n_epochs_ == FAST["max_epochs"]
    for p, expected in zip(clf.net_.module_.parameters(), before, strict=True):
        torch.testing.assert_close(p.detach(), expected, rtol=0, atol=0)
    assert clf.predict(X).shape == y.shape


def test_ctrl_c_in_the_first_epoch_leaves_no_model(iris, interactive):
    X, y = iris
    clf = MLPClassifier(
        batch_size=32, callbacks=[InterruptAt(epoch=1, batch=1)], **FAST
    )
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert not hasattr(clf, "net_") and not hasattr(clf, "classes_")


def test_an_ignored_sigint_does_not_stop_training(iris, sigint_disposition):
    """A process that ignores SIGINT (a background job) trains on."""
    sigint_disposition(signal.SIG_IGN)
    X, y = iris
    clf = MLPClassifier(
        batch_size=32, callbacks=[InterruptTwiceAt(epoch=2, batch=1)], **FAST
    )
    clf.fit(X, y)
    assert clf.n_epochs_ == FAST["max_epochs"]
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_a_callback_stopping_training_is_not_an_interrupt(iris):
    X, y = iris
    stop = SkorchEarlyStopping(monitor="train_loss", patience=1, threshold=10.0)
    clf = MLPClassifier(callbacks=[stop], **FAST).fit(X, y)
    assert clf.n_epochs_ == 2


# -- batch-norm statistics and seeding ----------------------------------------
def test_batch_norm_recompute_interrupted_half_way_keeps_the_old_statistics():
    from skneuro._engine.batchnorm import recompute_batch_norm_statistics

    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    net[1].running_mean.fill_(0.25)
    before = {k: v.clone() for k, v in net[1].state_dict().items()}
    X = torch.randn(40, 2)

    def batches():
        yield X[:20], None, None
        raise KeyboardInterrupt  # Ctrl-C before the second batch

    with pytest.raises(KeyboardInterrupt):
        recompute_batch_norm_statistics(net, batches())
    for key, value in net[1].state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)
    assert net[1].momentum == 0.1 and net.training


def test_a_cpu_fit_leaves_cuda_generators_alone(iris, monkeypatch):
    X, y = iris
    calls = []
    for name in ("manual_seed", "manual_seed_all"):
        monkeypatch.setattr(torch.cuda, name, lambda *a, n=name: calls.append(n))
    MLPClassifier(device="cpu", **FAST).fit(X, y)
    assert calls == []


# -- the training call's scratch ----------------------------------------------
class PickleMidway(Callback):
    """Pickles the net at the end of epoch 2, while the call runs."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            assert isinstance(net.training_call_, engine_net.TrainingCall)
            self.payload = pickle.dumps(net)


def test_the_call_lives_while_training_runs_and_not_in_pickles(iris):
    X, y = iris
    clf = MLPClassifier(batch_size=32, callbacks=[PickleMidway()], **FAST).fit(X, y)
    assert clf.net_.training_call_ is None
    midway = pickle.loads(dict(clf.net_.callbacks_)["PickleMidway"].payload)
    assert midway.training_call_ is None and len(midway.history) == 2
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


class FailAt(Callback):
    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            raise RuntimeError("a callback failed")


def _linear_net(**kwargs):
    return _engine.TrainingNet(
        torch.nn.Linear,
        module__in_features=3,
        module__out_features=1,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=0.1,
        **{"max_epochs": 5, **kwargs},
    )


def _linear_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    return _engine.TrainingData(X, (X @ np.float32([1, -2, 0.5]))[:, None])


def test_a_failed_call_drops_its_scratch_and_unpacks():
    net = _linear_net(callbacks=[FailAt()])
    with pytest.raises(RuntimeError, match="a callback failed"):
        net.partial_fit(_linear_data())
    assert net.training_call_ is None and net.analytic_layers_ is None
    for p in net.module_.parameters():
        assert p.untyped_storage().nbytes() == p.numel() * 4


class LossSeen(Callback):
    def on_epoch_end(self, net, **kwargs):
        X, y, _ = next(iter(kwargs["dataset_train"].batches()))
        self.loss = net.get_loss(net.module_(X), y, training=True).item()


def test_get_loss_adds_the_penalty_inside_a_training_call_only():
    data = _linear_data()
    net = _linear_net(alpha=10.0, max_epochs=1, callbacks=[LossSeen()])
    net.partial_fit(data)
    X, y, _ = next(iter(data.batches()))
    with torch.no_grad():
        plain = torch.nn.functional.mse_loss(net.module_(X), y).item()
        penalty = 0.5 * 10.0 * net.module_.weight.square().sum().item() / len(y)
        outside = net.get_loss(net.module_(X), y, training=True).item()
    assert outside == pytest.approx(plain)
    assert dict(net.callbacks_)["LossSeen"].loss == pytest.approx(plain + penalty)
