"""The bundled data are found from an installed wheel, not only from a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import eventstudy, eventstudy.sources.bundled as b
from eventstudy.sources import BundledPrices
print(b.data_dir())
print(len(BundledPrices().get('1810.HK')))
print(len(eventstudy.bundled_events()))
"""


def test_wheel_carries_verified_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("eventstudy-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, env={"PYTHONPATH": str(site)},
        check=True, capture_output=True, text=True,
    ).stdout.split()
    assert out[0] == str(site / "eventstudy" / "_bundled")
    assert out[1:] == ["641", "23"]
