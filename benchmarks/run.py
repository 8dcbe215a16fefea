#!/usr/bin/env python3
"""Benchmark harness entry point.  From the repository root:

    python3 benchmarks/run.py            # full run (about 10 minutes)
    python3 benchmarks/run.py --smoke    # seconds per contender, for CI
    python3 benchmarks/run.py --help

Needs only a Python >= 3.10 with the venv module: it builds benchmarks/.venv and benchmarks/.venv-old.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness.main import main

if __name__ == "__main__":
    sys.exit(main())
