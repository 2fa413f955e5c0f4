"""``python -m skneuro study ...``."""

import sys

from skneuro.studies._cli import main

if __name__ == "__main__":
    sys.exit(main())
