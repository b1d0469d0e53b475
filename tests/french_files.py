"""Recorded responses of Ken French's data library, made here in its files' layout.

Each daily factor set is a zip file holding one CSV with Windows line ends: a few lines
of description, a blank line, a header line starting with a comma (``,Mkt-RF,SMB,HML,RF``;
the US momentum file's is ``,Mom`` padded with spaces, the international ones' ``,WML``),
rows ``YYYYMMDD,`` and the values in percent right-aligned in 8 characters (two decimals,
three for RF), ``-99.99`` where a value is missing, a blank line and a copyright line.
The values are chosen here (seeded), in hundredths (thousandths for RF) so that each is
the double nearest its printed decimal: the reader must return exactly ``value / 100``.

:class:`ReplayOpener` answers ``urllib`` requests with such files (or errors), so the
library's own download function and urllib's response handling run as they would online.
"""

from __future__ import annotations

import http.client
import io
import urllib.request
import urllib.response
import zipfile

import numpy as np
import pandas as pd

from eventstudy.sources.french import FRENCH_FILES, FRENCH_URL

HEADERS = {
    "ff3": ["Mkt-RF", "SMB", "HML", "RF"],
    "ff5": ["Mkt-RF", "SMB", "HML", "RMW", "CMA", "RF"],
    "mom": ["Mom   "],
}
INTRO = {
    "us": "This file was created by CMPT_ME_BEME_RETS_DAILY using the 202112 CRSP database.\r\n"
          "The 1-month TBill return is from Ibbotson and Associates Inc.\r\n",
    "developed": "This file was created using the 202112 Bloomberg database.\r\n"
                 "Missing data are indicated by -99.99.\r\n",
    "asia_pacific": "This file was created using the 202112 Bloomberg database.\r\n"
                    "Missing data are indicated by -99.99.\r\n",
}
CANONICAL = {"Mkt-RF": "mkt_rf", "SMB": "smb", "HML": "hml", "RMW": "rmw", "CMA": "cma",
             "RF": "rf", "Mom   ": "mom", "WML": "mom"}


def header(region: str, dataset: str) -> list[str]:
    """The column labels of a set's file (international momentum files say WML)."""
    if dataset == "mom" and region != "us":
        return ["WML"]
    return HEADERS[dataset]


def choose_values(region: str, dataset: str, dates: pd.DatetimeIndex,
                  seed: int = 0) -> pd.DataFrame:
    """Percent values of a set on ``dates``, each the double nearest its decimal."""
    rng = np.random.default_rng([seed, *map(ord, f"{region}/{dataset}")])
    columns = {}
    for label in header(region, dataset):
        if label == "RF":
            columns[label] = rng.integers(0, 12, len(dates)) / 1000.0
        else:
            columns[label] = np.rint(rng.normal(0.0, 80.0, len(dates))) / 100.0
    return pd.DataFrame(columns, index=dates)


def french_text(region: str, dataset: str, values: pd.DataFrame,
                missing: tuple = ()) -> str:
    """A CSV in French's layout; ``missing`` lists (row, column) printed as -99.99."""
    lines = [",".join(["", *values.columns])]
    for i, (day, row) in enumerate(values.iterrows()):
        cells = []
        for j, (label, value) in enumerate(row.items()):
            if (i, j) in missing:
                cells.append(f"{-99.99:8.2f}")
            else:
                cells.append(f"{value:8.3f}" if label == "RF" else f"{value:8.2f}")
        lines.append(f"{day:%Y%m%d}," + ",".join(cells))
    body = "\r\n".join(lines)
    return f"{INTRO[region]}\r\n{body}\r\n\r\nCopyright 2022 Kenneth R. French\r\n"


def member(region: str, dataset: str) -> str:
    """The CSV's name inside the zip (French's own, case and suffix included)."""
    name = FRENCH_FILES[region, dataset]
    return f"{name}.CSV" if region == "us" else f"{name}.csv"


def french_zip(region: str, dataset: str, values: pd.DataFrame, missing: tuple = ()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member(region, dataset), french_text(region, dataset, values, missing))
    return out.getvalue()


def expected(values: pd.DataFrame) -> pd.DataFrame:
    """What the reader must return: the values / 100 under canonical names."""
    out = values.rename(columns=CANONICAL) / 100.0
    out.index = pd.DatetimeIndex(out.index, name="date").as_unit("ns")
    return out


def url(region: str, dataset: str) -> str:
    return f"{FRENCH_URL}{FRENCH_FILES[region, dataset]}_CSV.zip"


class ReplayOpener(urllib.request.HTTPSHandler):
    """Answers HTTPS requests from ``responses`` (url -> bytes, (status, bytes) or an
    exception); every URL asked for is recorded. Installed as urllib's opener, it
    replaces only the network: urllib's error processing (an HTTPError for status
    404) and the library's download code run as they would online."""

    def __init__(self, responses: dict | None = None) -> None:
        super().__init__()
        self.responses = dict(responses or {})
        self.requests: list[urllib.request.Request] = []

    def https_open(self, request: urllib.request.Request):
        self.requests.append(request)
        answer = self.responses.get(request.full_url, (404, b"<html>Not Found</html>"))
        if isinstance(answer, BaseException):
            raise answer
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        headers = http.client.HTTPMessage()
        headers["Content-Type"] = "application/x-zip-compressed" if status == 200 else (
            "text/html")
        headers["Content-Length"] = str(len(body))
        response = urllib.response.addinfourl(io.BytesIO(body), headers, request.full_url,
                                              status)
        response.msg = http.client.responses.get(status, "")
        return response

    @property
    def urls(self) -> list[str]:
        return [r.full_url for r in self.requests]


def install(replay: ReplayOpener) -> None:
    """Make ``urllib.request.urlopen`` use ``replay`` (undo with ``install_opener(None)``)."""
    urllib.request.install_opener(urllib.request.build_opener(replay))
