"""Events: the Event defaults, events from tables and files, and malformed or hostile input.

Expected values are written out by hand from the inputs (a date string and its
calendar day, an exchange and the IANA zone it keeps), or read with plain ``csv``
and ``datetime``, not produced by the library.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import pickle
from pathlib import Path

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import pytest

from eventstudy import as_events
from eventstudy.calendar.days import day_numbers, iso_days
from eventstudy.errors import CatalogError, SpecificationError
from eventstudy.events import (
    SUFFIX_EXCHANGES,
    Event,
    announced_labels,
    bundled_cases,
    bundled_events,
    events_frame,
    read_catalog,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "events"
HEADER = "id,case,ticker,exchange,market,type,date,time,timing,timezone,description,source\n"
GOOD = "e1,c,1810.HK,XHKG,^HSI,designation,2021-01-14,,after_close,America/New_York,d,s\n"
KNOWN = ["1810.HK", "^HSI"]


def write(tmp_path, *rows, header=HEADER, name="events.csv"):
    path = tmp_path / name
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


# ----- the bundled catalogs --------------------------------------------------------------------
def test_bundled_catalog_fields():
    events = {e.id: e for e in bundled_events("xiaomi")}
    assert set(bundled_cases().index) == {"xiaomi", "luokung", "telecoms", "smic"}
    final = events["xiaomi-final-order"]
    assert final.time == dt.time(16, 0) and final.timing == "exact"
    assert events["xiaomi-joint-filing"].date == dt.date(2021, 5, 11)
    assert {e.ticker for e in bundled_events("telecoms")} == {"0941.HK", "0728.HK", "0762.HK"}
    assert list(events_frame(bundled_events("smic"))["id"])[0] == "smic-blacklist-report"


@pytest.mark.parametrize("case", ["xiaomi", "luokung", "telecoms", "smic"])
def test_bundled_events_equal_the_catalog_read_with_plain_csv(case):
    with open(DATA / f"{case}.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    events = bundled_events(case)
    assert len(events) == len(rows) > 0
    for event, row in zip(events, rows, strict=True):
        time = dt.time.fromisoformat(row["time"]) if row["time"] else None
        expected = {
            **{k: row[k] for k in ("id", "case", "ticker", "exchange", "market", "type",
                                   "timezone", "description", "source")},
            "date": dt.date.fromisoformat(row["date"]),
            "time": time,
            "timing": "exact" if time else row["timing"],
        }
        assert dataclasses.asdict(event) == expected


def test_all_bundled_events_and_their_round_trip_through_a_frame():
    events = bundled_events()
    assert len(events) == 23  # 5 xiaomi + 3 luokung + 12 telecoms + 3 smic
    assert as_events(events_frame(events)) == events


# ----- Event: the two required fields and the defaults --------------------------------------
def test_event_defaults():
    event = Event("1810.HK", "2021-05-11")
    assert dataclasses.asdict(event) == {
        "ticker": "1810.HK", "date": dt.date(2021, 5, 11), "id": "1810.HK@2021-05-11",
        "case": "", "exchange": "XHKG", "market": "", "type": "other", "time": None,
        "timing": "unknown", "timezone": "Asia/Hong_Kong", "description": "", "source": "",
    }
    assert event.key == "1810.HK@2021-05-11/1810.HK"
    assert event.announced == "2021-05-11 unknown (Asia/Hong_Kong)"


def test_a_time_makes_the_timing_exact():
    for time in ("16:00", dt.time(16, 0), " 16:00 ", "16:00:00"):
        event = Event("1810.HK", "2021-05-25", time=time)
        assert (event.time, event.timing) == (dt.time(16, 0), "exact")
    assert Event("1810.HK", "2021-05-25", time="9:30", timing="exact").time == dt.time(9, 30)
    assert Event("1810.HK", "2021-05-25", time="16:00").announced == (
        "2021-05-25 16:00 (Asia/Hong_Kong)")


@pytest.mark.parametrize(
    "date",
    ["2021-05-11", " 2021-05-11 ", "20210511", 20210511, dt.date(2021, 5, 11),
     dt.datetime(2021, 5, 11), pd.Timestamp("2021-05-11"), np.datetime64("2021-05-11")],
)
def test_date_forms(date):
    assert Event("1810.HK", date).date == dt.date(2021, 5, 11)


def test_given_fields_are_kept_and_stripped():
    event = Event(" LKCO ", "2021-03-04", id=" luokung-lawsuit ", case="luokung",
                  exchange="XNAS", market="^IXIC", type=" rumour ", timing=" During ",
                  timezone="America/New_York", description=" d ", source="s")
    assert (event.ticker, event.id, event.type, event.timing, event.description) == (
        "LKCO", "luokung-lawsuit", "rumour", "during", "d")
    assert (event.exchange, event.market, event.timezone) == ("XNAS", "^IXIC", "America/New_York")
    # An exchange named outright wins over the suffix, and brings its own time zone.
    other = Event("1810.HK", "2021-05-11", exchange="XNYS")
    assert (other.exchange, other.timezone) == ("XNYS", "America/New_York")
    assert Event("1810.HK", "2021-05-11", type="").type == "other"


def test_old_positional_order_fails_loudly():
    with pytest.raises(TypeError):
        Event("e1", "c", "1810.HK", "XHKG", "^HSI", "designation", dt.date(2021, 1, 14),
              None, "after_close", "America/New_York")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"exchange": "XMOON"}, "unknown exchange 'XMOON'"),
        ({"exchange": "../../etc"}, "unknown exchange"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"timezone": "/etc/passwd"}, "unknown time zone"),
        ({"timing": "evening"}, "unknown timing 'evening'"),
        ({"timing": "exact"}, "timing 'exact' needs a time"),
        ({"time": "18:00", "timing": "after_close"}, "either a time (18:00) or a timing"),
        ({"time": "25:00"}, "malformed time '25:00'; expected HH:MM"),
        ({"time": "9h30"}, "malformed time '9h30'"),
        ({"time": 930}, "malformed time 930"),
        ({"date": "2021-02-30"}, "malformed date '2021-02-30'; expected YYYY-MM-DD"),
        ({"date": "11/05/2021"}, "malformed date '11/05/2021'"),
        ({"date": "2021-5-11"}, "malformed date"),
        ({"date": 2021}, "malformed date 2021"),
        ({"date": ""}, "empty 'date'"),
        ({"date": pd.Timestamp("2021-05-11 09:30")}, "has a time of day"),
        ({"date": pd.Timestamp("2021-05-11", tz="UTC")}, "carries a time zone"),
        ({"date": np.datetime64("99999-01-01")}, "is out of range"),
        ({"type": 7}, "type must be text, not 7"),
        ({"ticker": "AAPL"}, "no exchange given and the suffix of 'AAPL' names none"),
        ({"ticker": "BRK.B"}, "give exchange="),
        ({"ticker": "  "}, "empty 'ticker'"),
        ({"ticker": 1810}, "ticker must be text"),
    ],
)
def test_event_refuses_bad_values(fields, message):
    arguments = {"ticker": "1810.HK", "date": "2021-05-11", **fields}
    ticker, date = arguments.pop("ticker"), arguments.pop("date")
    with pytest.raises(CatalogError) as info:
        Event(ticker, date, **arguments)
    assert message in str(info.value)
    assert str(info.value).startswith(f"event for {ticker!r}:")  # names the ticker


def test_replace_checks_again_and_events_pickle():
    event = Event("1810.HK", "2021-05-11", timing="during")
    with pytest.raises(CatalogError, match="unknown exchange"):
        dataclasses.replace(event, exchange="XMOON")
    assert dataclasses.replace(event, market="^HSI").market == "^HSI"
    (from_table,) = as_events(pd.DataFrame({"ticker": ["1810.HK"], "date": ["2021-05-11"],
                                            "timing": ["during"]}))
    for copy in (pickle.loads(pickle.dumps(event)), pickle.loads(pickle.dumps(from_table))):
        assert copy == event and hash(copy) == hash(event)


# ----- the ticker-suffix rule ------------------------------------------------------------------
def test_suffix_table_names_installed_calendars():
    names = set(xcals.get_calendar_names(include_aliases=True))
    assert {code for code in SUFFIX_EXCHANGES.values() if code not in names} == set()
    expected = {".HK": "XHKG", ".T": "XTKS", ".L": "XLON", ".TO": "XTSE", ".AX": "XASX",
                ".DE": "XETR", ".PA": "XPAR", ".SS": "XSHG", ".KS": "XKRX", ".SI": "XSES",
                ".TW": "XTAI"}
    assert {k: SUFFIX_EXCHANGES[k] for k in expected} == expected
    # No suffix of an exchange without a calendar of its own, nor a US one.
    assert not {".SZ", ".NS", ".TWO", ".US", ""} & set(SUFFIX_EXCHANGES)
    assert all(k == k.upper() and k.startswith(".") for k in SUFFIX_EXCHANGES)


def test_suffix_sets_exchange_and_time_zone():
    event = Event("7203.T", "2021-05-11")
    assert (event.exchange, event.timezone) == ("XTKS", "Asia/Tokyo")
    assert Event("0700.hk", "2021-05-11").exchange == "XHKG"  # suffixes in any case


@pytest.mark.parametrize("ticker", ["AAPL", "^HSI", ".HK", "BRK.B", "ABC.XX"])
def test_tickers_without_a_known_suffix_need_an_exchange(ticker):
    with pytest.raises(CatalogError, match="give exchange=") as info:
        Event(ticker, "2021-05-11")
    assert repr(ticker) in str(info.value)
    assert Event(ticker, "2021-05-11", exchange="XNYS").exchange == "XNYS"


# ----- tables: DataFrames, CSV and parquet files ---------------------------------------------
def test_frame_with_only_ticker_and_date():
    frame = pd.DataFrame({"Ticker ": ["1810.HK", "0700.HK"], " DATE": ["2021-05-11", "2021-05-12"],
                          "comment": ["ignored", "too"]})
    events = as_events(frame)
    assert events == (Event("1810.HK", "2021-05-11"), Event("0700.HK", "2021-05-12"))
    assert [e.id for e in events] == ["1810.HK@2021-05-11", "0700.HK@2021-05-12"]
    assert {(e.exchange, e.timezone, e.timing, e.type) for e in events} == {
        ("XHKG", "Asia/Hong_Kong", "unknown", "other")}


@pytest.mark.parametrize(
    "dates",
    [
        ["2021-05-11", "2020-02-29"],
        [dt.date(2021, 5, 11), dt.date(2020, 2, 29)],
        pd.to_datetime(["2021-05-11", "2020-02-29"]),
        pd.to_datetime(["2021-05-11", "2020-02-29"]).as_unit("s"),
        np.array([20210511, 20200229]),
        pd.array([20210511, 20200229], dtype="Int64"),
        np.array([20210511.0, 20200229.0]),
        ["20210511", 20200229],
    ],
)
def test_frame_date_forms(dates):
    events = as_events(pd.DataFrame({"ticker": ["1810.HK", "1810.HK"], "date": dates}))
    assert [e.date for e in events] == [dt.date(2021, 5, 11), dt.date(2020, 2, 29)]


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (pd.to_datetime(["2021-05-11 00:00", "2021-05-12 09:30"]), "has a time of day"),
        (np.array([20210511, 20210230]), "malformed date 20210230; expected YYYYMMDD"),
        (np.array([20210511, 202105]), "malformed date 202105"),
        (pd.array([20210511, None], dtype="Int64"), "empty 'date'"),
        (["2021-05-11", None], "empty 'date'"),
        (["2021-05-11", "May 12"], "malformed date 'May 12'"),
        (pd.to_datetime(["2021-05-11", None]), "empty 'date'"),
        (np.array(["2021-05-11", "99999-01-01"], dtype="datetime64[s]"), "is out of range"),
    ],
)
def test_frame_bad_dates_name_the_row(dates, message):
    frame = pd.DataFrame({"ticker": ["1810.HK", "0700.HK"], "date": dates})
    with pytest.raises(CatalogError) as info:
        as_events(frame)
    assert str(info.value).startswith("DataFrame row 1: ")
    assert message in str(info.value) and "(column 'date', ticker '0700.HK')" in str(info.value)


def test_frame_dates_with_a_time_zone_are_refused():
    frame = pd.DataFrame({"ticker": ["1810.HK"],
                          "date": pd.to_datetime(["2021-05-11"]).tz_localize("Asia/Hong_Kong")})
    with pytest.raises(CatalogError, match="dates carry a time zone"):
        as_events(frame)


def test_frame_times_and_timings():
    frame = pd.DataFrame({
        "ticker": ["1810.HK"] * 4,
        "date": ["2021-05-11", "2021-05-12", "2021-05-13", "2021-05-14"],
        "time": ["16:00", None, dt.time(9, 15), ""],
        "timing": ["", "after_close", "exact", None],
    })
    events = as_events(frame)
    assert [(e.time, e.timing) for e in events] == [
        (dt.time(16, 0), "exact"), (None, "after_close"), (dt.time(9, 15), "exact"),
        (None, "unknown")]


def test_exchange_precedence_and_market():
    frame = pd.DataFrame({
        "ticker": ["1810.HK", "0700.HK", "AAPL", "LKCO"],
        "date": ["2021-05-11"] * 4,
        "exchange": ["XHKG", "", None, "XNAS"],
        "market": ["^HSI", "", None, ""],
    })
    # The row's own exchange wins, then exchange=, then the ticker's suffix.
    events = as_events(frame, exchange="XNYS", market="^GSPC")
    assert [e.exchange for e in events] == ["XHKG", "XNYS", "XNYS", "XNAS"]
    assert [e.market for e in events] == ["^HSI", "^GSPC", "^GSPC", "^GSPC"]
    assert [e.timezone for e in events] == [
        "Asia/Hong_Kong", "America/New_York", "America/New_York", "America/New_York"]
    with pytest.raises(CatalogError) as info:
        as_events(frame)
    assert str(info.value).startswith("DataFrame row 2: no exchange given and the suffix of "
                                      "'AAPL' names none; give exchange=")
    assert "(column 'exchange', ticker 'AAPL')" in str(info.value)


def test_market_for_event_objects():
    events = (Event("1810.HK", "2021-05-11"), Event("LKCO", "2021-05-11", exchange="XNAS",
                                                   market="^IXIC"))
    filled = as_events(events, market="^HSI")
    assert [e.market for e in filled] == ["^HSI", "^IXIC"]
    assert filled[0] == dataclasses.replace(events[0], market="^HSI")
    assert as_events(events) == events and as_events(events[0]) == events[:1]
    assert as_events(iter(events)) == events and as_events(list(events)) == events


def test_bad_options():
    frame = pd.DataFrame({"ticker": ["1810.HK"], "date": ["2021-05-11"]})
    with pytest.raises(SpecificationError, match="exchange='XMOON': unknown exchange"):
        as_events(frame, exchange="XMOON")
    with pytest.raises(SpecificationError, match="market must be a string"):
        as_events(frame, market=5)


def test_the_first_bad_row_is_reported_whatever_its_column():
    frame = pd.DataFrame({
        "ticker": ["1810.HK", "0700.HK", "0941.HK", "0728.HK"],
        "date": ["2021-05-11", "2021-05-11", "2021-05-32", "2021-05-11"],
        "timing": ["during", "during", "during", "evening"],
        "timezone": ["", "", "", "Mars/Olympus"],
        "exchange": ["", "XMOON", "", ""],
    }, index=["a", "b", "c", "d"])
    with pytest.raises(CatalogError) as info:
        as_events(frame)
    assert str(info.value) == (
        "DataFrame row 1 (index 'b'): unknown exchange 'XMOON'; use an exchange_calendars "
        "code such as XHKG, XNYS or XNAS (column 'exchange', ticker '0700.HK')")
    with pytest.raises(CatalogError, match=r"^DataFrame row 1 \(index 'c'\): malformed date"):
        as_events(frame.drop(index="b"))


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("ticker", [1810.0, 700.0], "1810.0 is not text"),
        ("case", [["a"], "b"], "['a'] is not text"),
        ("description", [{"x": 1}, "b"], "{'x': 1} is not text"),
        ("ticker", ["1810.HK", ""], "empty 'ticker'"),
    ],
)
def test_frame_cells_that_are_not_text(column, values, message):
    frame = pd.DataFrame({"ticker": ["1810.HK", "0700.HK"], "date": ["2021-05-11"] * 2})
    frame[column] = pd.Series(values, dtype=object)
    with pytest.raises(CatalogError) as info:
        as_events(frame)
    assert message in str(info.value) and f"column {column!r}" in str(info.value)


def test_integer_tickers_become_text():
    (event,) = as_events(pd.DataFrame({"ticker": [700], "date": ["2021-05-11"],
                                       "exchange": ["XHKG"]}))
    assert event.ticker == "700" and event.id == "700@2021-05-11"


def test_table_structure_problems():
    with pytest.raises(CatalogError, match=r"missing columns \['date'\]"):
        as_events(pd.DataFrame({"ticker": ["1810.HK"], "day": ["2021-05-11"]}))
    with pytest.raises(CatalogError, match="no rows"):
        as_events(pd.DataFrame({"ticker": [], "date": []}))
    with pytest.raises(CatalogError, match="both name 'date'"):
        as_events(pd.DataFrame([["1810.HK", "2021-05-11", "2021-05-12"]],
                               columns=["ticker", "date", "Date"]))


def test_duplicate_pairs_name_both_rows(tmp_path):
    frame = pd.DataFrame({"ticker": ["1810.HK", "0700.HK", "1810.HK"],
                          "date": ["2021-05-11"] * 3})
    with pytest.raises(CatalogError) as info:
        as_events(frame)
    assert str(info.value).startswith(
        "DataFrame row 2: event '1810.HK@2021-05-11' appears twice for 1810.HK "
        "(first at DataFrame row 0)")
    # One announcement, several securities: the same id for other tickers is fine.
    frame["id"] = "announcement"
    with pytest.raises(CatalogError, match="appears twice"):
        as_events(frame)
    assert len(as_events(frame.iloc[:2])) == 2
    event = Event("1810.HK", "2021-05-11")
    with pytest.raises(CatalogError, match=r"^events\[1\]: event .* appears twice"):
        as_events([event, event])


def test_many_rows_equal_events_made_one_by_one():
    rng = np.random.default_rng(7)
    n = 3_000
    tickers = np.array(["1810.HK", "LKCO", "7203.T", "AAPL"])[rng.integers(0, 4, n)]
    days = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    frame = pd.DataFrame({
        "id": [f"e{i}" for i in range(n)],
        "ticker": tickers,
        "date": days.strftime("%Y-%m-%d"),
        "exchange": np.where(tickers == "LKCO", "XNAS", ""),
        "time": np.where(rng.random(n) < 0.3, "16:05", ""),
        "timing": np.where(rng.random(n) < 0.5, "", "during"),
    })
    frame.loc[frame.time != "", "timing"] = ""
    events = as_events(frame, exchange="XNYS", market="^IDX")
    one_by_one = tuple(
        Event(row.ticker, row.date, id=row.id, exchange=row.exchange or "XNYS",
              market="^IDX", time=row.time or None, timing=row.timing)
        for row in frame.itertuples()
    )
    assert events == one_by_one
    assert [e.__dict__ for e in events] == [e.__dict__ for e in one_by_one]


def test_catalog_files_csv_and_parquet(tmp_path):
    frame = pd.DataFrame({"ticker": ["1810.HK", "LKCO"], "date": ["2021-05-11", "2021-05-05"],
                          "exchange": ["", "XNAS"], "timing": ["during", "unknown"]})
    frame.to_csv(tmp_path / "events.csv", index=False)
    frame.to_parquet(tmp_path / "events.parquet")
    expected = (Event("1810.HK", "2021-05-11", timing="during"),
                Event("LKCO", "2021-05-05", exchange="XNAS"))
    for path in (tmp_path / "events.csv", tmp_path / "events.parquet"):
        assert as_events(path) == expected and as_events(str(path)) == expected
        assert read_catalog(path) == expected
    # A parquet file is known by its first bytes too, whatever its name.
    (tmp_path / "events.parquet").rename(tmp_path / "events.data")
    assert as_events(tmp_path / "events.data") == expected


def test_parquet_rows_are_named_from_zero(tmp_path):
    frame = pd.DataFrame({"ticker": ["1810.HK", "0700.HK"], "date": [20210511, 20210532]})
    frame.to_parquet(tmp_path / "events.parquet")
    with pytest.raises(CatalogError, match=r"^events.parquet row 1: malformed date 20210532"):
        as_events(tmp_path / "events.parquet")


def test_csv_lines_count_the_header_blank_lines_and_quoted_line_breaks(tmp_path):
    text = ("ticker,date,description\n"
            "1810.HK,2021-05-11,\"two\nlines\"\n"
            "\n"
            "0700.HK,2021-05-12,\"say \"\"hi\"\"\"\n"
            "0941.HK,2021-05-32,x\n")
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"^events.csv line 6: malformed date '2021-05-32'"):
        as_events(path)


def test_read_catalog_checks_known_tickers_and_takes_the_options(tmp_path):
    path = write(tmp_path, "ticker,date\n1810.HK,2021-05-11\n", header="")
    (event,) = read_catalog(path, KNOWN, market="^HSI")
    assert event.market == "^HSI"
    (event,) = read_catalog(path, exchange="XNYS")
    assert event.exchange == "XNYS"
    with pytest.raises(CatalogError, match="line 2: unknown ticker '1810.HK'"):
        read_catalog(path, ["^HSI"])
    with pytest.raises(SpecificationError, match="needs a file path"):
        read_catalog(pd.DataFrame())


# ----- malformed rows of a catalog file --------------------------------------------------------
def test_good_row_reads(tmp_path):
    (event,) = read_catalog(write(tmp_path, GOOD), KNOWN)
    assert event.key == "e1/1810.HK" and event.timing == "after_close"


def test_free_text_types_are_kept(tmp_path):
    (event,) = read_catalog(write(tmp_path, GOOD.replace("designation", " rumour ")), KNOWN)
    assert event.type == "rumour"
    (event,) = read_catalog(write(tmp_path, GOOD.replace("designation", "")), KNOWN)
    assert event.type == "other"


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
        (GOOD.replace(",,after_close", ",18:00,after_close"), "either a time (18:00)"),
        (GOOD.replace("after_close", "exact"), "timing 'exact' needs a time"),
        (GOOD.replace("America/New_York", "Mars/Olympus"), "unknown time zone"),
        (GOOD.replace("1810.HK", " "), "empty 'ticker'"),
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


# ----- hostile files: one CatalogError naming the file, never another exception --------------
HOSTILE = {
    "latin-1": (HEADER + GOOD.replace(",d,", ",caf\xe9,")).encode("latin-1"),
    "random": np.random.default_rng(0).bytes(4096),
    "random-ascii": bytes(np.random.default_rng(1).integers(32, 127, 4096, dtype=np.uint8)),
    "empty": b"",
    "blank": b"\n  \n\r\n",
    "header-only": HEADER.encode(),
    "nul": (HEADER + GOOD).encode().replace(b",d,", b",\x00,"),
    "huge-cell": (HEADER + GOOD.replace(",d,", "," + "x" * 140_000 + ",")).encode(),
    "unclosed-quote": (HEADER + GOOD.replace(",d,", ',"d,')).encode(),
    "ragged": (HEADER + GOOD.replace(",d,", ",d,x,y,")).encode(),
    "fake-parquet": b"PAR1" + b"\x00" * 64 + b"PAR1",
}
HOSTILE_MESSAGES = {
    "latin-1": "line 2 is not UTF-8 text (byte 0xe9)",
    "empty": "the event catalog is empty",
    "blank": "the event catalog is empty",
    "header-only": "has no rows",
    "nul": "binary data",
    "huge-cell": "line 2: a cell of 140,000 characters",
    "ragged": "not a readable CSV event catalog",
    "fake-parquet": "not a readable parquet event catalog",
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_give_one_catalog_error_naming_the_file(tmp_path, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(HOSTILE[name])
    with pytest.raises(CatalogError) as info:
        read_catalog(path)
    message = str(info.value)
    assert f"{name}.csv" in message and "\n" not in message
    assert HOSTILE_MESSAGES.get(name, "") in message


def test_a_text_file_named_parquet(tmp_path):
    path = write(tmp_path, GOOD, name="events.parquet")
    with pytest.raises(CatalogError, match="events.parquet: not a readable parquet"):
        as_events(path)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "events.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + GOOD).encode())
    (event,) = read_catalog(path, KNOWN)
    assert event.id == "e1" and event.ticker == "1810.HK"


# ----- what is not events ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("events", "error", "message"),
    [
        ("no-such-file.csv", CatalogError, "no-such-file.csv: cannot read the event catalog: "
                                           "no such file"),
        ("xiaomi", CatalogError, "use bundled_events('xiaomi')"),
        ("x" * 5000, CatalogError, "no such file"),
        ("a\x00b.csv", CatalogError, "no such file"),
        (["a.csv", "b.csv"], SpecificationError, "events[0] is 'a.csv', not an Event"),
        ([Event("1810.HK", "2021-05-11"), 5], SpecificationError, "events[1] is 5"),
        (42, SpecificationError, "not int"),
        (None, SpecificationError, "not NoneType"),
        ([], SpecificationError, "no events given"),
        (b"ticker,date", SpecificationError, "not bytes"),
        ({"ticker": ["1810.HK"]}, SpecificationError, "pass pd.DataFrame(mapping)"),
    ],
)
def test_what_is_not_events(events, error, message):
    with pytest.raises(error) as info:
        as_events(events)
    assert message in str(info.value)


def test_a_folder_is_not_a_catalog(tmp_path):
    with pytest.raises(CatalogError, match="is a folder"):
        as_events(tmp_path)


# ----- labels and day numbers ------------------------------------------------------------------
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
