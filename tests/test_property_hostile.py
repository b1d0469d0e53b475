"""Property-based tests of hostile inputs (issue 17), with Hypothesis.

Hypothesis damages four clean inputs of one study, the Xiaomi designation against the
Hang Seng Index from the bundled snapshot: the price tables (as DataFrames or as CSV
files), a return table with a market column, an event catalog (a CSV file) and a
three-factor table. Every damage is one a reader can recognise: impossible or
implausible values (NaN, 0, negative, infinite, 1e300, text, one-day spikes), missing,
repeated, swapped or misdated rows, vendor placeholders, unadjusted splits, repeated
header columns, malformed catalog fields; a few are benign (spaces, case, a
byte-order mark, CRLF line ends) and must change nothing. Damage that no reader could
tell from real data (a price 10% off) is not generated: it is data, not damage.

The property: each outcome is either

* an :class:`~eventstudy.errors.EventStudyError` (no other exception, no warning) whose
  message is one line, naming the file when the input was one; or
* results whose numbers (CARs, their s.e., t and p, BHARs, raw and market returns,
  peak and trough moves, day and estimation counts) equal the clean study's to 1e-9,
  or else come with diagnostic records the clean study lacks, about the securities
  that were damaged (or the whole table): every change is explained.

The search is derandomized (the same examples on every run: reproducible in CI), keeps
no example database, has no deadline (a study takes 10-40 ms, more on a loaded
machine) and is bounded to 60 examples per input kind: about 3 s in all.
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from eventstudy import EventStudy, FilePrices, FramePrices, ReturnSource, bundled_events
from eventstudy.errors import EventStudyError
from eventstudy.sources.factors import read_factors

DATA = Path(__file__).resolve().parent.parent / "data" / "prices"
PAIR = ("1810.HK", "^HSI")
PRICES = ["open", "high", "low", "close", "adj_close"]
EVENT = bundled_events("xiaomi")[0]  # 2021-01-14 after the US close -> session 2021-01-15
OPTIONS = {"estimation": (-120, -11), "windows": [(0, 0), (-1, 1), (-5, 5)],
           "min_estimation": 60}
NUMBERS = ["n_days", "car", "se", "t_stat", "p_value", "bhar", "raw_return", "market_return",
           "n_estimation", "n_excluded"]
MOVES = ["close_to_close", "peak_move", "trough_move"]  # the event session's, per event
PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
MAX_MESSAGE = 1_000


def _prices(ticker: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"{ticker}.csv", parse_dates=["date"], index_col="date")


CLEAN = {t: _prices(t) for t in PAIR}
# Rows the study reads: from the estimation window's first price to the event window's end.
SPAN = (CLEAN["1810.HK"].index.get_loc(pd.Timestamp("2021-01-15")) - 125,
        CLEAN["1810.HK"].index.get_loc(pd.Timestamp("2021-01-15")) + 8)


# ----- the property ----------------------------------------------------------------------------
def _outcome(run: Callable[[], object]):
    """The study's results or its error; no other exception, and no warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            results = run()
        except EventStudyError as exc:
            results = exc
    assert not caught, [str(w.message)[:200] for w in caught]
    return results


def _explained(outcome, clean, damaged: set[str], path: Path | None = None) -> None:
    """The property of the module docstring, for one damaged input."""
    if isinstance(outcome, EventStudyError):
        event(f"refused: {type(outcome).__name__}")
        message = str(outcome)
        assert message and "\n" not in message and len(message) < MAX_MESSAGE, message[:300]
        if path is not None and not isinstance(outcome, _NOT_ABOUT_FILES):
            assert str(path) in message or path.name in message, message[:300]
        return
    new = _records(outcome) - _records(clean)
    same = all(
        len(got) == len(want) and np.allclose(got, want, rtol=1e-9, atol=1e-12, equal_nan=True)
        for got, want in zip(_numbers(outcome), _numbers(clean), strict=True))
    event("same numbers" if same else "changed, explained")
    if not same:
        about = {ticker for _, ticker, _ in new}
        assert about & (damaged | {""}), f"changed without a word; new records: {new}"


