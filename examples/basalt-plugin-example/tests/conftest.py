"""Make the example importable without installing it.

The repository's test environment deliberately does not install the example, so
the cross-package test that installs its wheel for real sees a difference.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
