"""`python -m bench` lists the benchmarks; `python -m bench NAME [ARGS]` runs one; `all` runs each with
its defaults."""

from __future__ import annotations

import ast
import runpy
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def benchmarks() -> dict[str, str]:
    """Module name -> the first line of its docstring, for each module with a main()."""
    found = {}
    for path in sorted(HERE.glob("*.py")):
        tree = ast.parse(path.read_text())
        if path.stem.startswith("_") or not any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            continue
        found[path.stem] = (ast.get_docstring(tree) or "").splitlines()[0] if ast.get_docstring(tree) else ""
    return found


def main() -> int:
    names = benchmarks()
    if len(sys.argv) < 2:
        for name, summary in names.items():
            print(f"{name:18} {summary}")
        print("\nRun one: python -m bench NAME [--scale N]; every one: python -m bench all")
        return 0
    name, rest = sys.argv[1], sys.argv[2:]
    if name == "all":
        return max(subprocess.call([sys.executable, "-m", f"bench.{each}"]) for each in names)
    if name not in names:
        print(f"There is no benchmark named {name!r}; the benchmarks are: {', '.join(names)}.", file=sys.stderr)
        return 2
    sys.argv = [f"bench.{name}", *rest]
    runpy.run_module(f"bench.{name}", run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
