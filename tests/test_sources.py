"""User price data: DataFrames of every shape, CSV and parquet files, folders, and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from yf_frames import download_frame

from eventstudy import EventStudy, FramePrices, bundled_events
from eventstudy.cli import main
from eventstudy.errors import PriceDataError, UnknownTickerError
from eventstudy.sources import BundledPrices, FilePrices, as_price_source, price_notes

DATA_EVENTS = bundled_events("xiaomi")


@pytest.fixture
def pair(raw_prices):
    """Xiaomi and the Hang Seng Index as read with plain pandas."""
    return {"1810.HK": raw_prices("1810.HK"), "^HSI": raw_prices("^HSI")}


@pytest.fixture(scope="module")
def bundled_windows():
    return EventStudy(DATA_EVENTS).fit().windows


def _same_results(prices, bundled_windows, **compare):
    windows = EventStudy(DATA_EVENTS, prices=prices).fit().windows
    for column in ("car", "se", "t_stat", "p_value", "raw_return", "market_return"):
        np.testing.assert_allclose(windows[column], bundled_windows[column], rtol=1e-12)
    return windows


def _long(pair) -> pd.DataFrame:
    return pd.concat(
        [f.reset_index().assign(ticker=t) for t, f in pair.items()], ignore_index=True
    )


# ----- DataFrame shapes ----------------------------------------------------------------------
@pytest.mark.parametrize("group_by", ["column", "ticker"])
def test_yfinance_download_frames(pair, group_by, bundled_windows):
    table = download_frame(pair, group_by=group_by)
    assert sorted(FramePrices(table).tickers()) == ["1810.HK", "^HSI"]
    _same_results(table, bundled_windows)


def test_yfinance_single_level_columns_take_the_given_ticker(pair):
    table = download_frame({"1810.HK": pair["1810.HK"]}, multi_level_index=False)
    source = FramePrices({"1810.HK": table})
    assert source.get("1810.HK")["adj_close"].tolist() == pair["1810.HK"]["adj_close"].tolist()


def test_yfinance_padding_rows_are_dropped(raw_prices):
    # Hong Kong and Nasdaq dates differ: the union index pads each with empty rows.
    table = download_frame({"1810.HK": raw_prices("1810.HK"), "^IXIC": raw_prices("^IXIC")})
    assert table.shape[0] > 641
    source = FramePrices(table)
    assert len(source.get("1810.HK")) == 641 and len(source.get("^IXIC")) == 653


def test_long_table(pair, bundled_windows):
    _same_results(_long(pair), bundled_windows)


def test_long_table_errors(pair):
    table = _long(pair)
    with pytest.raises(PriceDataError, match=r"no 'date' column or date index; found columns \["):
        FramePrices(table.drop(columns="date"))
    table.loc[5, "ticker"] = " "
    with pytest.raises(PriceDataError, match="row 6 has no ticker"):
        FramePrices(table)


def test_wide_table_of_closes(pair, raw_prices, bundled_windows):
    series = {t: f["adj_close"] for t, f in {**pair, "^IXIC": raw_prices("^IXIC")}.items()}
    closes = pd.concat(series, axis=1, sort=True)  # Nasdaq's calendar differs: NaN cells
    assert closes.isna().any().all()
    _same_results(closes.rename_axis("date"), bundled_windows)
    results = EventStudy(DATA_EVENTS, prices=closes).fit()
    assert results.sessions.peak_move.isna().all()  # no intraday range in a table of closes
    notes = results.diagnostics[results.diagnostics.kind == "no_intraday"]
    assert sorted(notes.ticker) == ["1810.HK", "^HSI"]
    assert len(FramePrices(closes).get("^IXIC")) == 653


def test_mapping_values_must_hold_their_key(pair):
    with pytest.raises(PriceDataError, match=r"given for 'ABC' holds prices of \['1810.HK'"):
        FramePrices({"ABC": download_frame({"1810.HK": pair["1810.HK"]})})


def test_single_table_without_ticker_is_refused(pair):
    with pytest.raises(PriceDataError, match="names no ticker"):
        FramePrices(pair["1810.HK"])


def test_unrecognised_two_level_columns():
    table = pd.DataFrame(
        [[1.0, 2.0]], index=pd.DatetimeIndex(["2021-01-04"], name="Date"),
        columns=pd.MultiIndex.from_tuples([("A", "x"), ("B", "y")]),
    )
    with pytest.raises(PriceDataError, match=r"neither level holds price fields.*\('A', 'x'\)"):
        FramePrices(table)


# ----- files ---------------------------------------------------------------------------------
def test_yfinance_to_csv_file_reproduces_the_bundled_study(pair, tmp_path, bundled_windows):
    path = tmp_path / "download.csv"
    download_frame(pair).to_csv(path)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("Price,Adj Close,Adj Close,Close")
    assert lines[1].startswith("Ticker,1810.HK,^HSI") and lines[2].startswith("Date,,")
    _same_results(FilePrices(path), bundled_windows)
    assert isinstance(as_price_source(str(path)), FilePrices)


def test_parquet_files(pair, tmp_path, bundled_windows):
    pytest.importorskip("pyarrow")
    download_frame(pair).to_parquet(tmp_path / "yf.parquet")
    _long(pair).to_parquet(tmp_path / "long.parquet")
    _same_results(FilePrices(tmp_path / "yf.parquet"), bundled_windows)
    _same_results(FilePrices(tmp_path / "long.parquet"), bundled_windows)


def test_folder_of_ticker_files(pair, tmp_path, bundled_windows):
    pair["1810.HK"].to_csv(tmp_path / "1810.HK.csv")
    download_frame({"^HSI": pair["^HSI"]}).to_csv(tmp_path / "^HSI.csv")
    (tmp_path / "notes.md").write_text("not prices")
    source = FilePrices(tmp_path)
    assert source.tickers() == ("1810.HK", "^HSI")
    _same_results(source, bundled_windows)


def test_folder_file_holding_another_ticker(pair, tmp_path):
    download_frame({"^HSI": pair["^HSI"]}).to_csv(tmp_path / "HSI.csv")
    with pytest.raises(PriceDataError, match=r"HSI.csv: holds prices of \['\^HSI'\], not of 'HSI'"):
        FilePrices(tmp_path).get("HSI")
    with pytest.raises(UnknownTickerError, match=r"'\^HSI'.*available: HSI"):
        FilePrices(tmp_path).get("^HSI")


def test_file_errors_name_the_file_and_line(pair, tmp_path):
    bad = pair["1810.HK"].copy()
    bad.loc["2020-06-01", "close"] = -1.0
    bad.to_csv(tmp_path / "1810.HK.csv")
    line = bad.index.get_loc(pd.Timestamp("2020-06-01")) + 2  # after the header line
    with pytest.raises(PriceDataError,
                       match=rf"1810.HK.csv line {line}: 1810.HK: close on 2020-06-01 is -1.0"):
        FilePrices(tmp_path / "1810.HK.csv").get("1810.HK")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("empty.csv", "", "the file is empty"),
        ("header.csv", "date,open,high,low,close,adj_close,volume\n", "the price table is empty"),
        ("prices.xlsx", "x", "unsupported file type"),
        ("cols.csv", "date,Opn,Hi,Lo,Cls\n2021-01-04,1,2,3,4\n", None),
    ],
)
def test_unreadable_files(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    if message is None:
        # Unrecognised column names read as a wide table: asking for the ticker shows them.
        with pytest.raises(UnknownTickerError, match=r"'cols'.*available: Opn, Hi, Lo, Cls"):
            FilePrices(path).get("cols")
        return
    with pytest.raises(PriceDataError, match=f"{name}: {message}"):
        FilePrices(path)


def test_missing_columns_in_a_named_file(tmp_path):
    path = tmp_path / "ABC.csv"
    path.write_text("date,open,hi,low,close,volume\n2021-01-04,1,2,1,1,5\n")
    with pytest.raises(PriceDataError, match=r"ABC.csv: ABC: missing price columns \['high'\]; "
                       r"found \['open', 'hi', 'low', 'close', 'volume', 'adj_close'\]"):
        FilePrices(path).get("ABC")


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(PriceDataError, match="no such file or folder"):
        FilePrices(tmp_path / "nowhere")
    with pytest.raises(PriceDataError, match="no price files"):
        FilePrices(tmp_path)


def test_notes_of_file_prices(pair, tmp_path):
    stock = pair["1810.HK"]
    pd.concat([stock, stock.iloc[[10]]]).sort_index().to_csv(tmp_path / "1810.HK.csv")
    notes = price_notes(FilePrices(tmp_path / "1810.HK.csv").get("1810.HK"))
    assert [k for k, _ in notes] == ["duplicate_rows"]


# ----- command line --------------------------------------------------------------------------
def _catalog(tmp_path, market: str = "^HSI", **change) -> str:
    table = pd.read_csv(BundledPrices().folder / "events" / "xiaomi.csv", dtype=str,
                        keep_default_na=False)
    table["market"] = market
    for column, value in change.items():
        table.loc[1, column] = value
    path = tmp_path / "events.csv"
    table.to_csv(path, index=False)
    return str(path)


def test_cli_run_on_own_files_matches_the_bundled_case(pair, tmp_path, capsys):
    prices = tmp_path / "prices.csv"
    download_frame(pair).to_csv(prices)
    events = _catalog(tmp_path, market="")
    assert main(["run", "xiaomi", "--format", "csv", "--output", str(tmp_path / "a.csv")]) == 0
    argv = ["run", "--events", events, "--prices", str(prices), "--market", "^HSI",
            "--format", "csv", "--output", str(tmp_path / "b.csv")]
    assert main(argv) == 0
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    pd.testing.assert_frame_equal(a, b)
    assert main(["run", "--events", events, "--prices", str(prices), "--market", "^HSI"]) == 0
    assert "xiaomi-joint-filing" in capsys.readouterr().out


def test_cli_run_case_on_a_price_folder(pair, tmp_path):
    for ticker, frame in pair.items():
        frame.to_csv(tmp_path / f"{ticker}.csv")
    assert main(["run", "xiaomi", "--prices", str(tmp_path), "--output",
                 str(tmp_path / "out" / "x.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "out" / "x.csv")) == 20


@pytest.mark.parametrize(
    ("change", "extra", "message"),
    [
        ({"ticker": "1811.HK"}, [], r"events.csv line 3: unknown ticker '1811.HK'"),
        ({}, ["--market", "^SPX"], r"no prices for ticker '\^SPX' in FilePrices"),
        ({"date": "2021-13-01"}, [], r"events.csv line 3: malformed date"),
    ],
)
def test_cli_bad_input_is_one_line_with_status_2(pair, tmp_path, capsys, change, extra, message):
    prices = tmp_path / "prices.csv"
    download_frame(pair).to_csv(prices)
    events = _catalog(tmp_path, market="" if extra else "^HSI", **change)
    assert main(["run", "--events", events, "--prices", str(prices), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("eventstudy: error:")
    assert pytest.importorskip("re").search(message, err)


def test_cli_bad_price_file_names_file_ticker_and_date(pair, tmp_path, capsys):
    stock = pair["1810.HK"].copy()
    stock.loc["2020-06-01", "adj_close"] = 0.0
    stock.to_csv(tmp_path / "1810.HK.csv")
    pair["^HSI"].to_csv(tmp_path / "^HSI.csv")
    assert main(["run", "xiaomi", "--prices", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    line = stock.index.get_loc(pd.Timestamp("2020-06-01")) + 2
    assert f"1810.HK.csv line {line}: 1810.HK: adj_close on 2020-06-01 is 0.0" in err


def test_cli_empty_events_file(tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_text("id,case,ticker,exchange,market,type,date,time,timing,timezone\n")
    assert main(["run", "--events", str(path)]) == 2
    assert "the event catalog has no rows" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["run"], "run needs a bundled CASE (see `eventstudy cases`) or --events FILE"),
     (["run", "xiaomi", "--events", "events.csv"],
      "run takes a bundled CASE (xiaomi) or --events FILE, not both")],
)
def test_cli_case_or_events(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "`eventstudy run --help`" in err


def test_mapping_of_close_series(pair, bundled_windows):
    closes = {t: f["adj_close"] for t, f in pair.items()}
    _same_results(closes, bundled_windows)
    with pytest.raises(PriceDataError, match="must be a DataFrame or Series, not list"):
        FramePrices({"1810.HK": [1.0, 2.0]})
