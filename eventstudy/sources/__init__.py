"""Where daily data come from, and their one validation.

Readers (DataFrames of every shape, CSV and parquet files and folders, the bundled
snapshot, the Yahoo cache, return tables such as CRSP extracts, factor files) turn
their input into raw long rows; :mod:`~eventstudy.sources.validate` checks all
securities at once and yields the :class:`~eventstudy.sources.table.PriceTable` the
study reads. The flow is one-way: readers -> validation -> table. This package
imports nothing of eventstudy but ``errors`` and ``progress``.
"""

from .bundled import BundledPrices
from .files import FilePrices
from .returns import ReturnSource, read_returns
from .source import FramePrices, PriceSource, as_price_source
from .table import PriceTable, price_notes
from .validate import validate_prices

__all__ = [
    "BundledPrices",
    "FilePrices",
    "FramePrices",
    "PriceSource",
    "PriceTable",
    "ReturnSource",
    "as_price_source",
    "price_notes",
    "read_returns",
    "validate_prices",
]
