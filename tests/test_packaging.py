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
print(eventstudy.__version__)
results = eventstudy.EventStudy(eventstudy.bundled_events('xiaomi'), windows=[(0, 0)]).fit()
print(round(float(results.windows.car.iloc[0]), 4))
"""


def test_wheel_carries_verified_data(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        check=True, capture_output=True,
    )
    # the distribution's own name: "eventstudy" on PyPI is another project
    (wheel,) = tmp_path.glob("policy_eventstudy-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, env={"PYTHONPATH": str(site)},
        check=True, capture_output=True, text=True,
    ).stdout.split()
    assert out[0] == str(site / "eventstudy" / "_bundled")
    assert out[1:3] == ["641", "23"]
    assert out[3] != "0+unknown"  # the version comes from the wheel's metadata
    assert out[4] == "-0.1111"  # the designation's day-0 abnormal return (README)
