"""GoogLeNetClassifier: the raw-image classifier of Hao's study."""

import numbers
import os
import warnings

import numpy as np
from sklearn.utils._param_validation import Interval

from skneuro.neural_network._image_classifier import BaseImageClassifier
from skneuro.neural_network._modules import GoogLeNetModule
from skneuro.neural_network._modules.googlenet import (
    PRETRAINED_MEAN,
    PRETRAINED_STD,
    TRUNK,
    check_pretrained,
)
from skneuro.utils._docstring import shared_docstring

#: The pixel values pretrained torchvision weights expect, and how far beyond
#: them input may go (resizing overshoots a little) before fit and predict warn.
PIXEL_RANGE = (0.0, 1.0)
PIXEL_MARGIN = 0.5


@shared_docstring
class GoogLeNetClassifier(BaseImageClassifier):
    """torchvision's GoogLeNet as a scikit-learn classifier of raw images.

    The network Hao, "Use Neural Network to Classify and Compress Images",
    trains on the raw facial-expression images. Images are resized inside
    the network to ``input_size`` squares and grey images repeated to three
    channels, so that it takes images as users hold them: flat rows of
    ``height * width`` pixels (with ``image_shape``, or square),
    ``(n, height, width)`` or ``(n, channels, height, width)`` arrays of one
    or three channels. Nothing is downloaded: pretrained ``weights`` come
    from a local state-dict file.

    Parameters
    ----------
    {parameters: image_shape}
    input_size : int, default=64
        Side of the square images the network sees (at least 16).
    weights : str, path or None, default=None
        Local file holding a state dict of torchvision's GoogLeNet, such as
        ``torchvision.models.googlenet(weights="DEFAULT").state_dict()``
        saved with :func:`torch.save`. Its trunk is loaded; its classifier
        is used only when it has as many classes. Images are then expected
        in [0, 1] and normalised as the pretrained network expects
        (ImageNet's normalisation followed by torchvision's
        ``transform_input``): ``fit`` and ``predict`` warn when pixels go
        beyond [-0.5, 1.5], as 8-bit images (0..255, such as
        :func:`~skneuro.datasets.load_mnist` returns) or standard-scaled ones
        do; divide 8-bit images by 255. Without weights, the per-channel
        mean and standard deviation of the training images are used, so any
        range works.
    aux_logits : bool, default=False
        Train GoogLeNet's two auxiliary classifiers as well, adding 0.3 times
        each one's loss to the training loss (Szegedy et al.). Prediction
        uses the main classifier only.
    freeze : bool or float, default=False
        With ``weights``: ``True`` keeps the pretrained trunk fixed (no
        gradient, batch-norm statistics kept) and trains the classifier; a
        float in (0, 1) trains the trunk at that fraction of ``lr`` (a
        parameter group of its own); ``False`` trains everything at ``lr``.
    {parameters: data_format, max_epochs, lr, batch_size, optimizer, alpha,
    class_weight, early_stopping, validation_fraction, n_iter_no_change, tol}
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...;
        resolved in ``fit`` as ``device_``.
    {parameters: precision, n_threads}
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, dropout, shuffling and the validation split;
        seeding stays local.
    {parameters: verbose, warm_start, callbacks}

    Attributes
    ----------
    {attributes: classes_, image_shape_}
    n_channels_ : int
        Channels of the training images (1 or 3).
    input_mean_, input_std_ : tuple of 3 floats
        The per-channel normalisation the network applies to its input.
    {attributes: data_format_, n_features_in_, feature_names_in_, net_,
    device_, precision_, n_threads_, history_,
    loss_curve_, loss_, best_loss_, n_epochs_, n_iter_, validation_scores_,
    best_validation_score_}

    See Also
    --------
    SmallCNN : Buell's small network, for small images.

    Examples
    --------
    >>> from sklearn.model_selection import train_test_split
    >>> from skneuro.datasets import load_lfw_faces
    >>> from skneuro.neural_network import GoogLeNetClassifier
    >>> faces = load_lfw_faces()
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     faces.images, faces.target, test_size=0.2, stratify=faces.target,
    ...     random_state=0)
    >>> clf = GoogLeNetClassifier(input_size=32, max_epochs=10, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.7
    True
    """

    _parameter_constraints = {
        **BaseImageClassifier._parameter_constraints,
        "input_size": [Interval(numbers.Integral, 16, None, closed="left")],
        "weights": [str, os.PathLike, None],
        "aux_logits": ["boolean"],
        "freeze": ["boolean", Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        image_shape=None,
        input_size=64,
        weights=None,
        aux_logits=False,
        freeze=False,
        *,
        data_format="auto",
        max_epochs=30,
        lr=1e-3,
        batch_size=32,
        optimizer="adam",
        alpha=0.0,
        class_weight=None,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="auto",
        precision="auto",
        n_threads=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        callbacks=None,
    ):
        self.image_shape = image_shape
        self.data_format = data_format
        self.input_size = input_size
        self.weights = weights
        self.aux_logits = aux_logits
        self.freeze = freeze
        self.max_epochs = max_epochs
        self.lr = lr
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.alpha = alpha
        self.class_weight = class_weight
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.precision = precision
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.callbacks = callbacks

    def _check_before_training(self, channels, h, w):
        if channels not in (1, 3):
            raise ValueError(
                f"{type(self).__name__} takes grey (1-channel) or RGB (3-channel) "
                f"images; got {channels} channels."
            )
        if self.freeze is not False and self.weights is None:
            raise ValueError(
                f"freeze={self.freeze!r} keeps a pretrained trunk fixed or slows "
                "it down, but weights=None: there is no pretrained trunk. Give "
                "weights, or leave freeze=False."
            )
        if self.weights is not None:
            # Read now, so that a missing or unfit file fails before anything
            # is built (the network reads it again when it is).
            check_pretrained(self.weights)

    def _learn_from_images(self, images):
        if self.weights is not None:
            self.input_mean_, self.input_std_ = PRETRAINED_MEAN, PRETRAINED_STD
            return
        # Per-channel statistics in float64, without a float64 copy of X.
        channels = images.shape[1]
        mean = np.array([images[:, c].mean(dtype=np.float64) for c in range(channels)])
        std = np.array([images[:, c].std(dtype=np.float64) for c in range(channels)])
        std[~(std > 0)] = 1.0  # constant channels are only centred
        self.input_mean_ = tuple(float(m) for m in np.resize(mean, 3))
        self.input_std_ = tuple(float(s) for s in np.resize(std, 3))

    def _check_pixel_values(self, images):
        if self.weights is None or images.size == 0:
            return
        low, high = float(images.min()), float(images.max())
        if low < PIXEL_RANGE[0] - PIXEL_MARGIN or high > PIXEL_RANGE[1] + PIXEL_MARGIN:
            warnings.warn(
                f"{type(self).__name__}(weights=...) normalises images as the "
                "pretrained network expects, for pixels in [0, 1], but X holds "
                f"values from {low:.4g} to {high:.4g}: the network would see "
                "images it was never trained on. Scale 8-bit images with "
                "X / 255, and leave them unstandardised.",
                UserWarning,
                stacklevel=5,
            )

    def _module_spec(self, n_features, n_outputs):
        return GoogLeNetModule, {
            "in_channels": self.n_channels_,
            "n_outputs": n_outputs,
            "input_size": self.input_size,
            "aux_logits": self.aux_logits,
            "mean": self.input_mean_,
            "std": self.input_std_,
            "weights": None if self.weights is None else str(self.weights),
            "freeze": self.freeze is True,
        }

    def _net_kwargs(self):
        if isinstance(self.freeze, bool):
            return {}
        # skorch's parameter groups: the trunk at a fraction of the rate.
        trunk = [(f"net.{name}.*", {"lr": self.lr * self.freeze}) for name in TRUNK]
        return {"optimizer__param_groups": trunk}