def _numbers(results) -> tuple[np.ndarray, np.ndarray]:
    return (results.windows[NUMBERS].to_numpy(float),
            results.sessions[MOVES].to_numpy(float))


def _records(results) -> set[tuple[str, str, str]]:
    return set(map(tuple, results.diagnostics[["event_id", "ticker", "kind"]].to_numpy()))


# Errors about the study rather than a file's content: they need not name the file.
from eventstudy.errors import (  # noqa: E402
    CalendarError,
    EventWindowError,
    SpecificationError,
    UnknownTickerError,
)

_NOT_ABOUT_FILES = (CalendarError, EventWindowError, SpecificationError, UnknownTickerError)


# ----- price tables ----------------------------------------------------------------------------
HOSTILE_VALUES = [np.nan, 0.0, -1.0, np.inf, -np.inf, 1e300, 1e-300, "n/a", "1,5", None]
rows = st.integers(min_value=1, max_value=len(CLEAN["1810.HK"]) - 2)
span_rows = st.integers(min_value=SPAN[0], max_value=SPAN[1])


@st.composite
def price_damage(draw) -> tuple:
    """One damage: (name, ticker, row, argument)."""
    ticker = draw(st.sampled_from(PAIR))
    row = draw(st.one_of(span_rows, rows))  # mostly where the study reads
    kind = draw(st.sampled_from(["value", "spike", "drop", "duplicate", "swap", "date",
                                 "placeholder", "split", "intraday", "copy"]))
    argument = {
        "value": lambda: (draw(st.sampled_from(PRICES + ["volume"])),
                          draw(st.sampled_from(HOSTILE_VALUES))),
        "spike": lambda: (draw(st.sampled_from(["adj_close", "all"])),
                          draw(st.sampled_from([1000.0, 0.001, 4.0, 0.25, 12.0]))),
        "duplicate": lambda: draw(st.booleans()),  # identical, or with another close
        "date": lambda: draw(st.sampled_from(["saturday", "2099-01-04", "2021-02-30",
                                              "garbage"])),
        "intraday": lambda: draw(st.sampled_from(["open", "high", "low", "volume"])),
    }.get(kind, lambda: None)()
    return kind, ticker, row, argument


def _damage_prices(frames: dict[str, pd.DataFrame], damage: tuple) -> None:
    kind, ticker, row, argument = damage
    frame = frames[ticker]
    day = frame.index[row]
    if kind == "value":
        column, value = argument
        frame[column] = frame[column].astype(object)
        frame.loc[day, column] = value
    elif kind == "spike":
        columns, factor = argument
        chosen = PRICES if columns == "all" else [columns]
        frame.loc[day, chosen] = frame.loc[day, chosen].astype(float) * factor
    elif kind == "drop":
        frames[ticker] = frame.drop(index=day)
    elif kind == "duplicate":
        extra = frame.loc[[day]].copy()
        if not argument:
            extra["close"] = extra["close"].astype(float) * 1.01
        frames[ticker] = pd.concat([frame.iloc[: row + 1], extra, frame.iloc[row + 1:]])
    elif kind == "swap":
        order = list(range(len(frame)))
        order[row], order[row + 1] = order[row + 1], order[row]
        frames[ticker] = frame.iloc[order]
    elif kind == "date":
        index = list(frame.index.astype(object))
        index[row] = (day + pd.offsets.Week(weekday=5)).date() if argument == "saturday" else (
            argument)
        frames[ticker] = frame.set_axis(pd.Index(index, name="date"))
    elif kind == "placeholder":
        close = frame.loc[day, "close"]
        frame.loc[day, ["open", "high", "low", "volume"]] = [close, close, close, 0]
    elif kind == "split":  # a 2-for-1 split the prices are not adjusted for
        after = frame.index >= day
        frame.loc[after, PRICES] = frame.loc[after, PRICES].astype(float) / 2
    elif kind == "intraday":
        frame[argument] = frame[argument].astype(float)
        frame.loc[day, argument] = np.nan
    elif kind == "copy":  # the other security's prices, in other units: the same returns
        other = CLEAN[PAIR[1 - PAIR.index(ticker)]]
        frames[ticker] = other.assign(**{c: other[c] * 3.0 for c in PRICES})


