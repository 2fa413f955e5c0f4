"""The base of the image classifiers: images in the shapes users hold them."""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    check_consistent_length,
)

from skneuro.neural_network._base import as_float32
from skneuro.neural_network._classifier import BaseNeuralClassifier
from skneuro.utils._images import (
    DATA_FORMATS,
    as_image_batch,
    image_dims,
    layout_of,
)
from skneuro.utils._validation import check_input, validate_input


class BaseImageClassifier(BaseNeuralClassifier):
    """Base class of the convolutional classifiers (not for direct use).

    Adds to :class:`BaseNeuralClassifier`: input as flat rows of
    ``height * width`` pixels (``image_shape``, or square),
    ``(n, height, width)``, or 4-D channels-first or channels-last
    (``data_format``, read by :mod:`skneuro.utils._images`), turned into a
    float32 ``(n, channels, height, width)`` batch; ``image_shape_``,
    ``n_channels_`` and ``data_format_`` recorded by ``fit`` and enforced
    afterwards; ``precision="auto"`` training in bfloat16 where the hardware
    computes in it natively, with cuDNN autotuning on CUDA.
    Subclasses check the image size their network needs in
    ``_check_before_training``.

    Convolutions compute in float32 through autograd, where a sample of
    weight k and k copies of it round differently, so these estimators take
    no ``sample_weight`` rather than one that only approximately means
    repetition (the MLP's analytic step makes it exact there).
    """

    _reduced_precision_by_default = True
    _cudnn_autotuning = True

    _parameter_constraints = {
        **BaseNeuralClassifier._parameter_constraints,
        "image_shape": [tuple, list, None],
        "data_format": [StrOptions(set(DATA_FORMATS))],
    }

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
        if reset:
            X = validate_input(
                self, X, reset=True, allow_nd=True, dtype=[np.float32, np.float64]
            )
        else:
            X = self._fitted_array(X)
        return self._images(X, reset)

    def _validate_Xy(self, X, y, reset):
        if reset:
            X, y = validate_input(
                self,
                X,
                y,
                reset=True,
                allow_nd=True,
                dtype=[np.float32, np.float64],
                y_numeric=False,
            )
        else:
            X = self._fitted_array(X)
            y = validate_input(self, y=y, reset=False)
            check_consistent_length(X, y)
        return self._images(X, reset), y

    def _fitted_array(self, X):
        """``X`` checked against the fit, before it is read as images.

        scikit-learn counts ``X.shape[1]`` as the features, which for images
        is their height or their channels: flat rows after a flat fit keep
        its count (and its message, which scikit-learn's checks expect);
        any other layout is compared by image size, channels and layout, so
        that the same images in another accepted layout predict the same.
        """
        X = check_input(X, allow_nd=True, dtype=[np.float32, np.float64])
        _check_feature_names(self, X, reset=False)
        channels, (h, w) = self.n_channels_, self.image_shape_
        fitted_flat = self.data_format_ is None and self.n_features_in_ == h * w
        if X.ndim == 2 and fitted_flat:
            _check_n_features(self, X, reset=False)
        elif X.ndim == 2:
            if channels != 1 or X.shape[1] != h * w:
                raise ValueError(
                    f"{type(self).__name__} was fitted on {channels}-channel "
                    f"images of {h}x{w} pixels; flat rows hold one grey image "
                    f"each, of {h * w} pixels, but X has {X.shape[1]} columns."
                )
        elif X.ndim in (3, 4):
            self._check_fitted_images(X.shape)
        else:
            as_image_batch(X)  # raises the error naming the layouts
        return X

    def _layout(self, shape, reset):
        """How 4-D input of ``shape`` is laid out (``None`` for 2-D or 3-D)."""
        return layout_of(shape, self.data_format, None if reset else self.data_format_)

    def _images(self, X, reset):
        """``X`` as a float32 ``(n, channels, height, width)`` batch."""
        layout = self._layout(X.shape, reset)
        image_shape = self.image_shape if reset else self.image_shape_
        batch = as_image_batch(as_float32(X), image_shape, layout or "auto")
        images = np.ascontiguousarray(batch)
        channels, h, w = images.shape[1:]
        if reset:
            self._check_before_training(channels, h, w)
            self.n_channels_, self.image_shape_ = int(channels), (int(h), int(w))
            self.data_format_ = layout
            self._learn_from_images(images)
        else:
            self._check_fitted_images(X.shape)
        self._check_pixel_values(images)
        return images

    def _check_before_training(self, channels, h, w):
        """Raise ``ValueError`` when the network cannot be trained on such
        images with the current parameters (``fit`` only)."""

    def _learn_from_images(self, images):
        """Record what the module needs of the training images (``fit`` only)."""

    def _check_pixel_values(self, images):
        """Warn about pixel values the network cannot read (fit and predict)."""

    def _predict_chunk_rows(self, device):
        # A convolution's activations are tens of times its input, so chunks
        # bounded by input bytes alone spill out of the CPU's caches; small
        # chunks predict much faster there (figures: docs/benchmarks.rst,
        # "Figures behind the code"). A GPU wants larger ones.
        return 1024 if device.startswith("cuda") else 128

    def _check_fitted_images(self, shape):
        """Refuse images of another size, channel count or layout than fit's."""
        if len(shape) == 2:
            return  # validate_data has compared the feature count
        fitted = (self.n_channels_, *self.image_shape_)
        seen = image_dims(shape, self._layout(shape, reset=False) or "auto")
        if seen == fitted:
            return
        c, h, w = fitted
        hint = ""
        if len(shape) == 4 and self.data_format_ is not None:
            other = (
                "channels_last"
                if self.data_format_ == "channels_first"
                else "channels_first"
            )
            if image_dims(shape, other) == fitted:
                hint = (
                    f" X of shape {tuple(shape)} holds them {_LAYOUT_NAMES[other]}, "
                    f"but the fit's were {_LAYOUT_NAMES[self.data_format_]}: pass "
                    "the images in the layout of fit."
                )
        raise ValueError(
            f"{type(self).__name__} was fitted on {c}-channel images of {h}x{w} "
            f"pixels; got {seen[0]}-channel images of {seen[1]}x{seen[2]}.{hint}"
        )


_LAYOUT_NAMES = {
    "channels_first": "channels-first (n, channels, height, width)",
    "channels_last": "channels-last (n, height, width, channels)",
}
