"""Data that ships with the install, and loaders for users' own files.

Nothing here downloads: every loader reads files that ship with an installed
package or that the user points to.
"""

from skneuro.datasets._feature_table import load_feature_table, make_feature_table
from skneuro.datasets._images import (
    load_digits_images,
    load_image_folder,
    load_lfw_faces,
    load_mnist,
)

__all__ = [
    "load_digits_images",
    "load_feature_table",
    "load_image_folder",
    "load_lfw_faces",
    "load_mnist",
    "make_feature_table",
]
