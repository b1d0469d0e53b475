"""The series store against a plain pandas construction, and its diagnostics.

The reference places each price frame on its exchange's sessions with ``reindex`` and
computes returns with ``pct_change`` / ``log(P_t / P_{t-1})``: the same IEEE
operations as the store, so values are compared exactly (NaN where NaN).
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from eventstudy import FramePrices
from eventstudy.calendar import exchange_sessions
from eventstudy.core.diagnostics import Diagnostics
from eventstudy.core.series import COLUMNS, LazyColumns, SeriesStore, build_series
from eventstudy.errors import CalendarError, PriceDataError
from eventstudy.sources import price_notes

XNYS = "XNYS"


def _sessions(first: str, last: str) -> pd.DatetimeIndex:
    return exchange_sessions(XNYS).between(pd.Timestamp(first), pd.Timestamp(last))


def _frame(days, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
    return pd.DataFrame(
        {"open": close * 1.001, "high": close * 1.02, "low": close * 0.98, "close": close,
         "adj_close": close * 0.9, "volume": rng.integers(1000, 5000, len(days)).astype(float)},
        index=pd.DatetimeIndex(days, name="date"),
    )


def _without(days: pd.DatetimeIndex, *dropped: str) -> pd.DatetimeIndex:
    return days.difference(pd.DatetimeIndex(dropped))


A_HOLES = ("2021-02-02", "2021-02-03", "2021-03-10")
B_HOLES = ("2021-02-09", "2021-02-10", "2021-02-11", "2021-03-02", "2021-03-03", "2021-04-06",
           "2021-04-07")
M_HOLES = ("2021-01-05", "2021-03-15")


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    # A: three missing sessions, a holiday (MLK day) and a Saturday row, one placeholder row.
    a_days = _without(_sessions("2021-01-04", "2021-03-31"), *A_HOLES).union(
        pd.DatetimeIndex(["2021-01-18", "2021-02-13"])
    )
    a = _frame(a_days, 1)
    a.loc["2021-01-20", ["open", "high", "low"]] = a.loc["2021-01-20", "close"]
    a.loc["2021-01-20", "volume"] = 0.0
    b = _frame(_without(_sessions("2021-02-01", "2021-04-30"), *B_HOLES), 2)
    c = _frame(_sessions("2021-02-01", "2021-04-30"), 3)
    c = pd.concat([c, c.iloc[[10]]]).sort_index()  # a repeated identical row: noted
    m_days = _without(_sessions("2020-12-01", "2021-05-28"), *M_HOLES).union(
        pd.DatetimeIndex(["2021-01-18"])
    )
    return {"A": a, "B": b, "C": c, "M": _frame(m_days, 4)}


@pytest.fixture(scope="module")
def prices(frames) -> FramePrices:
    return FramePrices(frames)


@pytest.fixture(scope="module")
def factors() -> pd.DataFrame:
    days = pd.bdate_range("2021-01-04", "2021-04-15").difference(pd.DatetimeIndex(["2021-03-01"]))
    rng = np.random.default_rng(9)
    return pd.DataFrame({"mkt_rf": rng.normal(0, 0.01, len(days)),
                         "rf": np.full(len(days), 0.0001)}, index=days)


KEYS = [("A", "M", XNYS), ("B", "M", XNYS), ("C", "M", XNYS), ("C", "", XNYS)]


def _reference(prices, key, kind: str, factors=None) -> dict[str, np.ndarray]:
    """One series built with pandas only, from the validated frames."""
    ticker, market, _exchange = key
    stock = prices.get(ticker)
    days = _sessions(stock.index[0], stock.index[-1])
    on = stock.reindex(days)
    if market:
        index = prices.get(market).reindex(days)
    else:
        index = pd.DataFrame(np.nan, index=days, columns=["adj_close", "volume"])

    def returns(p: pd.Series) -> np.ndarray:
        if kind == "simple":
            return p.pct_change(fill_method=None).to_numpy()
        return np.log(p / p.shift(1)).to_numpy()

    out = {
        "ret": returns(on["adj_close"]), "mret": returns(index["adj_close"]),
        "adj": on["adj_close"].to_numpy(), "madj": index["adj_close"].to_numpy(),
        "close": on["close"].to_numpy(), "high": on["high"].to_numpy(),
        "low": on["low"].to_numpy(),
        "incomplete": stock["incomplete"].reindex(days, fill_value=False).to_numpy(dtype=bool),
        "vol": on["volume"].to_numpy(), "mvol": index["volume"].to_numpy(),
        "dates": days.to_numpy(),
    }
    if factors is not None:
        aligned = factors.reindex(days)
        out.update({f"f:{c}": aligned[c].to_numpy() for c in factors.columns})
    return out


def _reference_store(prices, keys, kind, factors=None) -> dict[str, np.ndarray]:
    parts = [_reference(prices, key, kind, factors) for key in keys]
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


@pytest.mark.parametrize("kind", ["simple", "log"])
def test_store_equals_pandas_reindexing(prices, factors, kind):
    store = build_series(prices, KEYS, kind, Diagnostics(), factors)
    expected = _reference_store(prices, KEYS, kind, factors)
    assert list(store.values) == [*COLUMNS, "f:mkt_rf", "f:rf"]
    for name in store.values:
        got = store.values[name]
        assert got.dtype == (bool if name == "incomplete" else np.float64), name
        np.testing.assert_array_equal(got, expected[name], err_msg=name)
    np.testing.assert_array_equal(store.dates, expected["dates"])
    lengths = [len(_reference(prices, key, kind)["ret"]) for key in KEYS]
    np.testing.assert_array_equal(store.offsets, np.concatenate([[0], np.cumsum(lengths)]))
    for k, key in enumerate(KEYS):
        np.testing.assert_array_equal(store.sessions[k], _reference(prices, key, kind)["dates"])


def test_no_filling_across_holes(prices):
    """A missing session leaves its price and the returns on both sides of it missing."""
    store = build_series(prices, KEYS[:1], "simple", Diagnostics())
    dates = pd.DatetimeIndex(store.dates)
    hole = dates.get_loc(pd.Timestamp("2021-03-10"))
    assert np.isnan(store.values["adj"][hole])
    assert np.isnan(store.values["ret"][hole]) and np.isnan(store.values["ret"][hole + 1])
    assert np.isfinite(store.values["ret"][hole - 1]) and np.isfinite(store.values["ret"][hole + 2])
    placeholder = dates.get_loc(pd.Timestamp("2021-01-20"))
    assert store.values["incomplete"][placeholder]
    assert np.isnan(store.values["high"][placeholder])
    assert np.isnan(store.values["vol"][placeholder])
    assert np.isfinite(store.values["ret"][placeholder])  # its close still serves returns


def _shown(days) -> str:
    return ", ".join(days)


def test_diagnostics_kinds_texts_and_order(prices):
    diagnostics = Diagnostics()
    build_series(prices, KEYS, "simple", diagnostics)
    duplicate_note = price_notes(prices.get("C"))
    assert [kind for kind, _ in duplicate_note] == ["duplicate_rows"]
    assert diagnostics.records == [
        ("", "A", "missing_sessions",
         f"3 exchange sessions have no price ({_shown(A_HOLES)}); their returns and the next "
         "session's are missing"),
        ("", "A", "non_session_rows",
         "2 price rows fall on days that are not sessions of the exchange (first 2021-01-18); "
         "they are not used"),
        ("", "M", "market_non_session_rows",
         "1 price of the index falls on a day that is not a session of XNYS (2021-01-18); it is "
         "not used"),
        ("", "M", "market_missing_sessions",
         "the market index has no price on 2 of the stock's sessions 2021-01-04..2021-03-31; "
         "those days are missing"),
        ("", "B", "missing_sessions",
         f"7 exchange sessions have no price ({_shown(B_HOLES[:5])} and 2 more); their returns "
         "and the next session's are missing"),
        ("", "M", "market_missing_sessions",
         "the market index has no price on 1 of the stock's sessions 2021-02-01..2021-04-30; "
         "those days are missing"),
        ("", "C", "duplicate_rows", duplicate_note[0][1]),  # once, though C is in two series
    ]


def test_price_notes_already_recorded_are_not_repeated(prices):
    note = ("", "C", "duplicate_rows", price_notes(prices.get("C"))[0][1])
    diagnostics = Diagnostics([note])
    build_series(prices, [KEYS[2]], "simple", diagnostics)
    assert diagnostics.records.count(note) == 1


def test_index_on_another_calendar_is_refused(frames):
    every_day = pd.date_range("2020-12-01", "2021-05-28")  # weekends too: not an XNYS index
    source = FramePrices({"A": frames["A"], "X": _frame(every_day, 5)})
    with pytest.raises(CalendarError, match=r"market index X has \d+ of its \d+ prices on days "
                                            r"that are not XNYS sessions \(e\.g\. 2021-01-09"):
        build_series(source, [("A", "X", XNYS)], "simple", Diagnostics())


def test_series_without_any_session_is_refused(frames):
    source = FramePrices({"W": _frame(pd.DatetimeIndex(["2021-01-09", "2021-01-10"]), 6)})
    with pytest.raises(PriceDataError, match="W: none of its 2 price rows"):
        build_series(source, [("W", "", XNYS)], "simple", Diagnostics())


def test_columns_are_made_on_first_access_only(prices):
    store = build_series(prices, KEYS, "simple", Diagnostics())
    assert isinstance(store.values, LazyColumns) and store.values.built == {}
    store.take("close", np.array([5, 6]))
    assert store.values.built == {}
    store.values["ret"]
    assert set(store.values.built) == {"ret", "adj"}  # returns are made from prices
    assert not store.values["ret"].flags.writeable
    with pytest.raises(KeyError):
        store.values["f:mkt_rf"]  # no factors given


def test_take_equals_indexing_the_full_column(prices, factors):
    full = build_series(prices, KEYS, "simple", Diagnostics(), factors)
    lazy = build_series(prices, KEYS, "simple", Diagnostics(), factors)
    rng = np.random.default_rng(3)
    where = rng.integers(0, int(full.offsets[-1]), size=(40, 3))
    taken = lazy.take_columns(list(lazy.values), where)
    for name in full.values:
        np.testing.assert_array_equal(taken[name], full.values[name][where], err_msg=name)
        np.testing.assert_array_equal(lazy.take(name, where[:, 0]), full.values[name][where[:, 0]])
    with pytest.raises(IndexError):
        lazy.take("close", np.array([int(full.offsets[-1])]))
    with pytest.raises(IndexError):
        lazy.take("close", np.array([-1]))


def _window_starts(store: SeriesStore, width: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random series and flat first positions of windows of ``width`` inside them."""
    rng = np.random.default_rng(seed)
    series = rng.integers(0, len(store.keys), 40)
    room = np.diff(store.offsets)[series] - width + 1
    return store.offsets[series] + (rng.random(40) * room).astype(np.int64), series


