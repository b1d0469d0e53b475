"""Write the outputs of the ORIGINAL statistics code as reference CSVs.

Run once with the code of commit 7ada3b7 (before eventstudy.stats became a
package), never with the code under test:

    mkdir /tmp/stats-base && git archive 7ada3b7 | tar -x -C /tmp/stats-base
    cd /tmp/stats-base && PYTHONPATH=/tmp/stats-base python \\
        <repo>/tests/reference/original_battery/make.py <repo>/tests/reference/original_battery

Files: ``telecoms_aar.csv`` and ``telecoms_caar.csv`` (``aar`` and ``caar`` of the
bundled telecoms case pooled by ``event_id``), ``telecoms_windows.csv`` (the
per-event windows table's tests), and ``synthetic_daily.csv`` /
``synthetic_window.csv`` (:func:`run_daily_battery` and
:func:`run_window_batteries` on the seeded panel of ``cases.py``). Floats are
written with 17 significant digits and read back here (pandas' default parser) to
check that every file round-trips exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from cases import WINDOW_COLUMNS, battery_columns, synthetic_panel

import eventstudy
from eventstudy import EventStudy, bundled_events
from eventstudy import stats as es


def tables() -> dict[str, pd.DataFrame]:
    results = EventStudy(bundled_events("telecoms")).fit()
    panel = synthetic_panel()
    daily = es.run_daily_battery(panel["ar"], panel["ar_var"], panel["est_resid"], panel["df"])
    windows = es.run_window_batteries(panel["windows"], panel["est_resid"], panel["df"],
                                      n_boot=199, seed=3)
    window_rows = [pd.DataFrame(battery_columns(b)) for b in windows]
    return {
        "telecoms_aar": results.aar(group_by="event_id"),
        "telecoms_caar": results.caar(group_by="event_id"),
        "telecoms_windows": results.windows[WINDOW_COLUMNS],
        "synthetic_daily": pd.DataFrame(battery_columns(daily)),
        "synthetic_window": pd.concat(window_rows, ignore_index=True),
    }


def main(folder: Path) -> None:
    print(f"eventstudy from {Path(eventstudy.__file__).resolve().parent}")
    for name, table in tables().items():
        path = folder / f"{name}.csv"
        table.to_csv(path, index=False, float_format="%.17g")
        back = pd.read_csv(path)
        for column in table.columns:
            np.testing.assert_array_equal(back[column].to_numpy(), table[column].to_numpy())
        print(f"{path.name}: {table.shape}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
