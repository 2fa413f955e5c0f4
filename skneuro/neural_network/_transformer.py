"""The base of skneuro's neural transformers: the input is its own target."""

from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from skneuro._engine import predict_in_chunks
from skneuro.neural_network._base import BaseNeuralNet, as_float32, check_fitted_X
from skneuro.utils._validation import check_input


class BaseNeuralTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNeuralNet
):
    """Base class of the neural transformers, such as autoencoders.

    The network learns to reproduce ``X`` (mean squared error). Its module
    provides ``encode`` (what ``transform`` returns), ``decode`` (what
    ``inverse_transform`` returns) and ``n_codes``, the width of the code;
    output feature names are the class name followed by a number.
    """

    def fit(self, X, y=None, sample_weight=None):
        """Train the network to reproduce ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; cast to float32.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return super().fit(X, None, sample_weight)

    def _validate_Xy(self, X, y, reset):
        return self._validate_X(X, reset), None

    def _target_and_loss_scale(self, X, y, *, warm, incremental, classes=None):
        variance = float(X.var(axis=0).mean())
        return X, X.shape[1], (variance if variance > 0 else None)

    def _code_module(self):
        """The fitted module whose ``encode``/``decode`` the transforms use."""
        check_is_fitted(self)
        return self.net_.module_

    @property
    def _n_features_out(self):
        return self._code_module().n_codes

    def transform(self, X):
        """Encode ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_codes)
            The network's code for each sample, float32.
        """
        X = check_fitted_X(self, X)
        return predict_in_chunks(self._code_module(), X, self.device_, method="encode")

    def inverse_transform(self, X):
        """Decode codes back into the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_codes)
            Codes, as ``transform`` returns them.

        Returns
        -------
        X_restored : ndarray of shape (n_samples, n_features)
            The reconstruction, float32.
        """
        module = self._code_module()
        codes = as_float32(check_input(X, dtype=["float32", "float64"]))
        if codes.shape[1] != module.n_codes:
            raise ValueError(
                f"X has {codes.shape[1]} columns, but {type(self).__name__} "
                f"encodes into {module.n_codes}."
            )
        return predict_in_chunks(module, codes, self.device_, method="decode")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
