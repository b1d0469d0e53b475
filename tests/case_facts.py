"""Facts from shared/cases.md that several tests check against."""

# First sessions as stated in cases.md (both candidates where timing is unknown),
# written out from the case facts, independent of the calendar code.
CASES_MD = {
    "xiaomi-designation": ["2021-01-15"],
    "xiaomi-lawsuit": ["2021-02-01"],
    "xiaomi-injunction": ["2021-03-15"],
    "xiaomi-joint-filing": ["2021-05-12"],
    "xiaomi-final-order": ["2021-05-26"],
    "luokung-designation": ["2021-01-15"],
    "luokung-lawsuit": ["2021-03-04", "2021-03-05"],
    "luokung-injunction": ["2021-05-05", "2021-05-06"],
    "telecoms-eo13959": ["2020-11-13"],
    "telecoms-nyse-delisting": ["2021-01-04"],
    "telecoms-nyse-reversal": ["2021-01-05"],
    "telecoms-nyse-re-reversal": ["2021-01-07"],
    "smic-blacklist-report": ["2020-09-07"],
    "smic-designation-report": ["2020-11-30"],
    "smic-designation": ["2020-12-04"],
}
