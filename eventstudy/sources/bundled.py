"""The bundled snapshot: where it lives, its integrity check, and its price source.

In a checkout the data sit in the top-level ``data/`` folder; an installed wheel
carries the same files as the package ``eventstudy._bundled``. The environment
variable ``EVENTSTUDY_DATA`` overrides both (useful for pinned report builds).
Every price file is checked against the manifest's SHA-256 when it is first read.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import DataIntegrityError
from .shapes import raw_table
from .source import PerTickerSource
from .table import PriceTable
from .validate import validate

MANIFEST = Path("prices") / "manifest.csv"


def data_dir() -> Path:
    """Return the folder holding ``prices/`` and ``events/``.

    Raises
    ------
    DataIntegrityError
        If no folder with a price manifest can be found.
    """
    candidates = []
    if os.environ.get("EVENTSTUDY_DATA"):
        candidates.append(Path(os.environ["EVENTSTUDY_DATA"]))
    candidates.append(Path(__file__).resolve().parents[2] / "data")
    candidates.append(Path(str(resources.files("eventstudy"))) / "_bundled")
    for folder in candidates:
        if (folder / MANIFEST).is_file():
            return folder
    looked = ", ".join(str(c) for c in candidates)
    raise DataIntegrityError(
        f"bundled data not found (looked in {looked}); reinstall eventstudy or set EVENTSTUDY_DATA"
    )


@cache
def price_manifest(folder: Path | None = None) -> pd.DataFrame:
    """The price manifest: one row per bundled series, indexed by ticker."""
    folder = data_dir() if folder is None else folder
    frame = pd.read_csv(folder / MANIFEST, dtype={"rows": "int64"}, keep_default_na=False)
    return frame.set_index("ticker")


def sha256(path: Path) -> str:
    """Hex SHA-256 digest of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify_checksum(path: Path, expected: str) -> None:
    """Raise :class:`DataIntegrityError` unless ``path`` hashes to ``expected``."""
    actual = sha256(path)
    if actual != expected:
        raise DataIntegrityError(
            f"{path}: checksum mismatch (manifest {expected[:12]}..., file {actual[:12]}...); "
            "the file was modified or corrupted: restore it from the repository"
        )


def manifest_digest(folder: Path | None = None) -> str:
    """SHA-256 of the manifest file itself: one fingerprint for the whole snapshot."""
    folder = data_dir() if folder is None else folder
    return sha256(folder / MANIFEST)


class BundledPrices(PerTickerSource):
    """The verified snapshot shipped with the package (see data/prices/PROVENANCE.md).

    Every file is checked against the manifest's SHA-256 when it is first read.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = data_dir() if folder is None else Path(folder)
        self.manifest = price_manifest(self.folder)

    def __repr__(self) -> str:
        return f"BundledPrices({str(self.folder)!r})"

    def tickers(self) -> tuple[str, ...]:
        return tuple(self.manifest.index)

    def load(self, ticker: str) -> PriceTable:
        row = self.manifest.loc[ticker]
        path = self.folder / "prices" / row["file"]
        verify_checksum(path, row["sha256"])
        return validate(raw_table(pd.read_csv(path), ticker=ticker, first_line=2))
