"""Agora: monitoring and evaluation of how UN human-rights mechanisms engage civil society."""

from foundation import __version__  # noqa: F401  (the version is declared once, on the floor)
