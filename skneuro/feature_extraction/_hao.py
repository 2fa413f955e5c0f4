"""Hao's features from images: LPQ and PHOG histograms, then their principal
components, as in the feature table of Hao, "Use Neural Network to Classify
and Compress Images"."""

from functools import partial

from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.decomposition import PCA
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from skneuro.feature_extraction._lpq import LocalPhaseQuantization
from skneuro.feature_extraction._phog import PyramidHOG

#: The descriptor of each group of Hao's table, by the group's name.
DESCRIPTORS = {"lpq": LocalPhaseQuantization, "phog": PyramidHOG}


def _numbered(prefix, transformer, input_features):
    """Names ``<prefix>_1 ... <prefix>_k``, as the columns of Hao's table."""
    return [f"{prefix}_{i + 1}" for i in range(len(input_features))]


def make_hao_features(
    n_components=5, *, lpq=None, phog=None, image_shape=None, data_format="auto"
):
    """Images to Hao's features: ``lpq_1..k`` and ``phog_1..k``.

    The feature table of Hao, "Use Neural Network to Classify and Compress
    Images", holds 5 principal components of LPQ histograms and 5 of PHOG
    histograms per facial-expression image. This pipeline computes them from
    the images: :class:`LocalPhaseQuantization` and :class:`PyramidHOG`
    (step ``"histograms"``, which learns nothing from the data), then a PCA
    of each descriptor's histograms (step ``"components"``, fitted in
    ``fit``). Put in a :class:`~sklearn.pipeline.Pipeline` before a
    classifier, the PCA is fitted inside each fold of a cross-validation,
    on that fold's training images only; Hao's table was made with one PCA
    of all the images at once, test images included. The output is a
    DataFrame whose column names give
    :class:`~skneuro.preprocessing.FeatureGroupSelector` its groups (``lpq``
    and ``phog``).

    Parameters
    ----------
    n_components : int, default=5
        Principal components kept of each descriptor.
    lpq : dict or None, default=None
        Parameters of :class:`LocalPhaseQuantization` (its defaults where
        ``None``).
    phog : dict or None, default=None
        Parameters of :class:`PyramidHOG` (its defaults where ``None``).
    image_shape : tuple of (int, int) or None, default=None
        Height and width of flat input, for both descriptors.
    data_format : {"auto", "channels_first", "channels_last"}, default="auto"
        Layout of 4-D (colour) input, for both descriptors.

    Returns
    -------
    features : sklearn.pipeline.Pipeline
        ``Pipeline([("histograms", FeatureUnion), ("components",
        ColumnTransformer)])`` with pandas output.

    Examples
    --------
    >>> from skneuro.datasets import load_lfw_faces
    >>> from skneuro.feature_extraction import make_hao_features
    >>> faces = load_lfw_faces()
    >>> features = make_hao_features(n_components=5).fit(faces.images)
    >>> print(*features.get_feature_names_out())
    lpq_1 lpq_2 lpq_3 lpq_4 lpq_5 phog_1 phog_2 phog_3 phog_4 phog_5
    >>> features.transform(faces.images[:3]).shape
    (3, 10)
    """
    layout = {"image_shape": image_shape, "data_format": data_format}
    settings = {"lpq": lpq or {}, "phog": phog or {}}
    histograms = FeatureUnion(
        [
            (name, Descriptor(**layout, **settings[name]))
            for name, Descriptor in DESCRIPTORS.items()
        ],
        verbose_feature_names_out=False,
    )
    components = ColumnTransformer(
        [
            (
                name,
                Pipeline(
                    [
                        # ARPACK: the leading components only, exact to
                        # machine precision and seeded; much faster than the
                        # full SVD on a few hundred rows of histograms
                        # (docs/benchmarks.rst, "Figures behind the code").
                        (
                            "pca",
                            PCA(n_components, svd_solver="arpack", random_state=0),
                        ),
                        (
                            "names",
                            FunctionTransformer(
                                feature_names_out=partial(_numbered, name)
                            ),
                        ),
                    ]
                ),
                make_column_selector(pattern=f"^{name}_"),
            )
            for name in DESCRIPTORS
        ],
        verbose_feature_names_out=False,
    )
    pipeline = Pipeline([("histograms", histograms), ("components", components)])
    return pipeline.set_output(transform="pandas")
