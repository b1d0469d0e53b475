"""Robustness: the same events under other normal-return models and estimation samples.

A single-firm event study rests on choices the data cannot settle; this module
re-runs the study under each combination of

- the normal-return model: market model, market-adjusted returns and constant
  mean (MacKinlay 1997, sec. 4.1; Brown & Warner 1985 find the three give similar
  answers for daily data, so a large gap between them is itself informative);
- the estimation sample: with the security's other event windows removed from
  each estimation window, and with them kept (a shock inside the estimation
  window inflates the residual variance and can bias alpha);
- the event session of announcements of unknown timing: both candidate sessions
  are always studied (``unknown_timing="both"``), so their rows carry
  ``candidate`` = earliest / latest.

Every variant keeps the rest of the design (windows, estimation window, returns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from ..core.design import StudyDesign
from ..core.study import EventStudy
from ..errors import SpecificationError
from ..events.event import Event
from ..sources import PriceSource, as_price_source
from ..stats.intervals import t_interval

DEFAULT_MODELS = ("market", "market_adjusted", "constant_mean")
ROBUSTNESS_COLUMNS = (
    "variant", "model", "exclude_other_events", "event_id", "ticker", "candidate",
    "event_session", "window_start", "window_end", "n_days", "car", "se", "t_stat", "df",
    "p_value", "lower", "upper", "n_estimation",
)


def robustness(
    events: Iterable[Event],
    prices: PriceSource | Mapping[str, pd.DataFrame] | None = None,
    design: StudyDesign | None = None,
    models: Sequence[str] = DEFAULT_MODELS,
    exclusion: Sequence[bool] = (True, False),
    level: float = 0.95,
    **options,
) -> pd.DataFrame:
    """The windows table of every (model, other-events exclusion) variant, stacked.

    Parameters
    ----------
    events : iterable of Event
    prices : PriceSource or mapping of ticker -> DataFrame, optional
        The bundled snapshot by default.
    design : StudyDesign, optional
        Base design; ``exclude_other_events`` and ``unknown_timing`` are set per
        variant (the latter always to ``"both"``).
    models : sequence of str
        Normal-return models to compare.
    exclusion : sequence of bool
        Values of ``exclude_other_events`` to compare.
    level : float
        Coverage of the ``lower``..``upper`` interval (see :mod:`eventstudy.stats.intervals`).
    **options
        Further :class:`StudyDesign` fields, as for :class:`EventStudy`.

    Returns
    -------
    DataFrame
        Columns :data:`ROBUSTNESS_COLUMNS`, one row per variant, event row and
        window; returns are fractions. ``variant`` is a readable label such as
        ``"market, other events excluded"``. ``attrs["level"]`` records ``level``.
    """
    events = tuple(events)
    source = as_price_source(prices)  # read each price file once for all variants
    frames = []
    for model in models:
        for exclude in exclusion:
            study = EventStudy(
                events, source, model=model, design=design,
                **{**options, "exclude_other_events": bool(exclude), "unknown_timing": "both"},
            )
            frames.append(_variant_frame(study, level))
    table = pd.concat(frames, ignore_index=True).loc[:, list(ROBUSTNESS_COLUMNS)]
    table.attrs = {"level": level}
    return table


def variant_label(model: str, exclude_other_events: bool) -> str:
    """Readable name of a variant, e.g. ``"market, other events excluded"``."""
    return f"{model}, other events {'excluded' if exclude_other_events else 'kept'}"


def _variant_frame(study: EventStudy, level: float) -> pd.DataFrame:
    table = study.fit().windows.copy()
    exclude = study.design.exclude_other_events
    table["variant"] = variant_label(study.model.name, exclude)
    table["exclude_other_events"] = exclude
    table["lower"], table["upper"] = t_interval(table["car"], table["se"], table["df"], level)
    return table


def compare_variants(
    table: pd.DataFrame, window: tuple[int, int] = (0, 0), value: str = "car"
) -> pd.DataFrame:
    """One row per event row, one column per variant, for one window and one measure.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`robustness`.
    window : (int, int)
        The event window to show.
    value : str
        The column to spread, e.g. ``"car"``, ``"t_stat"`` or ``"p_value"``.
    """
    pick = (table["window_start"] == window[0]) & (table["window_end"] == window[1])
    if not pick.any():
        shown = sorted(set(zip(table["window_start"], table["window_end"], strict=True)))
        raise SpecificationError(f"window {window} is not in the robustness table; it has {shown}")
    subset = table.loc[pick]
    names = ["event_id", "ticker", "candidate"]
    rows = pd.MultiIndex.from_frame(subset[names].drop_duplicates(), names=names)
    wide = subset.set_index([*names, "variant"])[value].unstack("variant")
    return wide.reindex(index=rows, columns=list(dict.fromkeys(subset["variant"])))
