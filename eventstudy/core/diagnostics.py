"""What a study refuses, and what it excluded, flagged or skipped and why.

This is the one list of both. A refusal is a typed error from :mod:`eventstudy.errors`
whose message is one line naming the file and line (or DataFrame row), the ticker, the
date or the event, and what to do next; on the command line it is that line on stderr
and status 2. Everything a study handles instead travels with its results as a
diagnostic record ``(event_id, ticker, kind, detail)``, ``results.diagnostics``: nothing
is dropped, filled or guessed without one. Thresholds are named constants of the
modules given, each with the reason for its value.

Refused, by input
-----------------
Prices (``PriceDataError``)
    In :mod:`eventstudy.sources.validate`, ``shapes``, ``files`` and ``dates``.
    A file that is not UTF-8 text, holds NUL bytes, is not a table, is empty, is cut in
    a quote, or is parquet given as CSV (or the reverse); a header naming a column
    twice (``close,close``); missing or misspelled columns (the message lists those
    found), two columns of one meaning (``Close`` and ``close``), no dates; a row
    without a ticker or date, unparseable dates, dates out of order within a
    security, a date repeated with different values, a mix of aware and naive
    dates, aware timestamps not at local midnight, dates beyond 1677-2262; cells that
    are not numbers (``n/a`` included: only empty cells are missing); missing, zero,
    negative or infinite closes or adjusted closes; open, high or low not positive
    and finite; negative or infinite volumes; a high below the open, close or low, a
    low above the open or close (beyond ``OHLC_RTOL``, 1e-6). Implausible values:
    prices outside ``PRICE_RANGE`` (1e-6 to 1e12), volumes above ``MAX_VOLUME``
    (1e15), rows dated after today, and a close or adjusted close ``SPIKE_REFUSE``
    (10) times or more above or below both neighbouring rows. Also (``CalendarError``)
    prices beyond the exchange's calendar and a market index (or a ``LinearModel``
    regressor) on another exchange's calendar; (``UnknownTickerError``) tickers the
    source lacks.
Returns
    In ``eventstudy.sources.returns``; ``PriceDataError``.
    The file and identifier refusals of prices; text that is neither a number nor one
    of CRSP's missing-return codes; infinite returns, returns of -100% or less or
    above ``MAX_RETURN`` (+10,000%); securities whose mean absolute return exceeds
    ``PERCENT_LIMIT`` (0.2: percent); a return ``SPIKE_REFUSE`` times away that the
    next return undoes; rows dated after today; a market column with two values on
    one date; several identifier columns without ``id_column``.
Events
    In ``eventstudy.events``; ``CatalogError``, ``CalendarError``.
    Catalog files that are not UTF-8, binary, empty, with cells over 131,072
    characters, rows longer than the header, a header naming a column twice, or
    damaged parquet; missing ``ticker`` or ``date`` columns; an empty ticker or date,
    malformed dates, times and timings, a time given with a timing, unknown exchanges
    and time zones, an exchange neither given nor known from the ticker's suffix;
    dates outside the exchange's calendar (``0001-01-01``, ``9999-12-31``, ``2099``:
    the file's line, or the event's id); an (id, ticker) pair given twice; an id,
    case, ticker, market or type starting with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return, which a spreadsheet would run as a formula when it opens the
    results (``FORMULA_START``; refused rather than escaped, so outputs equal inputs);
    unknown tickers or markets of a command-line catalog. ``SpecificationError``:
    events that are not Event objects, a DataFrame or a path (a list of strings, a
    dict, bytes); a stock given as its own market index or as a regressor of its own
    ``LinearModel``; no market index for a model that needs one.
Factors
    In ``eventstudy.sources.factors``; ``PriceDataError``.
    The file refusals of prices; French files without a header or daily rows, with a
    damaged row inside the daily section or a row of another width; plain CSV rows of
    another width; a column named twice; a factor in two files with different values;
    dates missing, unsorted or repeated; values that are not numbers; factors in
    percent: values beyond 1, a standard deviation above ``FACTOR_SD_LIMIT`` (0.1 a
    day, over ``FACTOR_SD_MIN_DAYS`` days or more) even when every value stays below
    1, or a risk-free rate above ``RF_LIMIT`` (0.002 a day); a factor model without
    its factors; factors that are not a DataFrame. Downloads from French's library
    (``eventstudy.sources.french``): unknown regions and sets (``SpecificationError``);
    a download that is not a zip file holding one CSV, or over ``MAX_BYTES`` (64 MB),
    is a failed refresh that leaves the cache as it was, as is one that lacks cached
    dates (``conflict``); factors neither cached nor downloadable are a
    ``FactorSourceError``.
Design options
    In ``eventstudy.core.design``, ``core.study``; ``SpecificationError``.
    Session offsets that are not whole numbers (``-250.7``, NaN, infinities: refused,
    not truncated), booleans or text where integers are expected (``min_estimation=
    "120"``), offsets beyond ``MAX_OFFSET`` (50,000 sessions), a window that starts
    after it ends, no event window, an estimation window that does not end before the
    first event-window day, ``min_estimation`` below 3 or above the window's length,
    a negative ``max_gap``, ``exclude_other_events`` that is not a bool, unknown
    return kinds, timing rules, ``on_error`` values, models, engines or keyword
    options, ``LinearModel`` regressors that are not names or are named twice and
    formulas other than ``ret [- f:<factor>] ~ A + B``, a design that is not a
    StudyDesign, a partition count, ``n_boot`` or ``seed`` that is not an integer (or
    a negative seed), unknown ``group_by`` or table kinds. Per event
    (``EventWindowError``, ``InsufficientDataError``; with ``on_error="skip"`` an
    ``event_skipped`` record instead): windows outside the data, fewer usable
    estimation returns than ``min_estimation``, a regressor without variation, a fit
    that is exact up to rounding (residual variance at most ``PERFECT_FIT_RTOL``, 1e-6,
    of the modelled series' variance: a copy of the index) or a modelled series that
    does not vary (``FLAT_RTOL``: stale prices). A study left without any event says
    how many were skipped and why the first was.
Cache
    In ``eventstudy.sources.cache``, ``locks``, ``yahoo``; ``DataIntegrityError``.
    A cache file that is not UTF-8 or not a cache file (no checksum line), whose
    checksum does not match its header lines and data (an edited price, a widened
    ``# covered:`` range, a changed ``# ticker:``), whose row count, covered range or
    format is wrong, whose ticker, interval or adjustment line names another (a copied
    file), or whose table is damaged; the message says to delete it and fetch again.
    ``fetch`` reports such a file as that ticker's failure (status 1) and leaves it.
    Factor cache files (``eventstudy.sources.french``) likewise: a checksum over header
    and data, the row count, and the region and set their header names.
    ``CacheLockedError``: another process holds a cache file's lock for over
    ``LOCK_TIMEOUT`` (300 s). Dates of ``fetch`` that are not ISO or backwards, empty
    tickers, and intervals of less than a day (``SpecificationError``).
Command line
    In ``eventstudy.cli``.
    Usage errors (one line, status 2); ``run`` without exactly one of a case and
    ``--events``; ``--prices`` with ``--return-data``; an ``--output`` that is a
    folder, one of the run's input files, or a file of the ``--prices`` folder or of
    the bundled data's folders. Output that cannot be written (a full disk) is one
    line and status 2; a closed pipe (``| head``) ends quietly with status 141.

Kinds of record
---------------
An event studied at two candidate sessions (``unknown_timing="both"``) has a record of
each: those that would read alike start with the session they are about, ``session
2021-03-04 (earliest candidate): 11 estimation sessions removed: ...``.

missing_sessions
    The price file lacks some of the exchange's sessions; returns spanning them are missing.
non_session_rows
    Price rows on days that are not sessions of the exchange; they are ignored.
market_missing_sessions
    The market index, or a regressor a ``LinearModel`` names by ticker (the record's
    ticker), lacks prices on some of the stock's sessions.
market_non_session_rows
    One or two prices of the index (or of such a regressor) fall on days the stock's
    exchange is closed; they are ignored. (More than that means the index trades on
    another calendar, which is an error: same-date returns of two exchanges are not
    synchronous.)
trading_gap
    More than ``max_gap`` consecutive sessions without a price inside an event's
    windows (a halt or suspension); the move across the gap is attributed to no day.
duplicate_rows
    A date repeated with identical values was kept once (different values are an error).
tz_aware_dates
    Time-zone-aware timestamps at local midnight were taken as those local dates.
no_intraday
    The series has closes only (or returns only): no peak or trough moves. For a
    table of returns it is one record about the whole table (empty ticker).
missing_returns
    A table of returns holds missing returns (empty cells or CRSP's codes); the
    detail counts them by code. Those days have no return; nor has the day after
    CRSP's -99, whose return spans two sessions or more (a second record counts them).
split_like_jump
    A session whose open and close both moved by a factor beyond 1.5 while the
    adjusted close moved alike: possibly an unadjusted split; the row is kept.
price_spike
    A close or adjusted close (or a return and the next one, in a table of returns)
    from ``SPIKE_NOTE`` (3) to ``SPIKE_REFUSE`` (10) times above or below both
    neighbouring rows, which real moves that revert stay far below (the bundled
    snapshot's largest is x1.36); the row is kept, and the returns into and out of it
    are large: check it. (From x10 it is refused.)
price_fallback
    The price source could not provide fresh prices (e.g. Yahoo offline) and cached or
    bundled prices were used; the detail names the range used.
factor_fallback
    Factors from French's library were needed afresh but could not be downloaded (or
    offline), and the cached ones were used; one record about the factor table (empty
    ticker) naming the set, the cached range and when it was fetched.
estimation_exclusion
    Sessions removed from an event's estimation window because the same security's
    other events cover them.
overlapping_event_windows
    The event span contains another event of the same security; CARs over windows
    that include it mix the announcements.
estimation_missing
    Estimation sessions without a usable return (missing price or market return).
event_window_missing
    Event-window days without a return; CARs sum the days present.
incomplete_event_session
    The event session's price row has no intraday range (a vendor placeholder), or
    lacks its high or low, or the session before has no close: the peak or trough
    move (or both) is missing.
event_skipped
    The event could not be studied (with ``on_error='skip'``); the detail says why:
    its windows fall outside the data, too few estimation returns, a regressor
    without variation, an exact fit or a series that does not vary (see above).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

COLUMNS = ("event_id", "ticker", "kind", "detail")


@dataclass
class Diagnostics:
    """An append-only list of records ``(event_id, ticker, kind, detail)``."""

    records: list[tuple[str, str, str, str]] = field(default_factory=list)

    def add(self, event_id: str, ticker: str, kind: str, detail: str) -> None:
        """Record one finding; ``event_id`` is '' for findings about a whole series."""
        self.records.append((event_id, ticker, kind, detail))

    def extend(
        self, event_ids: Sequence[str], tickers: Sequence[str], kind: str, details: Sequence[str]
    ) -> None:
        """Record one finding of ``kind`` per event: ids, tickers and details side by side."""
        self.records.extend(
            (e, t, kind, d) for e, t, d in zip(event_ids, tickers, details, strict=True)
        )

    def to_frame(self) -> pd.DataFrame:
        """The records as a DataFrame with columns ``event_id, ticker, kind, detail``."""
        return pd.DataFrame(self.records, columns=list(COLUMNS))

    def __len__(self) -> int:
        return len(self.records)

    def none_left(self, what: str = "no event could be studied") -> str:
        """A message for a study left without events: how many were skipped, and why the
        first was (the diagnostics themselves are lost with the results)."""
        skipped = [r for r in self.records if r[2] == "event_skipped"]
        if not skipped:
            return what
        event_id, ticker, _, detail = skipped[0]
        if len(skipped) == 1:
            return (f"{what}: the only one, {event_id} ({ticker}), was skipped "
                    f"(on_error='skip') because: {detail}")
        return (f"{what}: all {len(skipped)} were skipped (on_error='skip'), the first, "
                f"{event_id} ({ticker}), because: {detail}")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with ``noun`` in the number it takes: ``1 session``, ``2 sessions``.

    >>> counted(1, "record"), counted(3, "security", "securities")
    ('1 record', '3 securities')
    """
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
