"""Features computed from images: the LPQ and PHOG descriptors of Hao's table.

:class:`LocalPhaseQuantization` (Ojansivu & Heikkila, "Blur Insensitive
Texture Classification Using Local Phase Quantization") and
:class:`PyramidHOG` (Bosch, Zisserman & Munoz, "Representing Shape with a
Spatial Pyramid Kernel") turn images into histograms, batched over the whole
set of images; :func:`make_hao_features` chains them with the principal
components that make the feature table of Hao, "Use Neural Network to
Classify and Compress Images".
"""

from skneuro.feature_extraction._hao import make_hao_features
from skneuro.feature_extraction._lpq import LocalPhaseQuantization
from skneuro.feature_extraction._phog import PyramidHOG

__all__ = ["LocalPhaseQuantization", "PyramidHOG", "make_hao_features"]
