"""
========================================
The images study (Hao, part 3), in small
========================================

:func:`skneuro.studies.run_images` reproduces the third experiment of Hao,
"Use Neural Network to Classify and Compress Images": GoogLeNet trained on
the raw images instead of hand-made features. Each repeat splits the
images 80/20 (stratified) and trains a :class:`skneuro.GoogLeNetClassifier`;
after every epoch the network is scored on the training and the test split
(cross-entropy and accuracy). The report gives the final test accuracy, the
mean test accuracy over windows of epochs and the test accuracy per class.

From a shell, the full study (images resized to 64x64 inside the network,
50 epochs) is::

    skneuro study images --out results/

and ``--quick`` runs 10 epochs at 32x32. Without ``--data`` it runs on the
200 grey 25x25 faces and non-faces of Labeled Faces in the Wild that ship
with scikit-image; ``--data`` takes a folder of images with one sub-folder
per class (such as SFEW's expression folders), or an MNIST folder. This
example uses the quick settings.
"""

import re
import tempfile
import time
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from skneuro.studies import run_images

# %%
# Running the study
# -----------------

out = Path(tempfile.mkdtemp())
start = time.perf_counter()
section = run_images(
    out, input_size=32, epochs=10, repeats=1, seed=0, show_progress=False
)
print(f"10 epochs of GoogLeNet in {time.perf_counter() - start:.1f} s")
print("files written:", sorted(path.name for path in out.iterdir()))

# %%
# The section of the report
# -------------------------

print(section)

# %%
# The figure
# ----------
#
# The cross-entropy and the accuracy of every epoch on the training split
# (scored in evaluation mode after the epoch, not the running training
# loss) and on the test split; with several repeats (``--repeats``) the
# curves are means with a band of one standard deviation.
#
# In evaluation mode, batch normalisation uses running averages of the
# batches' statistics, which trail the weights while these still move fast:
# that is why the accuracy sits at chance (0.5) for the first epochs and
# swings from one epoch to the next. When training ends, the fitted network
# recomputes those statistics over the training images with its final
# weights, so the final test accuracy and the per-class accuracies in the
# report (those of the fitted network's predictions) can differ from the
# last point of the curves.


def show_png(path):
    """Show a PNG file at its own size, without axes."""
    image = mpimg.imread(path)
    height, width = image.shape[:2]
    fig = plt.figure(figsize=(width / 100, height / 100))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.imshow(image)
    ax.set_axis_off()


for name in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", section):
    show_png(out / name)

plt.show()
