"""The order of the gallery: the estimators as a reader meets them, then the
studies (sphinx-gallery's ``within_subsection_order``)."""

ORDER = [
    "plot_pool_interpolate.py",
    "plot_feature_groups.py",
    "plot_hao_features.py",
    "plot_mlp_classifier.py",
    "plot_pruning_autoencoder.py",
    "plot_distinctiveness_pruning.py",
    "plot_small_cnn.py",
    "plot_googlenet.py",
    "plot_deploying.py",
    "plot_study_pool_interpolate.py",
    "plot_study_feature_groups.py",
    "plot_study_compression.py",
    "plot_study_images.py",
]


class ExampleOrder:
    """Sort key: the position in :data:`ORDER`, unknown files last by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in ORDER:
            return (ORDER.index(filename), filename)
        return (len(ORDER), filename)

    def __repr__(self):
        return f"<{type(self).__name__}>"
