"""torchvision's GoogLeNet, for the raw-image study of Hao, "Use Neural
Network to Classify and Compress Images"."""

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn


def _googlenet_class():
    """torchvision's ``GoogLeNet``, imported when a GoogLeNet is first built.

    Importing torchvision loads all its models and ops, which took most of
    ``import skneuro``'s time for a network that only GoogLeNetClassifier
    builds (the figure: docs/benchmarks.rst, "Figures behind the code");
    every process that imports skneuro (study workers, Dask workers) paid
    for it.
    """
    from torchvision.models.googlenet import GoogLeNet

    return GoogLeNet


#: The children of torchvision's GoogLeNet that hold the pretrained trunk
#: (everything but the classifier ``fc`` and the auxiliary heads).
TRUNK = (
    "conv1",
    "conv2",
    "conv3",
    "inception3a",
    "inception3b",
    "inception4a",
    "inception4b",
    "inception4c",
    "inception4d",
    "inception4e",
    "inception5a",
    "inception5b",
)
#: Normalisation for pretrained weights. torchvision builds its pretrained
#: GoogLeNet with ``transform_input=True`` behind ImageNet's mean and std,
#: which together map [0, 1] pixels to ``(x - 0.5) / 0.5``: the input the
#: weights (ported from Google's Inception v1) expect. One subtraction and one
#: division per pixel do the same as both steps.
PRETRAINED_MEAN = (0.5, 0.5, 0.5)
PRETRAINED_STD = (0.5, 0.5, 0.5)


