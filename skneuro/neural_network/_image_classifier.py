"""The base of the image classifiers: images in the shapes users hold them."""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils.validation import validate_data

from skneuro.neural_network._base import as_float32
from skneuro.neural_network._classifier import BaseNeuralClassifier
from skneuro.utils._images import as_image_batch


class BaseImageClassifier(BaseNeuralClassifier):
    """Base class of the convolutional classifiers (not for direct use).

    Adds to :class:`BaseNeuralClassifier`: input as flat rows of
    ``height * width`` pixels (``image_shape``, or square),
    ``(n, height, width)`` or ``(n, channels, height, width)``, turned into a
    float32 ``(n, channels, height, width)`` batch; ``image_shape_`` and
    ``n_channels_`` recorded by ``fit`` and enforced afterwards; training
    under autocast with cuDNN autotuning on CUDA. Subclasses check the image
    size their network needs in ``_check_before_training``.

    Convolutions compute in float32 through autograd, where a sample of
    weight k and k copies of it round differently, so these estimators take
    no ``sample_weight`` rather than one that only approximately means
    repetition (the MLP's analytic step makes it exact there).
    """

    _convolutional = True

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on images ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width), \
(n_samples, height, width) or (n_samples, channels, height, width)
            Images; float32, float64 or integer, cast to float32.
        y : array-like of shape (n_samples,)
            Class labels of any type.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, None, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Train for one epoch, continuing a fitted network.

        Parameters
        ----------
        X : array-like of images
            As for :meth:`fit`.
        y : array-like of shape (n_samples,)
            Class labels, all among ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class; required on the first call.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, None, incremental=True, classes=classes)

    def _validate_X(self, X, reset):
        shape = getattr(X, "shape", ())
        if not reset and len(shape) > 2:
            # Before scikit-learn's feature count, which would report an
            # image of another size as "X has 10 features".
            self._check_fitted_images(*_channels_height_width(shape))
        X = validate_data(
            self, X, reset=reset, allow_nd=True, dtype=[np.float32, np.float64]
        )
        return self._images(X, reset)

    def _validate_Xy(self, X, y, reset):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            allow_nd=True,
            dtype=[np.float32, np.float64],
            y_numeric=False,
        )
        return self._images(X, reset), y

    def _images(self, X, reset):
        """``X`` as a float32 ``(n, channels, height, width)`` batch."""
        images = np.ascontiguousarray(as_image_batch(as_float32(X), self.image_shape))
        channels, h, w = images.shape[1:]
        if reset:
            self._check_before_training(channels, h, w)
            self.n_channels_, self.image_shape_ = int(channels), (int(h), int(w))
            self._learn_from_images(images)
        else:
            self._check_fitted_images(channels, h, w)
        return images

    def _check_before_training(self, channels, h, w):
        """Raise ``ValueError`` when the network cannot be trained on such
        images with the current parameters (``fit`` only)."""

    def _learn_from_images(self, images):
        """Record what the module needs of the training images (``fit`` only)."""

    def _predict_chunk_rows(self, device):
        # A convolution's activations are tens of times its input, so chunks
        # bounded by input bytes alone (8,000 28x28 images) spill out of the
        # CPU's caches: SmallCNN predicted 3,700 images/s in one chunk and
        # 9,800 in chunks of 128 (same padding; valid 6,400 and 14,700), and
        # GoogLeNet at input_size=64 550 and 790. A GPU wants larger ones.
        return 1024 if device.startswith("cuda") else 128

    def _check_fitted_images(self, channels, h, w):
        if (channels, (h, w)) != (self.n_channels_, self.image_shape_):
            raise ValueError(
                f"{type(self).__name__} was fitted on {self.n_channels_}-channel "
                f"images of {self.image_shape_[0]}x{self.image_shape_[1]} pixels; "
                f"got {channels}-channel images of {h}x{w}."
            )


def _channels_height_width(shape):
    """Channels, height and width of an image batch of ``shape`` (3-D or 4-D)."""
    if len(shape) == 3:
        return 1, shape[1], shape[2]
    return tuple(shape[1:4])
