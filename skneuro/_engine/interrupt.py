"""Ctrl-C during training: told apart from callbacks, and never half an epoch.

skorch's callbacks stop training by raising ``KeyboardInterrupt``, the same
exception Ctrl-C raises. :class:`InterruptWatch` notes a real SIGINT and
defers it to the next batch boundary, where the loop can stop at a
consistent state; :class:`EpochCheckpoint` keeps the state to go back to.
"""

import signal
import threading

import torch


class InterruptWatch:
    """Catch SIGINT (Ctrl-C) while training runs, and act on it at a boundary.

    The first SIGINT only sets ``signalled``; the loop checks it after every
    batch. A second one sets ``urgent`` and interrupts at once, through the
    previous handler (Python's raises ``KeyboardInterrupt``). Outside the main
    thread no handler can be set, and no SIGINT arrives there either.
    """

    signalled = False
    urgent = False
    #: Whether the loop acts on ``signalled`` after every batch, rather than
    #: only at the end of an epoch.
    stop_mid_epoch = True

    def __enter__(self):
        self._installed = False
        if threading.current_thread() is threading.main_thread():
            try:
                self._previous = signal.signal(signal.SIGINT, self._handle)
                self._installed = True
            except (ValueError, OSError):  # embedded interpreters
                pass
        return self

    def _handle(self, signum, frame):
        previous = self._previous
        if previous is signal.SIG_IGN:
            return
        if not self.signalled:
            self.signalled = True
            return
        self.urgent = True
        if callable(previous):
            previous(signum, frame)
        else:
            raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self._installed:
            previous = self._previous
            signal.signal(
                signal.SIGINT,
                signal.default_int_handler if previous is None else previous,
            )
        return False


class EpochCheckpoint:
    """The trainable state at the start of the call and after the last epoch.

    Holds copies of what training changes: the optimizer's parameters (the
    packed buffers), the module's buffers and the optimizer's state, and the
    history's length. With ``fast`` (:mod:`.fast_paths`), :meth:`save` is one
    ``torch._foreach_copy_`` into the preallocated copies, a single call
    instead of one per tensor; otherwise one ``copy_`` per tensor. Even so,
    a copy of the state weighs against a small full-batch epoch, so the loop
    calls it only when epochs have several batches (the figures are in
    ``docs/benchmarks.rst``, "The fast paths").
    """

    def __init__(self, net, fast=True):
        self.net = net
        self.fast = fast
        optimizer = net.optimizer_
        self._params = [p for group in optimizer.param_groups for p in group["params"]]
        self._fixed = self._params + list(net.module_.buffers())
        self._live = None
        self.save()
        self._start = (
            self._live,
            [t.clone() for t in self._copies],
            self._state,
            self._n_epochs,
        )

    def save(self):
        """Copy the current state (the end of an epoch)."""
        state = self.net.optimizer_.state
        live = list(self._fixed)
        entries = {}
        for p in self._params:
            values = state.get(p)
            if values:
                entries[p] = dict(values)
                live += [v for v in values.values() if torch.is_tensor(v)]
        with torch.no_grad():
            if (
                self._live is not None
                and len(live) == len(self._live)
                and all(a is b for a, b in zip(live, self._live, strict=True))
            ):
                _copy_all(self._copies, live, self.fast)
            else:
                self._copies = [t.detach().clone() for t in live]
        self._live, self._state = live, entries
        self._n_epochs = len(self.net.history)

    def restore(self):
        """Go back to the last saved state; drop the later history rows."""
        self._put_back(self._live, self._copies, self._state, self._n_epochs)

    def restore_start(self):
        """Go back to the state the training call started from."""
        self._put_back(*self._start)

    def _put_back(self, live, copies, entries, n_epochs):
        with torch.no_grad():
            _copy_all([t.detach() for t in live], copies, self.fast)
        optimizer = self.net.optimizer_
        for p in list(optimizer.state):
            if p not in entries:
                del optimizer.state[p]
        for p, values in entries.items():
            for key, value in values.items():
                if not torch.is_tensor(value):
                    optimizer.state[p][key] = value
        del self.net.history[n_epochs:]


def _copy_all(targets, sources, fast):
    """``target.copy_(source)`` for each pair: in one call when ``fast``."""
    if fast:
        torch._foreach_copy_(targets, sources)
        return
    for target, source in zip(targets, sources, strict=True):
        target.copy_(source)
