"""Run every benchmark in this folder, one after another: ``python -m benchmarks``."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))
    wanted = sys.argv[1:] or names
    failed = []
    for name in wanted:
        print(f"\n=== benchmarks.{name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            module.main()
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                failed.append(name)
    if failed:
        print(f"\nBenchmarks that missed a target: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
