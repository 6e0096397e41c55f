"""Puts this folder on ``sys.path``: the bar tests import ``reference_bars`` and ``bar_data``."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