@pytest.fixture(scope="module")
def clean_prices():
    return EventStudy([EVENT], prices=FramePrices(CLEAN), **OPTIONS).fit()


@PROPERTY
@given(damages=st.lists(price_damage(), min_size=1, max_size=3), as_file=st.booleans(),
       header=st.sampled_from(["", "", "", "close,close", "Close,close"]))
def test_damaged_price_tables_are_refused_or_explained(clean_prices, damages, as_file,
                                                       header):
    frames = {t: f.copy() for t, f in CLEAN.items()}
    for damage in damages:
        _damage_prices(frames, damage)
    damaged = {d[1] for d in damages}
    if not as_file:
        outcome = _outcome(lambda: EventStudy([EVENT], prices=FramePrices(frames),
                                              **OPTIONS).fit())
        _explained(outcome, clean_prices, damaged)
        return
    with tempfile.TemporaryDirectory() as folder:
        for ticker, frame in frames.items():
            text = frame.to_csv()
            if header and ticker in damaged:  # adj_close's header repeats close's
                text = text.replace("close,adj_close", header, 1)
            (Path(folder) / f"{ticker}.csv").write_text(text)
        outcome = _outcome(lambda: EventStudy([EVENT], prices=FilePrices(folder),
                                              **OPTIONS).fit())
        path = Path(folder) / f"{sorted(damaged)[0]}.csv"
        _explained(outcome, clean_prices, damaged, path if len(damaged) == 1 else None)


# ----- return tables ---------------------------------------------------------------------------
def _returns() -> pd.DataFrame:
    stock = CLEAN["1810.HK"]["adj_close"].pct_change()
    index = CLEAN["^HSI"]["adj_close"].pct_change()
    return pd.DataFrame({"permno": "1810.HK", "date": stock.index.strftime("%Y%m%d"),
                         "ret": stock.to_numpy(), "vwretd": index.reindex(stock.index)
                         .to_numpy()}).iloc[1:].reset_index(drop=True)


RETURNS = _returns()
RETURN_EVENT = EVENT.__class__("1810.HK", EVENT.date, timing=EVENT.timing, id=EVENT.id,
                               exchange="XHKG")
RETURN_VALUES = [np.nan, "", "-99", "C", ".B", 1e300, -1.5, np.inf, "n/a", (9.5, -0.905),
                 (3.0, -0.75), -44.0]


@st.composite
def return_damage(draw) -> tuple:
    kind = draw(st.sampled_from(["value", "market", "drop", "duplicate", "swap", "percent",
                                 "copy"]))
    row = draw(st.integers(min_value=SPAN[0] - 1, max_value=SPAN[1] - 1))
    values = {"value": RETURN_VALUES, "market": [np.nan, (3.0, -0.75), (12.0, -0.92)]}
    value = draw(st.sampled_from(values[kind])) if kind in values else draw(st.booleans())
    return kind, row, value


