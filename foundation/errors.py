"""The one base class for errors a user can act on: the CLI prints their message, no traceback."""


class AgoraError(Exception):
    """An error worded for a programme officer: what went wrong, where, and what to do."""
