"""Sphinx configuration of the skneuro documentation.

Build with ``make docs`` (or ``python -m sphinx -W --keep-going -b html docs
docs/_build/html``). The build needs no network: there is no intersphinx
mapping, the theme's assets ship with it, and the gallery examples
(``examples/plot_*.py``) run on data that ship with the install. The
examples are executed at every build, so that their figures are real; an
example that fails fails the build.
"""

import os
import re
import sys
from pathlib import Path

# Plots (if any docstring or page ever draws one) must not need a display.
os.environ.setdefault("MPLBACKEND", "Agg")
try:
    import matplotlib

    matplotlib.use("Agg")
except ImportError:  # pragma: no cover - matplotlib is a dependency
    pass

# Document the checkout next to this folder, even if it is not installed.
DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS))  # gallery_order

import skneuro  # noqa: E402
from skneuro.studies._registry import rst_table  # noqa: E402
from skneuro.utils import all_estimators  # noqa: E402

# The table of studies is the registry's (skneuro.studies._registry), not a
# copy that could fall behind it.
(DOCS / "generated").mkdir(exist_ok=True)
(DOCS / "generated" / "studies_table.rst").write_text(rst_table(), encoding="utf-8")

# -- Project -----------------------------------------------------------------

project = "skneuro"
author = "the skneuro developers"
copyright = "the skneuro developers"  # noqa: A001
release = skneuro.__version__
version = re.match(r"\d+(\.\d+)*", release).group(0)

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
]
root_doc = "index"
default_role = "literal"
# References to scikit-learn, numpy, torch... cannot resolve without
# intersphinx (no network at build time), so unresolved references are not
# reported.
nitpicky = False

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True  # pages go to docs/generated/ (gitignored)
autosummary_imported_members = False
autodoc_default_options = {"members": False}
autodoc_typehints = "none"
autoclass_content = "class"  # __init__ holds no docstring; the class does

numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True

# -- HTML --------------------------------------------------------------------

# The PyData theme, as scikit-learn, skorch and imbalanced-learn use.
html_theme = "pydata_sphinx_theme"
html_title = f"skneuro {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_depth": 3,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "show_prev_next": True,
}
html_sidebars = {"index": [], "getting_started": [], "reproducing": []}
html_show_sourcelink = False

# -- sphinx-gallery ------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "gallery_order.ExampleOrder",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    # The timing page would load its table styles from CDNs.
    "write_computation_times": False,
    "show_memory": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    # No intersphinx or embedding of links to other projects: no network.
    "reference_url": {},
    "backreferences_dir": None,
}


# -- Docstrings written for scikit-learn's own documentation -----------------
#
# The API pages list inherited methods (get_params, set_output, score, ...),
# whose docstrings come from scikit-learn and point into scikit-learn's
# documentation with :ref: labels and :term: glossary entries that do not
# exist here (and intersphinx is off: no network at build time). Glossary terms
# become links to scikit-learn's online glossary; other references to
# scikit-learn's documentation become plain emphasised text.

SKLEARN_GLOSSARY = "https://scikit-learn.org/stable/glossary.html#term-"
_TERM = re.compile(r":term:`(?:([^`<]*?)\s*<([^`>]+)>|([^`]+))`")
_REF = re.compile(r":ref:`(?:([^`<]*?)\s*<([^`>]+)>|([^`]+))`")


def _glossary_link(match):
    text = " ".join((match.group(1) or match.group(3)).split())
    target = " ".join((match.group(2) or match.group(3)).split())
    anchor = re.sub(r"[^0-9a-z]+", "-", target.lower()).strip("-")
    return f"`{text} <{SKLEARN_GLOSSARY}{anchor}>`__"


def _plain_reference(match):
    text = " ".join((match.group(1) or match.group(3)).split())
    if match.group(3) is not None:  # a bare label: make it readable
        text = text.rsplit("/", 1)[-1].replace("_", " ")
    return f"*{text}*"


def _rewrite_sklearn_references(app, what, name, obj, options, lines):
    text = "\n".join(lines)
    new = _TERM.sub(_glossary_link, text)
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn"):
        new = _REF.sub(_plain_reference, new)
    if new != text:
        lines[:] = new.split("\n")


# -- Checks ------------------------------------------------------------------


def _check_api_coverage(app):
    """Warn (an error under -W) when api.rst misses a public object.

    Every name of ``skneuro.__all__`` (except ``__version__``) and every class
    found by :func:`skneuro.utils.all_estimators` must appear in an autosummary
    table of ``api.rst``.
    """
    from sphinx.util import logging

    logger = logging.getLogger(__name__)
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\s+~?[\w.]*?(\w+)\s*$", text, flags=re.MULTILINE))
    public = {name for name in skneuro.__all__ if name != "__version__"}
    public |= {name for name, _ in all_estimators()}
    public.add("all_estimators")
    missing = sorted(public - listed)
    if missing:
        logger.warning(
            "api.rst has no autosummary entry for the public object(s) %s; "
            "add them to the API reference.",
            ", ".join(missing),
        )


def setup(app):
    app.connect("builder-inited", _check_api_coverage)
    app.connect("autodoc-process-docstring", _rewrite_sklearn_references)