def _damage_returns(table: pd.DataFrame, damage: tuple) -> pd.DataFrame:
    kind, row, value = damage
    table = table.copy()
    if kind in ("value", "market"):
        column = "ret" if kind == "value" else "vwretd"
        values = value if isinstance(value, tuple) else (value,)
        table[column] = table[column].astype(object)
        for k, v in enumerate(values):
            table.loc[row + k, column] = v
    elif kind == "drop":
        table = table.drop(index=row)
    elif kind == "duplicate":
        extra = table.loc[[row]].copy()
        if not value:
            extra["ret"] = extra["ret"].astype(float) + 0.01
        table = pd.concat([table.loc[:row], extra, table.loc[row + 1:]])
    elif kind == "swap":
        order = list(table.index)
        order[row], order[row + 1] = order[row + 1], order[row]
        table = table.loc[order]
    elif kind == "percent":
        table["ret"] = table["ret"].astype(float) * 100
    elif kind == "copy":  # the market's returns given as the stock's
        table["ret"] = table["vwretd"]
    return table.reset_index(drop=True)


@pytest.fixture(scope="module")
def clean_returns():
    return EventStudy([RETURN_EVENT], returns=RETURNS, market="vwretd", **OPTIONS).fit()


@PROPERTY
@given(damages=st.lists(return_damage(), min_size=1, max_size=3), as_file=st.booleans())
def test_damaged_return_tables_are_refused_or_explained(clean_returns, damages, as_file):
    table = RETURNS
    for damage in damages:
        table = _damage_returns(table, damage)
    if not as_file:
        outcome = _outcome(lambda: EventStudy([RETURN_EVENT], returns=table, market="vwretd",
                                              **OPTIONS).fit())
        _explained(outcome, clean_returns, {"1810.HK", "vwretd"})
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crsp.csv"
        table.to_csv(path, index=False)
        outcome = _outcome(lambda: EventStudy([RETURN_EVENT], returns=ReturnSource(
            path, market="vwretd"), **OPTIONS).fit())
        _explained(outcome, clean_returns, {"1810.HK", "vwretd"}, path)


# ----- event catalogs --------------------------------------------------------------------------
# Without a time zone the catalog's timing is Hong Kong's: after its 16:00 close on 01-14
# the news reaches the session of 01-15, as the clean event does (and so does 17:00).
CATALOG = {"id": "xiaomi-designation", "case": "xiaomi", "ticker": "1810.HK",
           "market": "^HSI", "type": "designation", "date": "2021-01-14",
           "timing": "after_close"}
FIELD_VALUES = {
    "id": ["=HYPERLINK(\"x\")", "@SUM(1)", "+1", "-x", " xiaomi-designation "],
    "case": ["=1+1", "xiaomi "],
    "ticker": ["1811.HK", "", " 1810.HK", "=1810.HK", "1810.hk"],
    "market": ["1810.HK", "^XYZ", "", "@^HSI"],
    "type": ["+designation", "Designation"],
    "date": ["2021-02-30", "9999-12-31", "0001-01-01", "21-01-14", "2021-01-14T10:00", "",
             "20210114", " 2021-01-14 ", "2099-01-04", "1900-01-02"],
    "timing": ["soon", "exact", "AFTER_CLOSE", " after_close"],
    "time": ["25:61", "17:00", "x"],
    "timezone": ["Mars/Base", "Asia/Hong_Kong", "../etc"],
    "exchange": ["XXXX", "XHKG", "../x", "xhkg"],
}
FIELD_CHANGES = [(column, value) for column, values in FIELD_VALUES.items() for value in values]
TEXT_DAMAGE = ["", "bom", "crlf", "latin-1", "nul", "repeat row", "repeat header", "no date",
               "quote"]


def _catalog_text(fields: dict[str, str], damage: str) -> bytes:
    header = list(fields)
    row = [f'"{v}"' if ("," in v or '"' in v) and damage != "quote" else v
           for v in (fields[c].replace('"', '""') if '"' in fields[c] else fields[c]
                     for c in header)]
    lines = [",".join(header), ",".join(row)]
    if damage == "repeat row":
        lines.append(lines[1])
    elif damage == "repeat header":
        lines[0] = lines[0].replace("market", "ticker")
    elif damage == "no date":
        lines[0] = lines[0].replace("date", "day")
    elif damage == "quote":
        lines[1] = '"' + lines[1]
    text = ("\r\n" if damage == "crlf" else "\n").join(lines) + "\n"
    data = text.encode()
    if damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "latin-1":
        data = data.replace(b"xiaomi", "xiaomí".encode("latin-1"), 1)
    elif damage == "nul":
        data = data.replace(b",", b",\x00", 1)
    return data


