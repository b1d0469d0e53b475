"""The package's version, read once from its installed metadata."""

from importlib.metadata import PackageNotFoundError, version

DISTRIBUTION = "policy-eventstudy"  # the name on PyPI; "eventstudy" there is another project

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0+unknown"
