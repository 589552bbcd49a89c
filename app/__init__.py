"""Nowva: the program generation service (API side and the shared core)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nowva")
except PackageNotFoundError:  # running from a checkout without install
    __version__ = "0.0.0"
