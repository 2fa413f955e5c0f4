"""Where an estimator's HTML representation links to."""

#: Root of the published documentation.
DOCS_URL = "https://skneuro.readthedocs.io/en/latest/"


class DocLinkMixin:
    """Make the "?" in an estimator's HTML repr open its skneuro API page.

    scikit-learn builds the link from ``_doc_link_module`` (estimators of
    other packages get none) and ``_doc_link_template``.

    Examples
    --------
    >>> from skneuro import MLPClassifier
    >>> MLPClassifier()._get_doc_link()
    'https://skneuro.readthedocs.io/en/latest/generated/skneuro.neural_network.MLPClassifier.html'
    """

    _doc_link_module = "skneuro"
    _doc_link_template = DOCS_URL + "generated/{estimator_module}.{estimator_name}.html"
