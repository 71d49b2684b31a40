"""Agora: monitoring and evaluation of how UN human-rights mechanisms engage civil society."""

__version__ = "0.1.0"
