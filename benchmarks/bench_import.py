"""Start-up: ``import eventstudy`` and ``eventstudy run xiaomi`` in fresh processes.

Each run is a new interpreter, timed from the parent (interpreter start-up included;
a bare ``python -c pass`` row shows that part, and ``import pandas, numpy`` what the
package's own dependencies cost): ``python -c "import eventstudy"`` and ``python -m
eventstudy.cli run xiaomi`` (the study of the bundled Xiaomi case, printed), in this
checkout and optionally another. The commands are timed alternately, in reversed
order every other round, so that the machine's background load falls on all alike;
the table gives the median, minimum and maximum over the runs. One more process per checkout, under
``python -X importtime``, lists the modules with the largest cumulative import time.
Every process runs in its checkout's folder with that folder first on PYTHONPATH,
so an installed copy of the package is not what gets timed.

    python benchmarks/bench_import.py                       # this checkout, 7 runs
    python benchmarks/bench_import.py --baseline-path /work/other-checkout --runs 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # the checkout this script belongs to
IMPORT = "import eventstudy"
RUN = ("-m", "eventstudy.cli", "run", "xiaomi")


def _env(path: Path) -> dict[str, str]:
    """The environment with ``path`` first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), env.get("PYTHONPATH")]))
    return env


def _run(python: str, path: Path, code: str | tuple[str, ...], *flags: str):
    """Run ``python -c code`` (or ``python *code`` for a tuple) in ``path``."""
    command = [python, *flags, *(code if isinstance(code, tuple) else ("-c", code))]
    return subprocess.run(command, cwd=path, env=_env(path), capture_output=True, text=True,
                          check=True)


def _label(path: Path) -> str:
    """``path`` and its git commit (``+`` if the tree has changes), when it is a checkout."""
    try:
        commit = subprocess.run(["git", "-C", str(path), "describe", "--always", "--dirty=+"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(path)
    return f"{path} @ {commit}"


def time_imports(python: str, paths: list[Path], runs: int) -> dict[str, list[float]]:
    """Wall seconds of each run of the bare interpreter and of the import in each checkout.

    ``paths`` are this checkout and, optionally, a baseline; a baseline that is
    this checkout again gets a row of its own. A first, untimed import per
    checkout checks that the package is read from that checkout (and warms the
    file cache).
    """
    for path in paths:
        where = _run(python, path, f"{IMPORT}; print(eventstudy.__file__)").stdout.strip()
        if not Path(where).resolve().is_relative_to(path.resolve()):
            raise RuntimeError(f"eventstudy was imported from {where}, not from {path}")
    cases = [("python -c pass", paths[0], "pass"),
             (BASE, paths[0], "import pandas, numpy")]
    for i, path in enumerate(paths):
        name = f"{'baseline' if i else 'this checkout'}: {_label(path)}"
        cases += [(f"{name}: import eventstudy", path, IMPORT),
                  (f"{name}: eventstudy run xiaomi", path, RUN)]
    seconds: dict[str, list[float]] = {label: [] for label, _, _ in cases}
    for round_ in range(runs):
        for label, path, code in cases if round_ % 2 == 0 else cases[::-1]:
            start = time.perf_counter()
            _run(python, path, code)
            seconds[label].append(time.perf_counter() - start)
    return seconds


BASE = "import pandas, numpy"


def summary(seconds: dict[str, list[float]]) -> list[str]:
    """The medians of each checkout's import above pandas and numpy, and of its run."""
    base = statistics.median(seconds[BASE])
    lines = []
    for label, values in seconds.items():
        if label.endswith(": import eventstudy"):
            lines.append(f"{label}: {statistics.median(values) - base:+.3f} s above {BASE}")
        elif label.endswith(": eventstudy run xiaomi"):
            lines.append(f"{label}: {statistics.median(values):.3f} s")
    return lines


def top_imports(python: str, path: Path, count: int) -> list[tuple[str, float, float]]:
    """``(module, cumulative ms, self ms)`` of the ``count`` slowest imports of one process."""
    report = _run(python, path, IMPORT, "-X", "importtime").stderr
    rows = []
    for line in report.splitlines():
        # "import time:  self [us] | cumulative | imported package", one line per module
        fields = line.removeprefix("import time:").split("|")
        if len(fields) == 3 and fields[0].strip().isdigit():
            rows.append((fields[2].strip(), int(fields[1]) / 1e3, int(fields[0]) / 1e3))
    return sorted(rows, key=lambda row: -row[1])[:count]


def markdown(seconds: dict[str, list[float]]) -> str:
    lines = ["| version | median s | min s | max s | runs |", "|---|---:|---:|---:|---:|"]
    for label, values in seconds.items():
        lines.append(f"| {label} | {statistics.median(values):.3f} | {min(values):.3f} "
                     f"| {max(values):.3f} | {len(values)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="processes per command")
    parser.add_argument("--baseline-path", type=Path,
                        help="another checkout, timed alternately with this one")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run")
    parser.add_argument("--top", type=int, default=12, help="modules listed per checkout")
    args = parser.parse_args(argv)
    paths = [HERE] + ([args.baseline_path] if args.baseline_path else [])
    seconds = time_imports(args.python, paths, args.runs)
    print(markdown(seconds))
    print("\n" + "\n".join(summary(seconds)))
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("\nPYTHONDONTWRITEBYTECODE is set: a checkout without __pycache__ folders "
              "has its modules compiled in every process.")
    for path in paths:
        print(f"\nSlowest imports, one `-X importtime` process: {_label(path)}\n")
        print("| module | cumulative ms | self ms |\n|---|---:|---:|")
        for module, cumulative, own in top_imports(args.python, path, args.top):
            print(f"| {module} | {cumulative:.0f} | {own:.0f} |")


if __name__ == "__main__":
    main()
