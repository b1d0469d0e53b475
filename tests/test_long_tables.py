"""One validation for all securities: long tables, their order, their errors.

Expected values are the input rows themselves (validation moves no number except
the intraday values of placeholder rows), read back with plain pandas; line numbers
are counted in the files written here.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from eventstudy import FramePrices
from eventstudy.errors import PriceDataError
from eventstudy.sources import FilePrices, price_notes
from eventstudy.sources.validate import OHLC_RTOL


def _security(seed: int, days: pd.DatetimeIndex) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 20 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days))))
    return pd.DataFrame({"date": days, "open": close * 1.002, "high": close * 1.03,
                         "low": close * 0.97, "close": close, "adj_close": close * 0.95,
                         "volume": rng.integers(1, 9, len(days)) * 1000.0})


@pytest.fixture
def long():
    """Three securities over different spans, rows sorted by date and then ticker."""
    days = pd.bdate_range("2021-01-04", "2021-06-30")
    parts = [_security(1, days).assign(ticker="AAA"),
             _security(2, days[20:]).assign(ticker="BBB"),
             _security(3, days[:90]).assign(ticker="CCC")]
    return pd.concat(parts).sort_values(["date", "ticker"]).reset_index(drop=True)


def test_interleaved_rows_are_grouped_and_kept_as_given(long):
    source = FramePrices(long)
    assert source.tickers() == ("AAA", "CCC", "BBB")  # in order of first appearance
    for ticker, rows in long.groupby("ticker"):
        frame = source.get(ticker)
        expected = rows.set_index("date").drop(columns="ticker")
        assert frame.index.tolist() == expected.index.tolist()
        for column in expected.columns:
            np.testing.assert_array_equal(frame[column].to_numpy(), expected[column].to_numpy())
        assert not frame["incomplete"].any() and price_notes(frame) == []


def test_the_long_table_equals_its_securities_one_by_one(long):
    whole = FramePrices(long)
    for ticker, rows in long.groupby("ticker"):
        alone = FramePrices({ticker: rows.drop(columns="ticker")})
        pd.testing.assert_frame_equal(whole.get(ticker), alone.get(ticker))


def test_integer_identifiers_and_padded_labels(long):
    coded = long.assign(ticker=long.ticker.map({"AAA": 10001, "BBB": 10002, "CCC": 10003}))
    assert FramePrices(coded).tickers() == ("10001", "10003", "10002")
    padded = long.copy()
    some = (long.ticker == "AAA") & (np.arange(len(long)) % 7 == 0)
    padded.loc[some, "ticker"] = " AAA "  # the same security, written apart
    source = FramePrices(padded)
    assert source.tickers() == ("AAA", "CCC", "BBB")
    assert len(source.get("AAA")) == (long.ticker == "AAA").sum()


def test_yyyymmdd_integer_dates(long):
    ints = long.assign(date=long.date.dt.strftime("%Y%m%d").astype(int))
    pd.testing.assert_frame_equal(FramePrices(ints).get("BBB"), FramePrices(long).get("BBB"))
    bad = ints.copy()
    bad.loc[4, "date"] = 20210230
    with pytest.raises(PriceDataError, match=r"row 5: 20210230 is not a date \(YYYYMMDD\)"):
        FramePrices(bad)
    with pytest.raises(PriceDataError, match=r"no dates \(the dates hold int64 values\)"):
        FramePrices(long.assign(date=np.arange(len(long))))


def _with(long, ticker: str, nth: int, **values) -> tuple[pd.DataFrame, str]:
    """The table with row ``nth`` of ``ticker`` changed; that row's date."""
    table = long.copy()
    where = table.index[table.ticker == ticker][nth]
    for column, value in values.items():
        table.loc[where, column] = value
    return table, str(table.loc[where, "date"].date())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"high": "close_x_0.99"}, "high on {day} is {high}, below the close {close}"),
        ({"high": "open_x_0.99", "close": "open_x_0.98", "low": "open_x_0.97"},
         "high on {day} is {high}, below the open {open}"),
        ({"low": "close_x_1.01", "open": "close_x_1.02"},
         "low on {day} is {low}, above the close {close}"),
        ({"low": "open_x_1.01", "close": "open_x_1.02", "high": "open_x_1.03"},
         "low on {day} is {low}, above the open {open}"),
    ],
)
def test_open_high_low_close_must_be_ordered(long, change, message):
    table = long.copy()
    where = table.index[table.ticker == "BBB"][10]
    row = table.loc[where].copy()
    for column, formula in change.items():
        base, factor = formula.split("_x_")
        row[column] = row[base] * float(factor)
    table.loc[where, list(row.index)] = row
    expected = message.format(day=row["date"].date(), **{c: float(row[c]) for c in
                                                        ("open", "high", "low", "close")})
    with pytest.raises(PriceDataError, match="BBB: " + re.escape(expected)):
        FramePrices(table)