def test_windows_equal_the_flat_columns_windows(prices):
    lazy = build_series(prices, KEYS, "simple", Diagnostics())
    full = build_series(prices, KEYS, "simple", Diagnostics())
    assert len(lazy.on_calendar["madj"].tables) > 1  # the keys use several market tables
    first, series = _window_starts(lazy, 5, 8)
    for name in ("ret", "adj", "mret", "madj", "mvol"):
        expected = full.values[name][first[:, None] + np.arange(5)]
        np.testing.assert_array_equal(lazy.windows(name, first, 5, series), expected, name)
    assert set(lazy.values.built) == {"ret", "adj"}  # market windows come from calendars
    one = series == series[0]  # a single span
    np.testing.assert_array_equal(lazy.windows("mret", first[one], 5, series[one]),
                                  full.values["mret"][first[one][:, None] + np.arange(5)])


def test_concat_keeps_the_spans(prices):
    whole = build_series(prices, KEYS, "simple", Diagnostics())
    joined = SeriesStore.concat([build_series(prices, KEYS[:2], "simple", Diagnostics()),
                                 build_series(prices, KEYS[2:], "simple", Diagnostics())])
    first, series = _window_starts(whole, 3, 9)
    np.testing.assert_array_equal(joined.windows("madj", first, 3, series),
                                  whole.values["madj"][first[:, None] + np.arange(3)])


