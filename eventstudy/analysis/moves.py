"""Close-to-close against intraday moves on each event session.

News reports quote intraday extremes ("rose as much as 6.5%"); an event study
measures close-to-close returns net of the market. This table puts them side by
side for the event session (tau = 0) of every event:

- ``close_to_close``: adjusted close over the previous session's adjusted close,
  minus one (always a simple return, whatever the study's return kind); for returns
  given as such, the session's return;
- ``peak_move`` / ``trough_move``: the session's high / low over the previous
  session's close, minus one (as in the results' sessions table,
  :attr:`EventStudyResults.sessions <eventstudy.EventStudyResults.sessions>`, which
  has the same figures with ``event_session`` as a date and the session's close);
- ``market_return``: the index's close-to-close return that session;
- ``abnormal_return``: the study's day-0 abnormal return.

These are descriptive figures, not statistics: no test is attached to the peak.
A session whose price row lacks its intraday record (a vendor placeholder, see
:mod:`eventstudy.sources.validate`) has no peak or trough.
"""

from __future__ import annotations

import pandas as pd

from ..core.results import EventStudyResults

MOVE_COLUMNS = (
    "event_id", "ticker", "candidate", "event_session", "prev_close", "high", "low",
    "close_to_close", "peak_move", "trough_move", "market_return", "abnormal_return",
)


def session_moves(results: EventStudyResults) -> pd.DataFrame:
    """The event session's close-to-close, peak and trough moves and abnormal return.

    Parameters
    ----------
    results : EventStudyResults
        A study whose event span contains day 0.

    Returns
    -------
    DataFrame
        One row per event row, columns :data:`MOVE_COLUMNS`; moves are fractions.
    """
    panel = results.panel
    day0 = panel.day0_column()
    log = results.design.returns == "log"
    labels = panel.labels
    return pd.DataFrame(
        {
            **{k: labels[k] for k in ("event_id", "ticker", "candidate", "event_session")},
            "prev_close": panel.prev_close,
            "high": panel.high,
            "low": panel.low,
            "close_to_close": panel.gross_return(0, 0, log=log) - 1.0,
            "peak_move": panel.high / panel.prev_close - 1.0,
            "trough_move": panel.low / panel.prev_close - 1.0,
            "market_return": panel.gross_return(0, 0, market=True, log=log) - 1.0,
            "abnormal_return": results.fit.ar[:, day0],
        },
        columns=list(MOVE_COLUMNS),
    )
