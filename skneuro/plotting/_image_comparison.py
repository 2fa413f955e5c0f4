"""Rows of images side by side: original, pooled and restored digits."""

from numbers import Integral

import numpy as np
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted

from skneuro.plotting._training_history import _check_dict


def _as_images(images, label):
    """``rows[label]`` as an array of numbers; a ValueError naming it."""
    shape = "(n_images, height, width)"
    try:
        array = np.asarray(images)
    except (TypeError, ValueError) as exc:  # ragged: images of several sizes
        raise ValueError(
            f"rows[{label!r}] must be a 3-D array of numbers of shape {shape}; "
            f"numpy cannot make one array of it ({exc}). Within a row, every "
            "image must have the same size."
        ) from exc
    if array.dtype.kind == "O":  # numbers kept as Python objects
        try:
            array = array.astype(float)
        except (TypeError, ValueError):
            example = next(
                (v for v in array.flat if not isinstance(v, int | float | np.number)),
                None,
            )
            raise ValueError(
                f"rows[{label!r}] must hold numbers (pixel values); it holds "
                f"Python objects such as {example!r}."
            ) from None
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"rows[{label!r}] must hold numbers (pixel values); got an array "
            f"of dtype {array.dtype}."
        )
    return array


class ImageComparisonDisplay:
    """Rows of images side by side, one row per version of the same images.

    The figure of Buell, "Approximate Computation Image Classification":
    MNIST digits as given, average-pooled, and interpolated back to their
    full size. The constructor takes plain arrays, so images kept in a file
    can be drawn without the fitted transformer; :meth:`from_transformer`
    builds the three rows with a fitted
    :class:`~skneuro.preprocessing.PoolInterpolate`.

    Parameters
    ----------
    rows : dict of str to array-like of shape (n_images, height, width)
        The images of each row, by row label, drawn top to bottom in the
        dict's order. Rows may have images of different sizes (the pooled
        images are smaller), but every row has ``n_images`` images.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes of shape (n_rows, n_images)
        The axes of the images: ``axes_[i, j]`` holds image ``j`` of row
        ``i``, in ``axes_[i, j].images[0]``.
    figure_ : matplotlib Figure
        Figure holding the axes.

    See Also
    --------
    skneuro.preprocessing.PoolInterpolate : Pools images, then interpolates
        them back to their full size.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skneuro.plotting import ImageComparisonDisplay
    >>> images = np.arange(3 * 4 * 4, dtype=float).reshape(3, 4, 4)
    >>> display = ImageComparisonDisplay(
    ...     {"original": images, "halved": images[:, ::2, ::2]}
    ... ).plot(title="two rows")
    >>> display.axes_.shape
    (2, 3)
    >>> display.axes_[1, 0].images[0].get_array().shape
    (2, 2)
    """

    def __init__(self, rows):
        self.rows = {}
        first = None
        rows = _check_dict(
            rows, "rows", "label -> images of shape (n_images, height, width)"
        )
        for label, images in rows.items():
            images = _as_images(images, label)
            if images.ndim != 3:
                raise ValueError(
                    f"rows[{label!r}] must be a 3-D array of shape (n_images, "
                    f"height, width); got an array of shape {images.shape}."
                )
            if first is None:
                first = label
            elif images.shape[0] != self.rows[first].shape[0]:
                raise ValueError(
                    f"rows[{label!r}] has {images.shape[0]} images, but "
                    f"rows[{first!r}] has {self.rows[first].shape[0]}; every row "
                    "needs as many images."
                )
            self.rows[label] = images
        if first is None:
            raise ValueError("rows is empty: pass at least one row of images.")
        if self.rows[first].shape[0] == 0:
            raise ValueError("The rows hold no image: pass at least one per row.")

    @property
    def n_images(self):
        """Number of images in each row."""
        return next(iter(self.rows.values())).shape[0]

    def plot(self, axes=None, *, cmap="gray", title=None):
        """Draw the images on a grid of axes, a row of axes per row.

        Parameters
        ----------
        axes : array-like of matplotlib Axes of shape (n_rows, n_images), \
                default=None
            Axes to draw on (an array with as many axes, of another shape, is
            reshaped to this one); a new figure when None.
        cmap : str or matplotlib Colormap, default="gray"
            Colormap of the images. Each row has one scale, from its smallest
            to its largest value, so its images compare with each other.
        title : str, default=None
            Title of the figure.

        Returns
        -------
        display : ImageComparisonDisplay
            ``self``, with the plotting attributes set.
        """
        import matplotlib.pyplot as plt

        n_rows, n_images = len(self.rows), self.n_images
        if axes is None:
            _, axes = plt.subplots(
                n_rows,
                n_images,
                figsize=(
                    1.2 * n_images + 0.8,
                    1.2 * n_rows + 0.5 * (title is not None),
                ),
                squeeze=False,
            )
        else:
            axes = np.asarray(axes, dtype=object)
            if axes.size != n_rows * n_images:
                raise ValueError(
                    f"axes must hold {n_rows} x {n_images} Axes (one per image "
                    f"of each row); got an array of shape {axes.shape}."
                )
            axes = axes.reshape(n_rows, n_images)
        for i, (label, images) in enumerate(self.rows.items()):
            finite = images[np.isfinite(images)]
            vmin, vmax = (finite.min(), finite.max()) if finite.size else (0, 1)
            for j in range(n_images):
                ax = axes[i, j]
                ax.imshow(images[j], cmap=cmap, vmin=vmin, vmax=vmax)
                ax.set_xticks([])
                ax.set_yticks([])
            axes[i, 0].set_ylabel(str(label))
        self.axes_, self.figure_ = axes, axes[0, 0].figure
        if title is not None:
            self.figure_.suptitle(title)
        return self

    @classmethod
    def from_transformer(cls, transformer, X, *, n_images=5, axes=None, **kwargs):
        """Plot images as given, pooled, and restored by a ``PoolInterpolate``.

        Parameters
        ----------
        transformer : PoolInterpolate
            A fitted transformer.
        X : array-like of shape (n_samples, height * width), \
                (n_samples, height, width) or (n_samples, 1, height, width)
            Images in a layout the transformer accepts, of the shape it was
            fitted on; single-channel only.
        n_images : int, default=5
            Number of images shown, the first ones of ``X`` (all of them if
            it has fewer).
        axes : array-like of matplotlib Axes of shape (3, n_images), \
                default=None
            Axes to draw on; a new figure when None.
        **kwargs
            Passed to :meth:`plot` (``cmap``, ``title``).

        Returns
        -------
        display : ImageComparisonDisplay
            With rows ``"original"``, ``"pooled (HxW)"`` (what
            :meth:`~skneuro.preprocessing.PoolInterpolate.downsample` returns,
            ``H x W`` its ``pooled_shape_``) and ``"restored"`` (that
            interpolated back by
            :meth:`~skneuro.preprocessing.PoolInterpolate.upsample`, equal to
            ``transform``).

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_digits
        >>> from skneuro.plotting import ImageComparisonDisplay
        >>> from skneuro.preprocessing import PoolInterpolate
        >>> X, _ = load_digits(return_X_y=True)  # flat 8x8 digits
        >>> pool = PoolInterpolate(pool_size=2).fit(X)
        >>> display = ImageComparisonDisplay.from_transformer(pool, X, n_images=4)
        >>> list(display.rows)
        ['original', 'pooled (4x4)', 'restored']
        >>> display.axes_.shape
        (3, 4)
        """
        check_is_fitted(transformer)
        if (
            not isinstance(n_images, Integral)
            or isinstance(n_images, bool)
            or n_images < 1
        ):
            raise ValueError(f"n_images must be an int >= 1; got {n_images!r}.")
        X = _safe_indexing(X, slice(0, int(n_images)))
        pooled = transformer.downsample(X)
        restored = transformer.upsample(pooled)
        h, w = transformer.image_shape_
        ph, pw = transformer.pooled_shape_
        original = np.asarray(X, dtype=float)
        n = original.shape[0]
        channels = original.size // (n * h * w) if n else 1
        if channels != 1:
            raise ValueError(
                f"from_transformer shows single-channel images, but X holds "
                f"{channels} channels (shape {original.shape}); pass one "
                "channel, such as X[:, [0]]."
            )
        rows = {
            "original": original.reshape(n, h, w),
            f"pooled ({ph}x{pw})": np.asarray(pooled).reshape(n, ph, pw),
            "restored": np.asarray(restored).reshape(n, h, w),
        }
        return cls(rows).plot(axes=axes, **kwargs)
