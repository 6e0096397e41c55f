"""One contender computing one case in this (fresh) process.

``python -m basalt_bench.run CASE CONTENDER LAKE OUT``.

Prints one JSON line: the contender's own time (after its imports, up to its
files written) and the rows of each output.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from basalt_bench.contenders import runner


def main(argv: list[str]) -> None:
    """Run ``argv = [case, contender, lake, out]``."""
    case, contender, lake, out = argv
    run = runner(contender)
    started = time.perf_counter()
    Path(out).mkdir(parents=True, exist_ok=True)
    rows = run(case, Path(lake), Path(out))
    print(json.dumps({"inner_seconds": time.perf_counter() - started, "rows": rows}))


if __name__ == "__main__":
    main(sys.argv[1:])
