"""Size and power of the multi-event tests: a Brown & Warner (1985) style simulation.

Each trial draws N pseudo-events, fits the market model on a 240-session
estimation window [-250, -11], adds a known abnormal return on day 0 (0, +1% or
+2%) and runs every test at the 5% level (two-sided): the per-day tests on day 0
and the window tests on CAR(-1, +1). The rejection rate with no abnormal return
is the test's size; with one, its power.

Designs
-------
simulated (default)
    Market model returns with heterogeneous betas (U[0.5, 1.5]) and residual
    volatilities (U[1%, 3%] a day), market returns N(0.04%, 1%).
    ``independent``: every event has its own dates (independent residuals).
    ``clustered``: all N events of a trial share one date and their residuals
    have a common industry component (pairwise correlation ``--rho``), the case
    Kolari & Pynnonen (2010) correct for.
bundled
    Real daily returns of the bundled snapshot: pseudo-events at random sessions
    of the six stocks (Hong Kong stocks against ^HSI, LKCO against ^IXIC), N
    distinct dates per trial, run through the full EventStudy pipeline once.

Run ``python benchmarks/size_power.py --help``; the defaults take a few minutes
on two cores and print Markdown tables.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import numpy as np
import pandas as pd

from eventstudy import EventStudy
from eventstudy.core.models import ArrayBlock, MarketModel
from eventstudy.events import Event
from eventstudy.sources import BundledPrices
from eventstudy.stats import run_daily_battery, run_window_battery
from eventstudy.stats.battery import DAILY_TESTS, WINDOW_TESTS

EST, EVENT_DAYS, DAY0 = 240, 3, 1  # estimation rows; event rows tau = -1, 0, +1
SHIFTS = (0.0, 0.01, 0.02)
LEVEL = 0.05


def simulate(rng, n_trials: int, n_events: int, clustered: bool, rho: float):
    """Estimation and event-window returns (trials * N, 243) under the market model."""
    rows, length = n_trials * n_events, EST + EVENT_DAYS
    beta = rng.uniform(0.5, 1.5, (rows, 1))
    sigma = rng.uniform(0.01, 0.03, (rows, 1))
    noise = rng.standard_normal((rows, length))
    if clustered:
        market = np.repeat(rng.normal(0.0004, 0.01, (n_trials, length)), n_events, axis=0)
        common = np.repeat(rng.standard_normal((n_trials, length)), n_events, axis=0)
        noise = np.sqrt(rho) * common + np.sqrt(1 - rho) * noise
    else:
        market = rng.normal(0.0004, 0.01, (rows, length))
    return beta * market + sigma * noise, market


def fit_market_model(ret: np.ndarray, market: np.ndarray):
    """Market-model fit with the estimation rows first and the event rows last."""
    est = ArrayBlock({"ret": ret[:, :EST], "mret": market[:, :EST]})
    evt = ArrayBlock({"ret": ret[:, EST:], "mret": market[:, EST:]})
    return MarketModel().fit(est, evt, np.ones((len(ret), EST), dtype=bool))


def rejections(ar, ar_var, car_var, est_resid, df, n_events, shift, seed) -> dict[str, float]:
    """Rejection counts of every test over the trials, with ``shift`` added on day 0."""
    ar = ar.copy()
    ar[:, DAY0] += shift
    car = ar.sum(axis=1)
    counts = dict.fromkeys([f"day0:{t}" for t in DAILY_TESTS]
                           + [f"car:{t}" for t in WINDOW_TESTS], 0)
    for start in range(0, len(ar), n_events):
        rows = slice(start, start + n_events)
        daily = run_daily_battery(ar[rows], ar_var[rows], est_resid[rows], df[rows])
        for name, result in daily.items():
            counts[f"day0:{name}"] += result.p_value[DAY0] < LEVEL
        window = run_window_battery(car[rows], car_var[rows], est_resid[rows], df[rows],
                                    n_boot=199, seed=seed + start)
        for name, result in window.items():
            counts[f"car:{name}"] += result.p_value < LEVEL
    return counts


def run_simulated(args, clustered: bool) -> pd.DataFrame:
    rng = np.random.default_rng(args.seed + int(clustered))
    totals = {s: None for s in SHIFTS}
    done = 0
    while done < args.trials:
        chunk = min(250, args.trials - done)
        ret, market = simulate(rng, chunk, args.events, clustered, args.rho)
        fit = fit_market_model(ret, market)
        car_var, _ = fit.car_variance(np.ones(fit.ar.shape, dtype=bool))
        for shift in SHIFTS:
            counts = rejections(fit.ar, fit.ar_variance(), car_var, fit.est_resid, fit.df,
                                args.events, shift, args.seed + done)
            totals[shift] = counts if totals[shift] is None else {
                k: totals[shift][k] + v for k, v in counts.items()}
        done += chunk
    return _table(totals, args.trials)


def run_bundled(args) -> pd.DataFrame:
    """Pseudo-events on the real snapshot, one pipeline run for every (stock, session)."""
    source = BundledPrices()
    pairs = [(t, "XHKG", "^HSI") for t in ("1810.HK", "0981.HK", "0941.HK", "0728.HK",
                                           "0762.HK")] + [("LKCO", "XNAS", "^IXIC")]
    events = []
    for ticker, exchange, market in pairs:
        dates = source.get(ticker).index[252:-2]
        for day in dates:
            events.append(Event(ticker, day.date(), id=f"{ticker}@{day.date()}", case="pseudo",
                                exchange=exchange, market=market, time=dt.time(0, 0),
                                timing="exact", timezone=_zone(exchange)))
    results = EventStudy(events, windows=[(-1, 1)], exclude_other_events=False,
                         on_error="skip").fit()
    fit = results.fit
    dates = np.array([r.session for r in results.panel.rows])
    rng = np.random.default_rng(args.seed)
    picks = []
    unique_dates = np.unique(dates)
    for _ in range(args.trials):
        chosen = rng.choice(unique_dates, args.events, replace=False)
        picks.append([rng.choice(np.flatnonzero(dates == d)) for d in chosen])
    rows = np.concatenate(picks)
    car_var, _ = fit.car_variance(np.ones(fit.ar.shape, dtype=bool))
    totals = {}
    for shift in SHIFTS:
        totals[shift] = rejections(fit.ar[rows], fit.ar_variance()[rows], car_var[rows],
                                   fit.est_resid[rows], fit.df[rows], args.events, shift,
                                   args.seed)
    return _table(totals, args.trials)


def _zone(exchange: str) -> str:
    return "Asia/Hong_Kong" if exchange == "XHKG" else "America/New_York"


def _table(totals: dict, trials: int) -> pd.DataFrame:
    table = pd.DataFrame({f"{'size' if s == 0 else f'power +{s:.0%}'}": pd.Series(c) / trials
                          for s, c in totals.items()})
    table.index.name = "test"
    return table


def _markdown(table: pd.DataFrame) -> str:
    header = "| test | " + " | ".join(table.columns) + " |"
    rule = "|---|" + "---:|" * len(table.columns)
    body = ["| " + name + " | " + " | ".join(f"{v:.1%}" for v in row) + " |"
            for name, row in table.iterrows()]
    return "\n".join([header, rule, *body])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50, help="events per trial")
    parser.add_argument("--rho", type=float, default=0.1, help="clustered residual correlation")
    parser.add_argument("--seed", type=int, default=20240511)
    parser.add_argument("--data", choices=("simulated", "bundled"), default="simulated")
    args = parser.parse_args()
    designs = (("independent", False), ("clustered", True)) if args.data == "simulated" \
        else (("bundled, independent dates", None),)
    for label, clustered in designs:
        started = time.perf_counter()
        table = run_bundled(args) if clustered is None else run_simulated(args, clustered)
        seconds = time.perf_counter() - started
        print(f"\n### {args.data}: {label} ({args.trials} trials of {args.events} events, "
              f"5% two-sided; {seconds:.0f} s)\n")
        print(_markdown(table))
        if clustered is False:
            size = table["size"]
            outside = size[(size < 0.035) | (size > 0.065)]
            print("\nsizes outside [3.5%, 6.5%]: " + (", ".join(outside.index) or "none"))


if __name__ == "__main__":
    main()
