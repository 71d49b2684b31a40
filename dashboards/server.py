"""`serve`: the dashboard behind gunicorn (threaded workers), bound to loopback unless told otherwise.

One server for every worker count: gunicorn with `workers` processes of several threads each, so
a page's parallel callback requests do not queue behind each other even with one worker.
"""

from __future__ import annotations

from pathlib import Path

from gunicorn.app.base import BaseApplication

from foundation.settings import SMALL_CELL_THRESHOLD

THREADS_PER_WORKER = 8


class _DashboardServer(BaseApplication):
    def __init__(self, snapshot: Path, audience: str, threshold: int, options: dict) -> None:
        self._snapshot, self._audience, self._threshold, self._options = snapshot, audience, threshold, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from dashboards.app import create_app

        return create_app(self._snapshot, audience=self._audience, threshold=self._threshold).server


def serve(snapshot: Path, host: str = "127.0.0.1", port: int = 8050, workers: int = 1,
          audience: str = "internal", threshold: int = SMALL_CELL_THRESHOLD) -> None:
    """Serve the dashboard over `snapshot` until interrupted."""
    print(f"Agora dashboard ({audience}) on http://{host}:{port}/ reading {snapshot}", flush=True)
    _DashboardServer(Path(snapshot), audience, threshold, {
        "bind": f"{host}:{port}", "workers": max(1, workers), "threads": THREADS_PER_WORKER,
        "worker_class": "gthread", "timeout": 120, "accesslog": None, "errorlog": "-", "loglevel": "warning",
        "preload_app": True,
    }).run()
