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

#: The pixel values pretrained torchvision weights expect, and how far beyond
#: them input may go (resizing overshoots a little) before fit and predict warn.
PIXEL_RANGE = (0.0, 1.0)
PIXEL_MARGIN = 0.5


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
    image_shape : tuple of (int, int) or None, default=None
        Height and width of flat input (one may be -1, inferred); ``None``
        infers square images. Image-shaped input must agree with it.
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
    data_format : {"auto", "channels_first", "channels_last"}, default="auto"
        Layout of 4-D input: ``"channels_first"`` is ``(n, channels, height,
        width)``, skneuro's convention and PyTorch's; ``"channels_last"`` is
        ``(n, height, width, channels)``, as matplotlib, scikit-image and
        Keras hold colour images. ``"auto"`` reads it from the shape when
        only one of axes 1 and 3 has at most 4 entries, and refuses a shape
        that could be either (``(n, 3, 4, 3)``, ``(n, 16, 28, 28)``) with an
        error saying to pass the layout. Flat and ``(n, height, width)``
        input are grey images whatever this says.
    max_epochs : int, default=30
        Passes over the training data.
    lr : float, default=1e-3
        Learning rate.
    batch_size : int or None, default=32
        Images per gradient step; ``None`` trains full-batch.
    optimizer : {"adam", "sgd"}, default="adam"
        Optimizer.
    alpha : float, default=0.0
        L2 penalty on the weights.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` and stop when the validation loss
        stops improving, keeping the best epoch.
    validation_fraction : float, default=0.1
        Share held out with early stopping.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    tol : float, default=1e-4
        Smallest improvement of the validation loss that counts.
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"``...;
        resolved in ``fit`` as ``device_``. On CUDA training runs under
        autocast (bfloat16, or float16 with loss scaling).
    n_threads : int or None, default=None
        Torch threads each ``fit`` computes with on the CPU. ``None`` decides
        in ``fit`` from where it runs: torch's own count (which follows
        ``OMP_NUM_THREADS``, set to ``cpu_count() // n_jobs`` in joblib's
        workers), or in a Dask worker the machine's cores shared among the
        task threads of its workers. The previous count is restored after
        ``fit``; the count used is stored as ``n_threads_``. See
        :ref:`scaling-out`.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, dropout, shuffling and the validation split;
        seeding stays local.
    verbose : int, default=0
        0 silent, 1 progress bar, 2 a table row per epoch.
    warm_start : bool, default=False
        Continue training the fitted network on the next ``fit``.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    image_shape_ : tuple of (int, int)
        Height and width of the training images.
    n_channels_ : int
        Channels of the training images (1 or 3).
    input_mean_, input_std_ : tuple of 3 floats
        The per-channel normalisation the network applies to its input.
    data_format_ : {"channels_first", "channels_last"} or None
        Layout of the 4-D training images (``None`` when ``fit`` saw flat
        or ``(n, height, width)`` images); later 4-D input is read the same
        way.
    n_features_in_ : int
        ``X.shape[1]`` in ``fit``, as scikit-learn counts it.
    net_, device_, n_threads_, history_, loss_curve_, loss_, best_loss_, n_epochs_, \
n_iter_, validation_scores_, best_validation_score_
        As for every skneuro neural classifier.

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
