"""The event catalog: loading and validation of malformed rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from eventstudy.errors import CatalogError
from eventstudy.events import (
    announced_labels,
    bundled_cases,
    bundled_events,
    day_numbers,
    events_frame,
    iso_days,
    read_catalog,
)

HEADER = "id,case,ticker,exchange,market,type,date,time,timing,timezone,description,source\n"
GOOD = "e1,c,1810.HK,XHKG,^HSI,designation,2021-01-14,,after_close,America/New_York,d,s\n"
KNOWN = ["1810.HK", "^HSI"]


def write(tmp_path, *rows, header=HEADER):
    path = tmp_path / "events.csv"
    path.write_text(header + "".join(rows))
    return path


def test_bundled_catalog_fields():
    events = {e.id: e for e in bundled_events("xiaomi")}
    assert set(bundled_cases().index) == {"xiaomi", "luokung", "telecoms", "smic"}
    final = events["xiaomi-final-order"]
    assert final.time == dt.time(16, 0) and final.timing == "exact"
    assert events["xiaomi-joint-filing"].date == dt.date(2021, 5, 11)
    assert {e.ticker for e in bundled_events("telecoms")} == {"0941.HK", "0728.HK", "0762.HK"}
    assert list(events_frame(bundled_events("smic"))["id"])[0] == "smic-blacklist-report"


def test_good_row_reads(tmp_path):
    (event,) = read_catalog(write(tmp_path, GOOD), KNOWN)
    assert event.key == "e1/1810.HK" and event.timing == "after_close"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (GOOD.replace("1810.HK", "9999.HK"), "unknown ticker '9999.HK'"),
        (GOOD.replace("^HSI", "^XYZ"), "unknown market '^XYZ'"),
        (GOOD.replace("XHKG", "XMOON"), "unknown exchange 'XMOON'"),
        (GOOD.replace("2021-01-14", "2021-13-14"), "malformed date '2021-13-14'"),
        (GOOD.replace("2021-01-14", "14/01/2021"), "malformed date"),
        (GOOD.replace("after_close", "evening"), "unknown timing 'evening'"),
        (GOOD.replace(",after_close", ",").replace(",,", ",25:99,", 1), "malformed time"),
        (GOOD.replace(",,after_close", ",18:00,after_close"), "either a time"),
        (GOOD.replace("1810.HK", " "), "empty 'ticker'"),
        (GOOD.replace("America/New_York", "Mars/Olympus"), "unknown time zone"),
        (GOOD.replace("2021-01-14", ""), "empty 'date'"),
    ],
)
def test_malformed_rows_name_the_line(tmp_path, row, message):
    path = write(tmp_path, GOOD, row)
    with pytest.raises(CatalogError, match="events.csv line 3") as info:
        read_catalog(path, KNOWN)
    assert message in str(info.value)


def test_duplicate_and_structural_problems(tmp_path):
    with pytest.raises(CatalogError, match="appears twice"):
        read_catalog(write(tmp_path, GOOD, GOOD), KNOWN)
    with pytest.raises(CatalogError, match="missing columns"):
        read_catalog(write(tmp_path, "x,y\n", header="a,b\n"))
    with pytest.raises(CatalogError, match="no rows"):
        read_catalog(write(tmp_path))
    with pytest.raises(CatalogError, match="cannot read"):
        read_catalog(tmp_path / "absent.csv")
    with pytest.raises(CatalogError, match="unknown case"):
        bundled_events("huawei")


def test_announced_labels_equal_each_events_own_label():
    events = bundled_events()
    assert announced_labels(events) == [e.announced for e in events]


def test_day_numbers_count_days_since_1970():
    events = bundled_events()
    expected = [(e.date - dt.date(1970, 1, 1)).days for e in events]
    assert day_numbers(events).tolist() == expected


def test_iso_days_match_the_calendar():
    days = np.array([-800, -1, 0, 1, 18_642, 18_642, 20_000])  # 18,642 is 2021-01-15
    expected = [(dt.date(1970, 1, 1) + dt.timedelta(days=int(d))).isoformat() for d in days]
    assert iso_days(days).tolist() == expected
    assert expected[4] == "2021-01-15"
