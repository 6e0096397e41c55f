"""Shared helpers of the book-estimator tests (ofi, microprice, volatility, liquidity).

The helper modules (``book_frames``, ``book_reference``) sit beside the tests; pytest runs in
importlib mode, so this folder is put on ``sys.path`` for them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