@pytest.fixture(scope="module")
def clean_catalog():
    return EventStudy([EVENT], prices=FramePrices(CLEAN), **OPTIONS).fit()


@PROPERTY
@given(changes=st.lists(st.sampled_from(FIELD_CHANGES), max_size=2),
       damage=st.sampled_from(TEXT_DAMAGE))
def test_damaged_catalogs_are_refused_or_explained(clean_catalog, changes, damage):
    fields = {**CATALOG, **dict(changes)}
    if not changes and not damage:
        damage = "repeat row"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.csv"
        path.write_bytes(_catalog_text(fields, damage))
        outcome = _outcome(lambda: EventStudy(path, prices=FramePrices(CLEAN),
                                              **OPTIONS).fit())
        _explained(outcome, clean_catalog, {"1810.HK", "^HSI"}, path)


# ----- factor tables ---------------------------------------------------------------------------
def _factors() -> pd.DataFrame:
    dates = CLEAN["1810.HK"].index
    values = np.random.default_rng(5).normal(0.0, [0.01, 0.005, 0.005], (len(dates), 3))
    frame = pd.DataFrame(values, index=dates, columns=["mkt_rf", "smb", "hml"])
    return frame.assign(rf=0.0001).rename_axis("date")


FACTORS = _factors()


@st.composite
def factor_damage(draw) -> tuple:
    kind = draw(st.sampled_from(["value", "percent", "drop", "duplicate", "swap", "rename"]))
    row = draw(st.integers(min_value=SPAN[0], max_value=SPAN[1]))
    column = draw(st.sampled_from(list(FACTORS.columns)))
    value = draw(st.sampled_from([np.nan, 5.0, -2.0, "x", np.inf])) if kind == "value" else None
    return kind, row, column, value


def _damage_factors(table: pd.DataFrame, damage: tuple) -> pd.DataFrame:
    kind, row, column, value = damage
    table = table.copy()
    if kind == "value":
        table[column] = table[column].astype(object)
        table.iloc[row, table.columns.get_loc(column)] = value
    elif kind == "percent":
        table[column] = table[column] * 100
    elif kind == "drop":
        table = table.drop(index=table.index[row])
    elif kind == "duplicate":
        table = pd.concat([table.iloc[: row + 1], table.iloc[[row]], table.iloc[row + 1:]])
    elif kind == "swap":
        order = list(range(len(table)))
        order[row], order[row + 1] = order[row + 1], order[row]
        table = table.iloc[order]
    elif kind == "rename":
        table = table.rename(columns={column: f"{column}_x"})
    return table


@pytest.fixture(scope="module")
def clean_factors():
    return EventStudy([EVENT], prices=FramePrices(CLEAN), model="ff3", factors=FACTORS,
                      **OPTIONS).fit()


@PROPERTY
@given(damages=st.lists(factor_damage(), min_size=1, max_size=2), as_file=st.booleans())
def test_damaged_factor_tables_are_refused_or_explained(clean_factors, damages, as_file):
    table = FACTORS
    for damage in damages:
        table = _damage_factors(table, damage)

    def study(factors: pd.DataFrame) -> object:
        return EventStudy([EVENT], prices=FramePrices(CLEAN), model="ff3", factors=factors,
                          **OPTIONS).fit()

    if not as_file:
        _explained(_outcome(lambda: study(table)), clean_factors, {"1810.HK"})
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "factors.csv"
        table.to_csv(path)
        outcome = _outcome(lambda: study(read_factors([path])))
        _explained(outcome, clean_factors, {"1810.HK"}, path)
