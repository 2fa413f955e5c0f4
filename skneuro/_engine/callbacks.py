"""Callbacks the estimators add to the training loop: progress and early stopping."""

import math
import multiprocessing
import sys
import threading

import torch
from skorch.callbacks import Callback


def quiet_environment():
    """True inside joblib/multiprocessing workers, threads or without a terminal."""
    if multiprocessing.parent_process() is not None:
        return True
    if threading.current_thread() is not threading.main_thread():
        return True
    stream = sys.stderr
    return not (hasattr(stream, "isatty") and stream.isatty())


def _last_row(net):
    """The last row of ``net``'s history.

    skorch's History is a list of dicts whose indexing copies the whole
    history on every read: while a training call runs with the fast paths
    on (:mod:`.fast_paths`), it is indexed as a list; otherwise through
    History's own indexing.
    """
    call = getattr(net, "training_call_", None)
    if call is not None and call.fast:
        return list.__getitem__(net.history, -1)
    return net.history[-1]


class ProgressBar(Callback):
    """A tqdm bar over epochs, silent where nobody could watch it.

    Parameters
    ----------
    total : int
        Number of epochs this training call runs at most.
    desc : str
        Label in front of the bar.
    """

    def __init__(self, total, desc):
        self.total = total
        self.desc = desc

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(
            total=self.total,
            desc=self.desc,
            unit="epoch",
            disable=quiet_environment(),
            file=sys.stderr,
        )

    def on_epoch_end(self, net, **kwargs):
        loss = _last_row(net).get("train_loss", math.nan)
        self.bar_.set_postfix(loss=f"{loss:.4g}", refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        bar = vars(self).pop("bar_", None)
        if bar is not None:
            bar.close()

    def write(self, text):
        """Print ``text`` without breaking the bar."""
        from tqdm.auto import tqdm

        tqdm.write(text, file=sys.stdout)


class EarlyStopping(Callback):
    """Stop when the validation loss stops improving; keep the best epoch.

    Training stops once ``valid_loss`` has not improved on the best value by
    more than ``threshold`` for ``patience`` epochs in a row; the module's
    weights from the best epoch are then restored. The copy of those weights
    lives only while training runs. When a callback changes the module's
    layers (``DistinctivenessPruning``), the best epochs before the change
    cannot be restored into it: the search starts again from there.

    Parameters
    ----------
    patience : int
        Epochs without improvement before stopping.
    threshold : float
        Smallest decrease of the validation loss that counts as improvement.
    sink : callable or None
        Receives a one-line message when training stops; ``None`` is silent.

    Attributes
    ----------
    best_epoch_ : int or None
        Epoch (1-based, counted over the net's whole history) whose weights
        were kept.
    best_loss_ : float
        The validation loss at ``best_epoch_``.
    """

    def __init__(self, patience=10, threshold=1e-4, sink=None):
        self.patience = patience
        self.threshold = threshold
        self.sink = sink

    def on_train_begin(self, net, **kwargs):
        self.misses_ = 0
        self.best_loss_ = math.inf
        self.best_epoch_ = None
        self._best_state = None

    def on_module_changed(self, net):
        """The module's layers were replaced (pruning): the best epoch's
        weights no longer fit it, so the search for the best starts again."""
        self.misses_ = 0
        self.best_loss_ = math.inf
        self.best_epoch_ = None
        self._best_state = None

    def on_epoch_end(self, net, **kwargs):
        row = _last_row(net)
        loss = row["valid_loss"]
        if loss < self.best_loss_ - self.threshold:
            self.best_loss_ = loss
            self.best_epoch_ = row["epoch"]
            self._best_state = {
                k: v.detach().clone() for k, v in net.module_.state_dict().items()
            }
            self.misses_ = 0
            return
        self.misses_ += 1
        if self.misses_ >= self.patience:
            if self.sink is not None:
                self.sink(
                    f"Early stopping at epoch {row['epoch']}: the validation loss "
                    f"has not improved by more than {self.threshold:g} for "
                    f"{self.patience} epochs; keeping epoch {self.best_epoch_} "
                    f"(valid_loss {self.best_loss_:.4g})."
                )
            # skorch's convention: a callback stops training this way.
            raise KeyboardInterrupt

    def on_train_end(self, net, **kwargs):
        state, self._best_state = self._best_state, None
        if state is not None and self.best_epoch_ != _last_row(net)["epoch"]:
            with torch.no_grad():
                net.module_.load_state_dict(state)
