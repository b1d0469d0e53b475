"""What a result was computed from: package version, data fingerprint, parameters.

Reports and notebooks show this block so that a reader can tell whether two
outputs are comparable: same version, same bundled snapshot (the SHA-256 of its
price manifest, which itself lists every file's checksum) and same parameters.
Nothing machine-specific (paths, times) is included, so it is identical across
rebuilds.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

from ..sources.bundled import manifest_digest
from ..version import __version__


@dataclass(frozen=True)
class Provenance:
    """Version, data checksum and parameters of one run.

    Attributes
    ----------
    version : str
        The eventstudy version.
    manifest_sha256 : str
        SHA-256 of the bundled price manifest (:func:`eventstudy.sources.bundled.manifest_digest`).
    parameters : dict
        The run's parameters (case, model, windows, returns, ...).
    """

    version: str
    manifest_sha256: str
    parameters: dict = field(default_factory=dict)

    def items(self) -> list[tuple[str, str]]:
        """Label and value pairs, parameters in the order given."""
        pairs = [("eventstudy version", self.version),
                 ("data manifest SHA-256", self.manifest_sha256)]
        pairs += [(k, _text(v)) for k, v in self.parameters.items()]
        return pairs

    def __str__(self) -> str:
        width = max(len(k) for k, _ in self.items())
        return "\n".join(f"{k + ':':<{width + 1}} {v}" for k, v in self.items())

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'><code>{html.escape(v)}</code></td></tr>"
            for k, v in self.items()
        )
        return f"<table class='eventstudy-provenance'>{rows}</table>"


def provenance(**parameters) -> Provenance:
    """The provenance of a run with the given parameters on the bundled data.

    Examples
    --------
    >>> provenance(case="xiaomi", model="market")  # doctest: +SKIP
    """
    return Provenance(__version__, manifest_digest(), dict(parameters))


def _text(value: object) -> str:
    """Parameters as compact JSON-like text (lists of windows stay readable)."""
    return value if isinstance(value, str) else json.dumps(value)