def test_dates_at_equals_indexing_the_dates(prices):
    store = build_series(prices, KEYS, "simple", Diagnostics())
    rng = np.random.default_rng(5)
    series = rng.integers(0, len(KEYS), 30)
    lengths = np.diff(store.offsets)[series]
    local = (rng.random((30, 4)) * lengths[:, None]).astype(np.int64)
    where = store.offsets[series][:, None] + local
    expected = np.array(
        [[store.sessions[k][j] for j in row] for k, row in zip(series, local, strict=True)],
        dtype="datetime64[ns]",
    )
    np.testing.assert_array_equal(store.dates_at(where, series), expected)
    np.testing.assert_array_equal(store.dates_at(where, series), store.dates[where])


def test_positions(prices):
    store = build_series(prices, KEYS, "simple", Diagnostics())
    asked = pd.DatetimeIndex(["2021-01-04", "2021-02-01", "2021-02-13", "2021-03-10",
                              "2021-04-30", "2021-05-03"])
    series, days = np.repeat(np.arange(len(KEYS)), len(asked)), asked.repeat(1).tolist()
    days = pd.DatetimeIndex(days * len(KEYS))
    expected = []
    for k, day in zip(series, days, strict=True):
        inside = store.sessions[k]
        expected.append(int(store.offsets[k]) + inside.get_loc(day) if day in inside else -1)
    np.testing.assert_array_equal(store.positions(series, days), expected)
    assert store.positions(np.array([0]), pd.DatetimeIndex(["2021-03-10"]))[0] >= 0  # a hole
    # is a session of the series (its values are NaN), unlike a non-session day:
    assert store.positions(np.array([0]), pd.DatetimeIndex(["2021-02-13"]))[0] == -1


