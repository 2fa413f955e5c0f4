"""
===============================================================
Hao's features from raw images: LPQ codes, a PHOG pyramid, PCA
===============================================================

The feature table of Hao, "Use Neural Network to Classify and Compress
Images", holds five principal components of LPQ histograms and five of PHOG
histograms per facial-expression image. :mod:`skneuro.feature_extraction`
computes both descriptors from the images:

- :class:`~skneuro.feature_extraction.LocalPhaseQuantization` (Ojansivu &
  Heikkila, "Blur Insensitive Texture Classification Using Local Phase
  Quantization") codes each pixel by the signs of the phase of four
  low-frequency Fourier coefficients of its neighbourhood, and histograms
  the codes;
- :class:`~skneuro.feature_extraction.PyramidHOG` (Bosch, Zisserman & Munoz,
  "Representing Shape with a Spatial Pyramid Kernel") histograms the
  gradient orientations of Canny edge pixels over a pyramid of ever finer
  cells;
- :func:`~skneuro.feature_extraction.make_hao_features` chains them with a
  PCA of each, fitted inside the pipeline.

The end of this example runs Hao's feature-groups study from a folder of
images, one sub-folder per class, as ``skneuro study feature-groups --data
FOLDER`` does.
"""

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from skimage import data
from skimage.io import imsave
from sklearn.decomposition import PCA
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skneuro.datasets import load_lfw_faces
from skneuro.feature_extraction import (
    LocalPhaseQuantization,
    PyramidHOG,
    make_hao_features,
)
from skneuro.neural_network import MLPClassifier
from skneuro.studies import run_feature_groups

# %%
# An image, its LPQ code image and its PHOG pyramid
# --------------------------------------------------
#
# scikit-image's camera man, at 128x128. The code image holds one of 256
# codes per pixel whose 3x3 window lies inside the image; the pyramid's
# level ``l`` splits the image into ``2**l`` by ``2**l`` cells, each with a
# histogram of 8 orientations (here the strength of the dominant one is
# drawn per cell).

image = data.camera()[::4, ::4].astype(float) / 255
lpq = LocalPhaseQuantization().fit(image[None])
phog = PyramidHOG(levels=2).fit(image[None])
codes = lpq.codes(image[None])[0]
pyramid = phog.pyramid(image[None])

fig, axes = plt.subplots(1, 2 + len(pyramid), figsize=(13, 3.2))
axes[0].imshow(image, cmap="gray")
axes[0].set_title("image")
axes[1].imshow(codes, cmap="nipy_spectral")
axes[1].set_title("LPQ codes (0-255)")
axes[2].imshow(phog.edges(image[None])[0], cmap="gray")
axes[2].set_title("Canny edges (PHOG)")
for level, histograms in enumerate(pyramid[1:], start=1):
    ax = axes[2 + level]
    ax.imshow(histograms[0].max(axis=-1), cmap="magma")
    ax.set_title(f"PHOG level {level}: {2**level}x{2**level} cells")
for ax in axes:
    ax.set_axis_off()
fig.tight_layout()

# %%
# The histograms
# --------------
#
# ``transform`` gives the normalised histograms: 256 LPQ bins, and
# ``8 * (1 + 4 + 16)`` PHOG bins for two levels below the whole image.

fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 4.5))
top.bar(np.arange(256), lpq.transform(image[None])[0], width=1.0)
top.set_title("LPQ histogram")
histogram = phog.transform(image[None])[0]
bottom.bar(np.arange(len(histogram)), histogram, width=1.0)
bottom.set_title("PHOG histogram (levels 0, 1, 2 concatenated)")
fig.tight_layout()

# %%
# Hao's features on the shipped faces
# -----------------------------------
#
# ``make_hao_features(n_components=5)`` maps images to ``lpq_1..5`` and
# ``phog_1..5``. Put before a classifier, its PCA is fitted on each training
# fold only (Hao's table was made with one PCA of all the images). On
# scikit-image's 200 faces and non-faces, next to the same MLP on PCA of
# the raw pixels:

faces = load_lfw_faces()
hao = make_pipeline(
    make_hao_features(n_components=5),
    StandardScaler(),
    MLPClassifier(hidden_units=5, max_epochs=500, random_state=0),
)
pixels = make_pipeline(
    StandardScaler(),
    PCA(10, random_state=0),
    StandardScaler(),
    MLPClassifier(hidden_units=5, max_epochs=500, random_state=0),
)
flat = faces.images.reshape(len(faces.images), -1)
for name, pipe, X in [
    ("Hao's 10 features", hao, faces.images),
    ("PCA(10) of pixels", pixels, flat),
]:
    scores = cross_val_score(pipe, X, faces.target, cv=5)
    print(f"{name} + MLP: accuracy {scores.mean():.3f} +- {scores.std():.3f}")

# %%
# The feature-groups study from an image folder
# ---------------------------------------------
#
# The faces written as PNG files, one sub-folder per class, then Hao's
# study: each group (``lpq``, ``phog``, ``all``) searched over hidden sizes.
# The report states how the features were computed.

folder = Path(tempfile.mkdtemp()) / "faces"
for label, name in enumerate(faces.target_names):
    (folder / name).mkdir(parents=True)
    for i in np.flatnonzero(faces.target == label):
        pixels = (faces.images[i] * 255).round().astype(np.uint8)
        imsave(folder / name / f"{i}.png", pixels, check_contrast=False)

section = run_feature_groups(
    Path(tempfile.mkdtemp()),
    data=folder,
    hidden_sizes=(2, 5),
    epochs=200,
    cv=3,
    show_progress=False,
)
print(section.split("![")[0])

plt.show()
