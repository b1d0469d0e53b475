"""Provenance and display helpers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from eventstudy import __version__
from eventstudy.report.display import styled
from eventstudy.report.provenance import provenance

MANIFEST = Path(__file__).resolve().parent.parent / "data" / "prices" / "manifest.csv"


def test_provenance_names_version_checksum_and_parameters():
    stamp = provenance(case="xiaomi", windows=[[0, 0], [-1, 1]])
    digest = hashlib.sha256(MANIFEST.read_bytes()).hexdigest()
    assert stamp.manifest_sha256 == digest and stamp.version == __version__
    text, page = str(stamp), stamp._repr_html_()
    for piece in (digest, __version__, "xiaomi", "[[0, 0], [-1, 1]]"):
        assert piece in text and piece in page
    assert provenance(case="xiaomi", windows=[[0, 0], [-1, 1]]) == stamp  # nothing volatile


def test_styled_formats_returns_as_percent_without_changing_data():
    frame = pd.DataFrame({"event_id": ["a"], "car": [0.0466], "p_value": [0.14712],
                          "high": [26.3]})
    page = styled(frame).to_html()
    assert "+4.66%" in page and "0.147" in page and "26.3" in page
    assert frame.car.iloc[0] == 0.0466
    wide = pd.DataFrame({"x, y": [-0.1111]}, index=pd.Index(["e"], name="event_id"))
    assert "-11.11%" in styled(wide, percent="all").to_html()
