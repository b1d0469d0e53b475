"""Factors from Ken French's data library: recorded responses replayed into urllib.

No network: :class:`french_files.ReplayOpener` answers urllib's HTTPS requests with zip
files made in French's layout from values chosen in the test, so the library's
download function, urllib's status handling, the zip and CSV readers and the cache all
run as they would online. Every factor value read must equal the chosen value / 100
exactly.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import urllib.error
import urllib.request
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from french_files import (
    ReplayOpener,
    choose_values,
    expected,
    french_text,
    french_zip,
    install,
    member,
    url,
)

from eventstudy import EventStudy, bundled_events
from eventstudy.cli import main
from eventstudy.errors import (
    DataIntegrityError,
    FactorSourceError,
    FactorSourceWarning,
    PriceDataError,
    SpecificationError,
)
from eventstudy.sources import french
from eventstudy.sources import locks as locks_module
from eventstudy.sources.factors import read_factors
from eventstudy.sources.french import (
    FRENCH_FILES,
    FactorCache,
    download_french,
    fetch_factors,
    french_factors,
    french_url,
    read_factor_cache_file,
    read_french_zip,
)

DAYS = pd.bdate_range("2019-06-03", "2021-12-31")  # French's international files: weekdays


@functools.cache
def _recorded() -> tuple[dict, dict]:
    """The chosen values and the zip file of every set (made once)."""
    responses, values = {}, {}
    for (region, dataset) in FRENCH_FILES:
        values[region, dataset] = choose_values(region, dataset, DAYS)
        responses[url(region, dataset)] = french_zip(region, dataset, values[region, dataset])
    return responses, values


@pytest.fixture
def replay(monkeypatch, tmp_path):
    """urllib answered by recorded files of every set (any other URL: 404); the cache
    root and the default cache under tmp_path; online."""
    responses, values = _recorded()
    opener = ReplayOpener(responses)
    opener.values = {key: frame.copy() for key, frame in values.items()}
    install(opener)
    monkeypatch.setenv("EVENTSTUDY_CACHE", str(tmp_path / "default-cache"))
    monkeypatch.delenv("EVENTSTUDY_OFFLINE", raising=False)
    yield opener
    urllib.request.install_opener(None)


@pytest.fixture(autouse=True)
def no_network():
    """A request no replay answers fails instead of reaching the network."""

    class Refuse(urllib.request.HTTPSHandler):
        def https_open(self, request):
            raise AssertionError(f"a test tried to reach {request.full_url}")

    urllib.request.install_opener(urllib.request.build_opener(Refuse()))
    yield
    urllib.request.install_opener(None)


def test_urls_are_french_library_files():
    assert french_url("us", "ff3") == ("https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/"
                                       "ftp/F-F_Research_Data_Factors_daily_CSV.zip")
    assert french_url("asia_pacific", "mom").endswith(
        "/ftp/Asia_Pacific_ex_Japan_MOM_Factor_Daily_CSV.zip")
    assert french_url("developed", "ff5").endswith("/ftp/Developed_5_Factors_Daily_CSV.zip")
    with pytest.raises(SpecificationError, match="unknown factor region 'japan'"):
        french_url("japan", "ff3")
    with pytest.raises(SpecificationError, match="unknown factor set 'ff4'"):
        french_url("us", "ff4")


@pytest.mark.parametrize(("region", "dataset"), list(FRENCH_FILES))
def test_every_set_is_read_as_its_values_over_100(replay, region, dataset):
    frame = download_french(region, dataset)
    assert replay.urls == [url(region, dataset)]
    pd.testing.assert_frame_equal(frame, expected(replay.values[region, dataset]),
                                  check_exact=True, check_freq=False)


def test_missing_codes_latin1_and_damaged_files():
    values = choose_values("us", "ff3", DAYS[:30])
    frame = read_french_zip(french_zip("us", "ff3", values, missing=((3, 1),)), "here")
    assert np.isnan(frame["smb"].iloc[3]) and frame["hml"].iloc[3] == values["HML"].iloc[3] / 100
    text = french_text("us", "ff3", values).replace("created", "cr\xe9\xe9")
    latin = io.BytesIO()
    with zipfile.ZipFile(latin, "w") as archive:
        archive.writestr(member("us", "ff3"), text.encode("latin-1"))
    pd.testing.assert_frame_equal(read_french_zip(latin.getvalue(), "here"), expected(values),
                                  check_freq=False)
    with pytest.raises(PriceDataError, match="here: not a zip file .* begins '<html>"):
        read_french_zip(b"<html><body>Service unavailable</body></html>", "here")
    cut = french_zip("us", "ff3", values)
    with pytest.raises(PriceDataError, match="here: not a zip file"):
        read_french_zip(cut[: len(cut) // 2], "here")
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", text)
        archive.writestr("b.csv", text)
    with pytest.raises(PriceDataError, match="holds 2 CSV files"):
        read_french_zip(two.getvalue(), "here")


# ----- the cache -----------------------------------------------------------------------------
def test_fetch_creates_checksummed_cache_files(replay, tmp_path):
    reports = fetch_factors("asia_pacific", "carhart", tmp_path / "cache")
    assert [r.status for r in reports] == ["created", "created"]
    assert replay.urls == [url("asia_pacific", "ff3"), url("asia_pacific", "mom")]
    cache = FactorCache(tmp_path / "cache")
    path = cache.path("asia_pacific", "ff3")
    assert path == tmp_path / "cache" / "french" / "Asia_Pacific_ex_Japan_3_Factors_Daily.csv"
    assert reports[0].path == path and reports[0].rows == len(DAYS)
    assert str(reports[0]).startswith(f"asia_pacific ff3: created, {len(DAYS)} rows "
                                      "(2019-06-03..2021-12-31)")
    meta, frame = read_factor_cache_file(path)
    assert meta["region"] == "asia_pacific" and meta["dataset"] == "ff3"
    assert meta["url"] == url("asia_pacific", "ff3") and meta["rows"] == str(len(DAYS))
    pd.testing.assert_frame_equal(frame, expected(replay.values["asia_pacific", "ff3"]),
                                  check_exact=True, check_freq=False)
    # The file is a factor file for run --factors / read_factors, checked on reading.
    both = read_factors([path, cache.path("asia_pacific", "mom")])
    assert list(both.columns) == ["mkt_rf", "smb", "hml", "rf", "mom"]
    text = path.read_text()
    path.write_text(text.replace("\n2020-01-02,", "\n2020-01-03,", 1))
    with pytest.raises(DataIntegrityError, match="do not match their checksum"):
        cache.read("asia_pacific", "ff3")
    with pytest.raises(DataIntegrityError, match="do not match their checksum"):
        read_factors([path])
    path.write_text(text.replace("# rows:", "# rows: 1\n# x:", 1))
    with pytest.raises(DataIntegrityError, match="do not match their checksum"):
        cache.read("asia_pacific", "ff3")


def _snapshot(path):
    return path.read_bytes(), os.stat(path).st_mtime_ns


def test_refresh_replaces_only_with_a_complete_valid_download(replay, tmp_path):
    root = tmp_path / "cache"
    fetch_factors("us", "ff3", root)
    path = FactorCache(root).path("us", "ff3")
    (again,) = fetch_factors("us", "ff3", root)
    assert (again.status, again.added, again.revised) == ("unchanged", 0, 0)
    # French revises history and adds a month: both are taken and counted.
    values = replay.values["us", "ff3"].copy()
    values.iloc[10, 1] = (np.rint(values.iloc[10, 1] * 100) + 1) / 100  # +0.01%
    later = pd.bdate_range("2022-01-03", periods=5)
    values = pd.concat([values, choose_values("us", "ff3", later, seed=5)])
    replay.responses[url("us", "ff3")] = french_zip("us", "ff3", values)
    (updated,) = fetch_factors("us", "ff3", root)
    assert (updated.status, updated.added, updated.revised) == ("updated", 5, 1)
    pd.testing.assert_frame_equal(FactorCache(root).read("us", "ff3").frame, expected(values),
                                  check_exact=True, check_freq=False)
    before = _snapshot(path)
    failures = {
        "conflict": french_zip("us", "ff3", values.iloc[100:]),  # lacks cached dates
        "invalid download": b"<html>We are updating the library</html>",
        "cut short": french_zip("us", "ff3", values)[:-200],
        "HTTPError: HTTP Error 503": (503, b"busy"),
        "URLError": urllib.error.URLError("[Errno -3] Temporary failure in name resolution"),
        "TimeoutError": TimeoutError("timed out"),
    }
    for said, answer in failures.items():
        replay.responses[url("us", "ff3")] = answer
        (report,) = fetch_factors("us", "ff3", root)
        assert not report.ok and report.rows == len(values), said
        assert said in str(report) or (said == "cut short" and "not a zip file" in str(report))
        assert _snapshot(path) == before, f"{said} changed the cache"
    assert not list(path.parent.glob(".*.tmp")) and not list(path.parent.glob("*.lock"))


def test_a_refresh_waits_for_the_lock(replay, tmp_path, monkeypatch):
    monkeypatch.setattr(locks_module, "LOCK_TIMEOUT", 0.2)
    path = FactorCache(tmp_path / "cache").path("us", "mom")
    with locks_module.locked(path):
        (report,) = fetch_factors("us", "mom", tmp_path / "cache")
    assert report.status == "failed" and "held its lock" in report.message
    assert not path.exists() and replay.urls == []


# ----- a study's factors ---------------------------------------------------------------------
def test_french_factors_downloads_once_then_serves_the_cache(replay, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = french_factors("carhart", "asia_pacific", tmp_path / "cache")
        again = french_factors("carhart", "asia_pacific", tmp_path / "cache", end="2021-12-31")
    assert len(replay.urls) == 2
    want = pd.concat([expected(replay.values["asia_pacific", "ff3"]),
                      expected(replay.values["asia_pacific", "mom"])], axis=1)
    pd.testing.assert_frame_equal(table, want, check_exact=True, check_freq=False)
    pd.testing.assert_frame_equal(again, table)
    assert not table.attrs
    french_factors("ff5", "us", tmp_path / "cache", refresh=True)
    assert replay.urls[2:] == [url("us", "ff5")]
    with pytest.raises(SpecificationError, match="unknown factors 'ff7'"):
        french_factors("ff7")


def test_offline_and_failed_downloads_fall_back_to_the_cache(replay, tmp_path, monkeypatch):
    root = tmp_path / "cache"
    french_factors("ff3", "asia_pacific", root)
    # The study needs days after the cached ones: a download is due, and fails.
    monkeypatch.setattr(french, "REFRESH_AFTER", dt.timedelta(0))
    replay.responses[url("asia_pacific", "ff3")] = urllib.error.URLError("no route to host")
    with pytest.warns(FactorSourceWarning, match=r"French asia_pacific ff3 factors could not be "
                      r"downloaded \(failed: URLError: .*no route to host.*\); using the cached "
                      r"factors 2019-06-03..2021-12-31"):
        table = french_factors("ff3", "asia_pacific", root, end="2022-03-31")
    (note,) = table.attrs["eventstudy_notes"]
    assert note[0] == "factor_fallback"
    pd.testing.assert_frame_equal(table, expected(replay.values["asia_pacific", "ff3"]),
                                  check_freq=False)
    # The note reaches the results' diagnostics, once however the study is partitioned.
    events = [*bundled_events("xiaomi"), *bundled_events("smic")]
    results = EventStudy(events, model="ff3", factors=table, partitions=2).fit()
    fallback = results.diagnostics.query("kind == 'factor_fallback'")
    assert fallback.ticker.tolist() == [""] and "using the cached factors" in fallback.detail[
        fallback.index[0]]
    # Offline: no request at all; a cache that covers the study is used without a word.
    calls = len(replay.urls)
    monkeypatch.setenv("EVENTSTUDY_OFFLINE", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        french_factors("ff3", "asia_pacific", root, end="2021-06-30")
    with pytest.warns(FactorSourceWarning, match=r"\(offline"):
        french_factors("ff3", "asia_pacific", root, end="2022-03-31")
    with pytest.raises(FactorSourceError, match=r"no us ff3 factors: .*\(offline .* nothing is "
                       "cached at"):
        french_factors("ff3", "us", root)
    assert len(replay.urls) == calls


def test_carhart_study_on_downloaded_factors_equals_statsmodels(replay, tmp_path, raw_prices):
    factors = french_factors("carhart", "asia_pacific", tmp_path / "cache")
    events = bundled_events("xiaomi")[:1]
    results = EventStudy(events, model="carhart", factors=factors).fit()
    given = pd.concat([expected(replay.values["asia_pacific", "ff3"]),
                       expected(replay.values["asia_pacific", "mom"])], axis=1)
    pd.testing.assert_frame_equal(
        results.windows,
        EventStudy(events, model="carhart", factors=given).fit().windows)
    stock = raw_prices("1810.HK")["adj_close"].pct_change()
    frame = given.reindex(stock.index)
    pos = stock.index.get_loc(pd.Timestamp("2021-01-15"))
    est = stock.index[pos - 250 : pos - 10]
    x = frame[["mkt_rf", "smb", "hml", "mom"]]
    ols = sm.OLS((stock - frame["rf"])[est], sm.add_constant(x.loc[est])).fit()
    day0 = (stock - frame["rf"]).iloc[pos] - ols.predict(sm.add_constant(x).iloc[[pos]]).iloc[0]
    row = results.windows.query("window_start == 0 and window_end == 0").iloc[0]
    assert row.car == pytest.approx(day0, abs=1e-10)


def test_cli_fetch_factors_and_run_on_the_cache(replay, tmp_path, capsys):
    root = tmp_path / "cache"
    assert main(["fetch-factors", "asia_pacific", "carhart", "--cache", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["asia_pacific ff3", "asia_pacific mom"]
    cache = FactorCache(root)
    argv = ["run", "xiaomi", "--model", "carhart", "--format", "csv",
            "--factors", str(cache.path("asia_pacific", "ff3")),
            "--factors", str(cache.path("asia_pacific", "mom"))]
    assert main(argv) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    direct = EventStudy(bundled_events("xiaomi"), model="carhart",
                        factors=french_factors("carhart", "asia_pacific", root)).fit().to_frame()
    np.testing.assert_allclose(table["car"], direct["car"], rtol=1e-12)
    replay.responses[url("us", "mom")] = (404, b"gone")
    assert main(["fetch-factors", "us", "ff3", "mom", "--cache", str(root)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("us ff3: created")
    assert captured.err.startswith("us mom: failed: HTTPError: HTTP Error 404: Not Found")
    with pytest.raises(SystemExit) as exit_:
        main(["fetch-factors", "mars"])
    assert exit_.value.code == 2
    assert main(["fetch-factors", "us", "ff7", "--cache", str(root)]) == 2
    assert "unknown factors 'ff7'" in capsys.readouterr().err