def test_high_below_low_and_rounding(long):
    # A high below the low leaves the close above the one or below the other.
    table, day = _with(long, "CCC", 3, open=np.nan, close=9.2, high=9.0, low=9.5,
                       adj_close=9.2)
    with pytest.raises(PriceDataError, match=f"CCC: high on {day} is 9.0, below the close 9.2"):
        FramePrices(table)
    # a difference under OHLC_RTOL (relative) is rounding, not an error
    close = float(long.close.iloc[0])
    table, _ = _with(long, "AAA", 0, open=close, high=close * (1 - OHLC_RTOL / 2))
    assert FramePrices(table).get("AAA").high.iloc[0] == close * (1 - OHLC_RTOL / 2)
    table, _ = _with(long, "AAA", 0, open=close, high=close * (1 - 10 * OHLC_RTOL))
    with pytest.raises(PriceDataError, match="below the close"):
        FramePrices(table)


def test_the_first_refused_row_of_the_first_broken_rule(long):
    """AAA's bad row comes later in the table than BBB's, but AAA's rows come first."""
    table, day_a = _with(long, "AAA", 60, close=-1.0)
    table, _ = _with(table, "BBB", 0, close=-2.0)
    assert table.index[table.close == -1.0][0] > table.index[table.close == -2.0][0]
    with pytest.raises(PriceDataError, match=f"AAA: close on {day_a} is -1.0"):
        FramePrices(table)
    # an earlier rule wins over an earlier row: closes are checked before volumes
    table, _ = _with(long, "AAA", 1, volume=-5.0)
    table, day_c = _with(table, "CCC", 50, adj_close=0.0)
    with pytest.raises(PriceDataError, match=f"CCC: adj_close on {day_c} is 0.0"):
        FramePrices(table)


def test_repeated_column_names_are_refused(long):
    table = long.rename(columns={"open": "Close"})
    with pytest.raises(PriceDataError, match="columns 'Close' and 'close' both give 'close'"):
        FramePrices(table)


def test_errors_in_a_long_csv_name_the_line(long, tmp_path):
    table, day = _with(long.astype({"volume": object}), "BBB", 30, volume="n/a")
    path = tmp_path / "prices.csv"
    table.to_csv(path, index=False)
    lines = path.read_text().splitlines()
    (line,) = [n for n, text in enumerate(lines, start=1) if ",n/a" in text]
    with pytest.raises(PriceDataError, match=f"prices.csv line {line}: BBB: volume on {day} "
                                             "is 'n/a', not a number"):
        FilePrices(path)
    # blank lines (which pandas skips) do not shift the line named
    path.write_text("\n".join(lines[:5] + ["", ""] + lines[5:]) + "\n")
    with pytest.raises(PriceDataError, match=f"prices.csv line {line + 2}: BBB"):
        FilePrices(path)


def test_placeholder_rows_lose_their_intraday_values_in_every_security(long):
    table = long.copy()
    for ticker in ("AAA", "CCC"):
        where = table.index[table.ticker == ticker][5]
        close = table.loc[where, "close"]
        table.loc[where, ["open", "high", "low", "volume"]] = [close, close, close, 0.0]
    source = FramePrices(table)
    for ticker in ("AAA", "CCC"):
        frame = source.get(ticker)
        assert frame["incomplete"].tolist() == [i == 5 for i in range(len(frame))]
        assert frame[["open", "high", "low", "volume"]].iloc[5].isna().all()
        assert frame["close"].iloc[5] == table[table.ticker == ticker]["close"].iloc[5]
    assert not source.get("BBB")["incomplete"].any()
    # the caller's table is not changed
    assert (table[table.ticker == "AAA"]["volume"].iloc[5]) == 0.0
