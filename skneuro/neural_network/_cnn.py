"""SmallCNN: the image classifier of Buell's approximate-computation study."""

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from skneuro.neural_network._image_classifier import BaseImageClassifier
from skneuro.neural_network._modules import SmallCNNModule
from skneuro.neural_network._modules.cnn import conv_output_size
from skneuro.utils._docstring import shared_docstring


@shared_docstring
class SmallCNN(BaseImageClassifier):
    """Small convolutional classifier of Buell's study, trained with PyTorch.

    The network of Buell, "Approximate Computation Image Classification":
    two 3x3 convolutions of ``n_filters`` filters with ReLU, a 2x2
    max-pool, two more convolutions and a max-pool, then dense ReLU layers
    of ``dense_units`` and the output layer; cross-entropy, Adam. It takes
    images as users hold them: flat rows of ``height * width`` pixels (with
    ``image_shape``, or square), ``(n, height, width)`` or
    ``(n, channels, height, width)`` arrays, so that it sits in a
    ``Pipeline`` after ``PoolInterpolate`` and ``StandardScaler``.

    Parameters
    ----------
    {parameters: image_shape}
    n_filters : int, default=32
        Filters of every convolution.
    dense_units : array-like of int, default=(64, 64, 32, 32)
        Widths of the dense ReLU layers.
    padding : {"same", "valid"}, default="same"
        ``"valid"`` is the paper's exact layout, for images of at least
        16x16 pixels; ``"same"`` keeps the maps' size through the
        convolutions (and rounds the pools up), so that 8x8 digits work.
    {parameters: data_format, max_epochs, lr, batch_size, optimizer, alpha,
    class_weight, early_stopping, validation_fraction, n_iter_no_change, tol,
    device, precision, n_threads, random_state, verbose, warm_start, callbacks}

    Attributes
    ----------
    {attributes: classes_, image_shape_, n_channels_, data_format_,
    n_features_in_, feature_names_in_, net_, device_, precision_, n_threads_, history_,
    loss_curve_, loss_, best_loss_, n_epochs_, n_iter_, validation_scores_,
    best_validation_score_}

    See Also
    --------
    skneuro.preprocessing.PoolInterpolate : pool and restore the images
        first, as in Buell's study.

    Examples
    --------
    >>> from skneuro.datasets import load_digits_images
    >>> from skneuro.neural_network import SmallCNN
    >>> digits = load_digits_images()
    >>> from sklearn.model_selection import train_test_split
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     digits.images / 16.0, digits.target, test_size=0.2,
    ...     stratify=digits.target, random_state=0)
    >>> cnn = SmallCNN(max_epochs=20, random_state=0).fit(X_train, y_train)
    >>> cnn.image_shape_, cnn.n_channels_
    ((8, 8), 1)
    >>> cnn.score(X_test, y_test) >= 0.97
    True
    """

    _parameter_constraints = {
        **BaseImageClassifier._parameter_constraints,
        "n_filters": [Interval(numbers.Integral, 1, None, closed="left")],
        "dense_units": ["array-like"],
        "padding": [StrOptions({"same", "valid"})],
    }

    def __init__(
        self,
        image_shape=None,
        n_filters=32,
        dense_units=(64, 64, 32, 32),
        padding="same",
        *,
        data_format="auto",
        max_epochs=10,
        lr=1e-3,
        batch_size=128,
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
        self.n_filters = n_filters
        self.dense_units = dense_units
        self.padding = padding
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
        if conv_output_size(min(h, w), self.padding) < 1:
            raise ValueError(
                f"padding={self.padding!r} needs images of at least 16 pixels "
                "a side (two 3x3 convolutions and a 2x2 pool, twice); got "
                f"{h}x{w} images. Use padding='same' for small images."
            )

    def _module_spec(self, n_features, n_outputs):
        dense = np.ravel(np.asarray(self.dense_units, dtype=object)).tolist()
        if not all(
            isinstance(u, numbers.Integral) and not isinstance(u, bool) and u >= 1
            for u in dense
        ):
            raise ValueError(
                f"dense_units must hold positive ints; got {self.dense_units!r}."
            )
        dense = tuple(int(u) for u in dense)
        return SmallCNNModule, {
            "in_channels": self.n_channels_,
            "image_size": self.image_shape_,
            "n_outputs": n_outputs,
            "n_filters": self.n_filters,
            "dense_units": dense,
            "padding": self.padding,
        }
