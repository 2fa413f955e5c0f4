"""What the image feature extractors share: images in, one row of features out.

:class:`BaseImageFeatures` takes images in the shapes users hold them (flat
rows of ``height * width`` pixels with ``image_shape``, ``(n, height,
width)``, or 4-D colour images laid out as ``data_format`` says, following
skneuro's one image-layout convention, :mod:`skneuro.utils._images`), turns
them into one float64 grey batch ``(n, height, width)`` and hands it to the
subclass's ``_extract``. Colour images are converted to grey with the
luminance weights of ITU-R BT.709 (``0.2125 R + 0.7154 G + 0.0721 B``, those
of :func:`skimage.color.rgb2gray`); other channel counts are refused.
Integer pixels are taken as they are (no rescaling): the features this
package computes do not depend on the scale of the pixels.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from skneuro.utils._images import (
    DATA_FORMATS,
    as_image_batch,
    flat_image_shape,
    image_dims,
    layout_of,
    requested_image_shape,
)
from skneuro.utils._validation import validate_input

#: Luminance weights of ITU-R BT.709 (scikit-image's ``rgb2gray``).
LUMINANCE = np.array([0.2125, 0.7154, 0.0721])


class BaseImageFeatures(TransformerMixin, BaseEstimator):
    """Base class of the image feature extractors (not for direct use).

    Subclasses take ``image_shape`` and ``data_format`` among their
    parameters and define:

    - ``_feature_prefix``: the prefix of the output feature names
      (``"lpq"`` gives ``lpq_0, lpq_1, ...``);
    - ``_check_image_size(height, width)``: raise a ``ValueError`` naming
      the parameter when images of that size are too small for it;
    - ``_n_features_out(height, width)``: the number of output features;
    - ``_extract(images)``: the features of a float64 grey batch
      ``(n, height, width)``, as a float64 array ``(n, n_features_out)``.

    ``fit`` only checks and records the images' shape (the transformers
    learn nothing from the data); ``transform`` requires the same shape.
    """

    _parameter_constraints = {
        "image_shape": [tuple, list, None],
        "data_format": [StrOptions(set(DATA_FORMATS))],
    }

    _feature_prefix = "feature"

    # -- fitting --------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the images and record their shape.

        Parameters
        ----------
        X : array-like of shape (n_samples, height * width), \
(n_samples, height, width) or (n_samples, channels, height, width)
            Images (grey, or RGB converted to grey), float or integer pixels.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        if self.image_shape is not None:
            requested_image_shape(self.image_shape)
        # validate_input also refuses NaN and infinities.
        X = validate_input(
            self, X, reset=True, allow_nd=True, dtype=np.float64, ensure_min_features=1
        )
        images = self._grey(X, reset=True)
        self._check_image_size(*images.shape[1:])
        self.image_shape_ = tuple(images.shape[1:])
        self.data_format_ = layout_of(X.shape, self.data_format)
        self._n_out = self._n_features_out(*self.image_shape_)
        return self

    def transform(self, X):
        """The features of each image.

        Parameters
        ----------
        X : array-like of images
            Images of the shape seen in :meth:`fit`.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
            float64 features, named by :meth:`get_feature_names_out`.
        """
        return self._extract(self._checked_images(X))

    def _checked_images(self, X):
        """``X`` checked against the fit (validated, finite, of the fitted
        image size), as a C-contiguous float64 grey batch: what
        ``transform`` and the subclasses' other image methods compute on."""
        check_is_fitted(self)
        # validate_input also refuses NaN and infinities.
        X = validate_input(self, X, reset=False, allow_nd=True, dtype=np.float64)
        images = self._grey(X, reset=False)
        if tuple(images.shape[1:]) != self.image_shape_:
            raise ValueError(
                f"X holds {images.shape[1]}x{images.shape[2]} images, but "
                f"{type(self).__name__} was fitted on "
                f"{self.image_shape_[0]}x{self.image_shape_[1]} images."
            )
        return np.ascontiguousarray(images)

    def get_feature_names_out(self, input_features=None):
        """Output feature names: ``<prefix>_0``, ``<prefix>_1``, ...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; accepted for scikit-learn's API.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        prefix = self._feature_prefix
        return np.asarray([f"{prefix}_{i}" for i in range(self._n_out)], dtype=object)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "image_shape_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.requires_fit = True
        return tags

    # -- images ---------------------------------------------------------
    def _grey(self, X, reset):
        """Validated ``X`` as a float64 grey batch ``(n, height, width)``."""
        if X.ndim == 2:
            h, w = flat_image_shape(X.shape[1], self.image_shape)
            return X.reshape(len(X), h, w)
        fitted = None if reset else self.data_format_
        data_format = layout_of(X.shape, self.data_format, fitted) or "auto"
        if X.ndim == 4:
            channels = image_dims(X.shape, data_format)[0]
            if channels not in (1, 3):
                raise ValueError(
                    f"{type(self).__name__} takes grey (1 channel) or RGB (3 "
                    f"channel) images; X holds {channels} channels (shape "
                    f"{X.shape}, read as {data_format}). Convert RGBA to RGB "
                    "first."
                )
        batch = as_image_batch(X, self.image_shape, data_format)
        if batch.shape[1] == 3:
            return np.einsum("nchw,c->nhw", batch, LUMINANCE)
        return batch[:, 0]


def check_odd_window(value, name, owner, smallest=3):
    """Refuse a window size that is not an odd int of at least ``smallest``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, Integral)
        or value < smallest
        or value % 2 == 0
    ):
        raise ValueError(
            f"{owner}({name}={value!r}): the window size must be an odd integer "
            f">= {smallest} (3, 5, 7, ...), so that the window has a centre pixel."
        )
