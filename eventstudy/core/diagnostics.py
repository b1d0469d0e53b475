"""What a study excluded, flagged or skipped, and why: it travels with the results.

Kinds of record
---------------
missing_sessions
    The price file lacks some of the exchange's sessions; returns spanning them are missing.
non_session_rows
    Price rows on days that are not sessions of the exchange; they are ignored.
market_missing_sessions
    The market index lacks prices on some of the stock's sessions.
market_non_session_rows
    One or two index prices fall on days the stock's exchange is closed; they are
    ignored. (More than that means the index trades on another calendar, which is an
    error: same-date returns of two exchanges are not synchronous.)
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
price_fallback
    The price source could not provide fresh prices (e.g. Yahoo offline) and cached or
    bundled prices were used; the detail names the range used.
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
    The event session's price row has no intraday range: peak and trough moves are missing.
event_skipped
    The event could not be studied (with ``on_error='skip'``); the detail says why.
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
        return (f"{what}: all {len(skipped)} were skipped (on_error='skip'), the first, "
                f"{event_id} ({ticker}), because: {detail}")
