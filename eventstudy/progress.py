"""Progress bars for long runs (many downloads, many partitions), via tqdm."""

from __future__ import annotations

import sys


def progress_bar(total: int, enabled: bool | None, description: str, unit: str = "it"):
    """A tqdm bar on stderr, or None.

    Shown when ``enabled`` is True, or by default (``None``) when stderr is a
    terminal, so that scripts, CI logs and report builds stay quiet; never for a
    single step.
    """
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show or total <= 1:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit=unit, file=sys.stderr)