def read_state_dict(path):
    """Read a GoogLeNet state dict from the local file ``path``, on the CPU.

    Only tensors are read (``weights_only=True``): a state-dict file runs no
    code. Keys may be torchvision's (``conv1.conv.weight``) or those of a
    :class:`GoogLeNetModule` (``net.conv1.conv.weight``).

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    ValueError
        When the file is not a state dict torch can read.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(
            f"weights={str(path)!r} is a folder; give the state-dict file in it."
        )
    if not path.is_file():
        raise FileNotFoundError(
            f"weights={str(path)!r}: no such file. skneuro never downloads "
            "weights; save a state dict there first, for example "
            "torch.save(torchvision.models.googlenet(weights='DEFAULT')"
            ".state_dict(), path) on a machine with network access."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds on a bad file
        raise ValueError(
            f"weights={str(path)!r} is not a PyTorch state-dict file: {exc}"
        ) from exc
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and torch.is_tensor(v) for k, v in state.items()
    ):
        raise ValueError(
            f"weights={str(path)!r} holds a {type(state).__name__}, not a state "
            "dict (a mapping of parameter names to tensors)."
        )
    if any(k.startswith("net.") for k in state):
        # A GoogLeNetModule's: the network's tensors, without the input
        # normalisation, which the new estimator learns or sets itself.
        state = {k[len("net.") :]: v for k, v in state.items() if k.startswith("net.")}
    return state


def check_pretrained(path, state=None, own=None):
    """Check that the state dict in ``path`` holds a GoogLeNet trunk.

    ``own`` is the state dict of the network to load into; by default that
    of a GoogLeNet built on the meta device (shapes only, no memory).

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    ValueError
        When it is not a state dict, or when the trunk's parameters are
        missing from it or of other shapes: the file holds another network.
    """
    if state is None:
        state = read_state_dict(path)
    if own is None:
        with torch.device("meta"):
            own = _googlenet_class()(aux_logits=False, init_weights=False)
            own = own.state_dict()
    trunk = [k for k in own if k.split(".", 1)[0] in TRUNK]
    missing = [k for k in trunk if k not in state]
    wrong = [k for k in trunk if k in state and state[k].shape != own[k].shape]
    if missing or wrong:
        details = []
        if missing:
            details.append(f"{len(missing)} missing (first: {missing[0]!r})")
        if wrong:
            key = wrong[0]
            details.append(
                f"{len(wrong)} of another shape (first: {key!r}, "
                f"{tuple(state[key].shape)} in the file, {tuple(own[key].shape)} "
                "in the network)"
            )
        raise ValueError(
            f"weights={str(path)!r} does not fit torchvision's GoogLeNet: of its "
            f"{len(trunk)} trunk tensors, {' and '.join(details)}."
        )
    return state


def load_pretrained(net, path):
    """Load the state dict in ``path`` into torchvision's GoogLeNet ``net``.

    The trunk must be complete and of the right shapes
    (:func:`check_pretrained`); the classifier and auxiliary heads are taken
    where the file has them in the right shape (the same number of classes)
    and keep their fresh initialisation otherwise.
    """
    own = net.state_dict()
    state = check_pretrained(path, own=own)
    usable = {k: v for k, v in state.items() if k in own and v.shape == own[k].shape}
    net.load_state_dict(usable, strict=False)


class GoogLeNetModule(nn.Module):
    """torchvision's GoogLeNet behind resizing and normalisation of the input.

    Images of any size are resized (bilinear) to ``input_size`` squares;
    grey images are repeated to three channels by broadcasting in the
    normalisation ``(x - mean) / std``.

    Parameters
    ----------
    in_channels : {1, 3}
        Channels of the input images.
    n_outputs : int
        Number of classes.
    input_size : int, default=64
        Side of the square images the network sees.
    aux_logits : bool, default=False
        Train the two auxiliary classifiers too; see :meth:`training_loss`.
    mean, std : tuple of 3 floats
        Per-channel normalisation (after grey images become three channels).
    weights : str or None, default=None
        A local state-dict file to start from.
    freeze : bool, default=False
        Keep the trunk fixed: its parameters get no gradient and its batch
        normalisation keeps the pretrained statistics.

    Examples
    --------
    >>> import torch
    >>> from skneuro.neural_network._modules import GoogLeNetModule
    >>> module = GoogLeNetModule(1, 2, input_size=32).eval()
    >>> module(torch.zeros(4, 1, 25, 25)).shape
    torch.Size([4, 2])
    """

    #: Weight of each auxiliary classifier's loss (Szegedy et al., "Going
    #: deeper with convolutions").
    AUX_WEIGHT = 0.3

    #: Arguments that name local files read at construction (the pretrained
    #: state dict): a model file rebuilds the module with them set to
    #: ``None`` and loads the stored weights instead (:mod:`skneuro.io`),
    #: since the deploying machine may not have those files.
    file_arguments = ("weights",)

    def __init__(
        self,
        in_channels,
        n_outputs,
        input_size=64,
        aux_logits=False,
        mean=(0.0, 0.0, 0.0),
        std=(1.0, 1.0, 1.0),
        weights=None,
        freeze=False,
    ):
        super().__init__()
        if in_channels not in (1, 3):
            raise ValueError(
                f"GoogLeNet takes grey (1-channel) or RGB (3-channel) images; got "
                f"{in_channels} channels."
            )
        self.input_size = int(input_size)
        self.net = _googlenet_class()(
            num_classes=n_outputs,
            aux_logits=aux_logits,
            transform_input=False,
            init_weights=True,
        )
        if weights is not None:
            load_pretrained(self.net, weights)
        self.freeze = bool(freeze)
        if self.freeze:
            for name in TRUNK:
                getattr(self.net, name).requires_grad_(False)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))
        self.train()  # a frozen trunk's batch norms go to evaluation mode
        # Channels-last, as for the small CNN: oneDNN's convolutions, pools
        # and batch norms run faster on NHWC; so do tensor cores on CUDA.
        self.to(memory_format=torch.channels_last)

    def train(self, mode=True):
        super().train(mode)
        if self.freeze:
            # A fixed trunk keeps its batch-norm statistics as well.
            for name in TRUNK:
                getattr(self.net, name).eval()
        return self

    def forward(self, X):
        size = (self.input_size, self.input_size)
        if tuple(X.shape[-2:]) != size:
            shrinking = X.shape[-2] > size[0] or X.shape[-1] > size[1]
            X = F.interpolate(
                X, size=size, mode="bilinear", align_corners=False, antialias=shrinking
            )
        X = (X - self.mean.view(1, -1, 1, 1)) / self.std.view(1, -1, 1, 1)
        return self.net(X.contiguous(memory_format=torch.channels_last))

    def training_loss(self, y_pred, y_true, criterion):
        """The criterion, plus 0.3 times each auxiliary classifier's.

        In training mode with ``aux_logits`` torchvision's GoogLeNet returns
        ``(logits, aux2, aux1)``; in evaluation mode the logits alone.
        """
        if not isinstance(y_pred, tuple):
            return criterion(y_pred, y_true)
        logits, *aux = y_pred
        loss = criterion(logits, y_true)
        for head in aux:
            loss = loss + self.AUX_WEIGHT * criterion(head, y_true)
        return loss
