"""Counts in messages take the number of their noun: 1 record, 2 records.

The texts expected are written out here from the bundled cases' known contents (two
Xiaomi events: the lawsuit's estimation window holds six sessions of the
designation's windows; SMIC's two designation reports lie four sessions apart).
"""

from __future__ import annotations

import pytest

from eventstudy import EventStudy, __version__, bundled_events
from eventstudy.cli import _diagnostics_text, main
from eventstudy.core import MODELS
from eventstudy.core.diagnostics import counted
from eventstudy.errors import SpecificationError


@pytest.fixture(scope="module")
def two_xiaomi_events():
    return EventStudy(bundled_events("xiaomi")[:2]).fit()


def test_counted():
    assert [counted(n, "record") for n in (0, 1, 2)] == ["0 records", "1 record", "2 records"]
    assert counted(1, "security", "securities") == "1 security"
    assert counted(4, "security", "securities") == "4 securities"


def test_one_diagnostics_record(two_xiaomi_events):
    results = two_xiaomi_events
    assert results.diagnostics.detail.tolist() == [
        "6 estimation sessions removed: they lie in the event windows of xiaomi-designation; "
        "234 returns remain"]
    text = str(results.summary())
    header = next(line for line in text.splitlines() if "Diagnostics:" in line)
    assert header.split("Diagnostics:")[1].strip() == "1 record"
    assert "1 diagnostics record (data excluded or flagged)" in " ".join(text.split())
    assert _diagnostics_text(results.diagnostics).startswith(
        "Diagnostics: 1 record of what the study excluded or flagged")
    assert repr(results) == "<EventStudyResults: 2 events, model=market>"
    one = EventStudy(bundled_events("xiaomi")[:1]).fit()
    assert repr(one) == "<EventStudyResults: 1 event, model=market>"
    assert one.caar(group_by="event_id").small_sample.iloc[0].startswith(
        "1 event, fewer than 10:")


def test_one_other_session_in_the_span_is_singular():
    notes = EventStudy(bundled_events("smic")).fit().diagnostics
    overlaps = notes[notes.kind == "overlapping_event_windows"].detail.tolist()
    assert overlaps[0] == (
        "the event span [-5, 5] around 2020-11-30 contains the session of smic-designation; "
        "CARs over windows that include it mix the announcements")


def test_the_study_docstring_names_every_model():
    text = " ".join(EventStudy.__doc__.split())
    for name in MODELS:
        assert f'``"{name}"``' in text, name


def test_records_of_each_candidate_session_say_which():
    # Luokung's lawsuit and injunction were announced at unknown times: "both" studies each
    # at two sessions, whose estimation windows hold the other events' spans [-5, 5]: the
    # designation's 11 sessions; for the injunction also the lawsuit's at either of its
    # two sessions, 12 more (11 with "earliest" alone). 240 sessions less those remain.
    notes = EventStudy(bundled_events("luokung"), unknown_timing="both").fit().diagnostics
    assert not notes.duplicated().any()
    of_lawsuit = "they lie in the event windows of luokung-designation"
    of_both = "they lie in the event windows of luokung-designation, luokung-lawsuit"
    assert notes.detail.tolist() == [
        f"session 2021-03-04 (earliest candidate): 11 estimation sessions removed: {of_lawsuit}; "
        "229 returns remain",
        f"session 2021-03-05 (latest candidate): 11 estimation sessions removed: {of_lawsuit}; "
        "229 returns remain",
        f"session 2021-05-05 (earliest candidate): 23 estimation sessions removed: {of_both}; "
        "217 returns remain",
        f"session 2021-05-06 (latest candidate): 23 estimation sessions removed: {of_both}; "
        "217 returns remain",
    ]
    one = EventStudy(bundled_events("luokung")).fit().diagnostics  # one row per event
    assert one.detail.tolist() == [
        f"11 estimation sessions removed: {of_lawsuit}; 229 returns remain",
        f"22 estimation sessions removed: {of_both}; 218 returns remain"]


def test_missing_factors_are_listed_as_words():
    from eventstudy import LinearModel

    events = bundled_events("xiaomi")
    with pytest.raises(SpecificationError, match=r"the ff3 model needs the factors mkt_rf, "
                       r"smb, hml and rf; pass factors="):
        EventStudy(events, model="ff3")
    with pytest.raises(SpecificationError, match=r"needs the factor mom; pass factors="):
        EventStudy(events, model=LinearModel("ret ~ ^HSI + f:mom"))


def test_the_command_names_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: eventstudy [-h] [--version] COMMAND ...")
    assert all(f"\n    {name} " in out or f"\n    {name}\n" in out
               for name in ("cases", "run", "fetch", "fetch-factors"))
    with pytest.raises(SystemExit):
        main(["bogus"])
    assert "argument COMMAND: invalid choice: 'bogus'" in capsys.readouterr().err


def test_python_m_eventstudy_runs_the_command():
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "eventstudy", "--version"], capture_output=True,
                         text=True, check=False, timeout=120)
    assert (run.returncode, run.stdout.strip()) == (0, f"eventstudy {__version__}")