def test_concat_equals_one_store(prices, factors):
    whole = build_series(prices, KEYS, "simple", Diagnostics(), factors)
    first = build_series(prices, KEYS[:2], "simple", Diagnostics(), factors)
    second = build_series(prices, KEYS[2:], "simple", Diagnostics(), factors)
    first.values["adj"]  # a part whose column is already made
    joined = SeriesStore.concat([first, second])
    assert joined.keys == KEYS
    np.testing.assert_array_equal(joined.offsets, whole.offsets)
    np.testing.assert_array_equal(joined.dates, whole.dates)
    where = np.arange(0, int(whole.offsets[-1]), 7)
    for name in whole.values:
        np.testing.assert_array_equal(joined.take(name, where), whole.values[name][where])
        np.testing.assert_array_equal(joined.values[name], whole.values[name], err_msg=name)


def test_store_from_plain_arrays(prices):
    lazy = build_series(prices, KEYS, "simple", Diagnostics())
    plain = SeriesStore(keys=lazy.keys, offsets=lazy.offsets, exchange=lazy.exchange,
                        begin=lazy.begin, calendars=lazy.calendars, on_calendar={},
                        values={name: np.array(lazy.values[name]) for name in ("ret", "adj")})
    where = np.array([3, 70, 150])
    np.testing.assert_array_equal(plain.take("adj", where), lazy.values["adj"][where])
    with pytest.raises(IndexError):
        plain.take("adj", np.array([-1]))  # no wrapping around to the last session
    np.testing.assert_array_equal(plain.piece("ret", 1), lazy.piece("ret", 1))
    np.testing.assert_array_equal(plain.dates, lazy.dates)
    np.testing.assert_array_equal(plain.positions(np.array([1]), plain.sessions[1][:1]),
                                  [plain.offsets[1]])


def test_store_pickles(prices, factors):
    store = build_series(prices, KEYS, "simple", Diagnostics(), factors)
    store.values["ret"]
    copy = pickle.loads(pickle.dumps(store))
    for name in store.values:
        np.testing.assert_array_equal(copy.values[name], store.values[name], err_msg=name)
    first, series = _window_starts(store, 4, 2)
    np.testing.assert_array_equal(copy.windows("mret", first, 4, series),
                                  store.windows("mret", first, 4, series))


def test_identity_layout_reads_the_table_without_copies(frames):
    """Keys in the table's order, every row a session and no session missing: no copy."""
    days = _sessions("2021-02-01", "2021-04-30")
    source = FramePrices({"C": _frame(days, 3), "M": _frame(days, 4)})
    table = source.table(["C", "M"])
    store = build_series(source, [("C", "M", XNYS), ("M", "", XNYS)], "simple", Diagnostics())
    for name, field in (("adj", "adj_close"), ("close", "close"), ("vol", "volume")):
        assert np.shares_memory(store.values[name], table.columns[field]), name
    np.testing.assert_array_equal(store.values["madj"][: len(days)],
                                  table.columns["adj_close"][len(days):])


def test_table_columns_are_read_only_and_give_the_frames(prices):
    table = prices.table(["A", "C"])
    for name, values in table.columns.items():
        assert not values.flags.writeable, name
    frame = prices.get("C")
    rows = table.rows("C")
    np.testing.assert_array_equal(frame.index.to_numpy(), table.days[rows])
    for name in ("adj_close", "close", "high", "low", "volume", "incomplete"):
        np.testing.assert_array_equal(frame[name].to_numpy(), table.columns[name][rows], name)
    assert price_notes(frame) == list(table.notes["C"])


def test_numeric_columns_of_any_numpy_dtype(frames):
    raw = frames["B"].copy()
    raw["volume"] = raw["volume"].astype(np.int64)
    nullable = frames["B"].copy()
    nullable["volume"] = pd.array([None, *raw["volume"].iloc[1:]], dtype="Int64")
    plain = FramePrices({"B": raw}).get("B")
    with_na = FramePrices({"B": nullable}).get("B")
    assert plain["volume"].dtype == np.float64 and with_na["volume"].dtype == np.float64
    np.testing.assert_array_equal(plain["volume"], frames["B"]["volume"])
    assert np.isnan(with_na["volume"].iloc[0])
    np.testing.assert_array_equal(with_na["volume"].iloc[1:], frames["B"]["volume"].iloc[1:])
