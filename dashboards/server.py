"""`serve`: the dashboard behind gunicorn (threaded workers), bound to loopback unless told otherwise.

One server for every worker count: gunicorn with `workers` processes of several threads each, so
a page's parallel callback requests do not queue behind each other even with one worker.
"""

from __future__ import annotations

from pathlib import Path

from gunicorn.app.base import BaseApplication

from foundation.settings import SMALL_CELL_THRESHOLD, Settings

THREADS_PER_WORKER = 8


class _DashboardServer(BaseApplication):
    def __init__(self, snapshot: Path, audience: str, threshold: int, options: dict, settings: Settings | None,
                 auth: str) -> None:
        self._snapshot, self._audience, self._threshold, self._options = snapshot, audience, threshold, options
        self._settings, self._auth = settings, auth
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from dashboards.app import create_app

        return create_app(self._snapshot, audience=self._audience, threshold=self._threshold,
                          settings=self._settings, auth=self._auth).server


def serve(snapshot: Path, host: str = "127.0.0.1", port: int = 8050, workers: int = 1,
          audience: str = "internal", threshold: int = SMALL_CELL_THRESHOLD, settings: Settings | None = None,
          auth: str = "none") -> None:
    """Serve the dashboard over `snapshot` until interrupted."""
    who = "nobody signs in" if auth == "none" else f"sign-in: {auth}"
    only = ", public numbers only" if audience == "public" else ""
    print(f"Agora dashboard ({audience}{only}; {who}) on http://{host}:{port}/ reading {snapshot}", flush=True)
    _DashboardServer(Path(snapshot), audience, threshold, {
        "bind": f"{host}:{port}", "workers": max(1, workers), "threads": THREADS_PER_WORKER,
        "worker_class": "gthread", "timeout": 120, "accesslog": None, "errorlog": "-", "loglevel": "warning",
        "preload_app": True,
    }, settings, auth).run()
