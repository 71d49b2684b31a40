"""`serve`: the dashboard behind gunicorn (threaded workers), bound to loopback unless told otherwise.

One server for every worker count: gunicorn with `workers` processes of several threads each, so
a page's parallel callback requests do not queue behind each other even with one worker.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

from gunicorn.app.base import BaseApplication

from foundation.errors import AgoraError
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


class CannotBind(AgoraError):
    """The dashboard cannot listen on the host and port asked for."""


def bind_address(host: str, port: int) -> str:
    """host:port as gunicorn and a URL want it: an IPv6 literal goes in brackets (`[::]:8050`)."""
    host = host.strip("[]")
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_bind(host: str, port: int) -> None:
    """Refuse, in one sentence, a host this machine does not have or a port something already holds,
    before anything says the dashboard is on it (gunicorn would only fail after starting)."""
    if not 0 < port < 65536:
        raise CannotBind(f"The port {port} is not a port number: give one from 1 to 65535 with --port.")
    bare = host.strip("[]")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise CannotBind(f"The dashboard cannot listen on host {host!r}: {exc.strerror}; give an address of "
                         f"this machine with --host (127.0.0.1 by default).") from None
    probe = socket.socket(family, kind, proto)
    try:
        # As gunicorn binds (SO_REUSEADDR): a port left in TIME_WAIT is free, one being listened on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CannotBind(f"The port {port} on {host} is already in use (another dashboard or program listens "
                             f"there): stop it, or choose another port with --port.") from None
        raise CannotBind(f"The dashboard cannot listen on {bind_address(host, port)}: {exc.strerror}; give "
                         f"another --host or --port.") from None
    finally:
        probe.close()


def _set_up_worker(worker) -> None:
    from dashboards.guard import set_up_before_serving

    set_up_before_serving(worker.wsgi)


def serve(snapshot: Path, host: str = "127.0.0.1", port: int = 8050, workers: int = 1,
          audience: str = "internal", threshold: int = SMALL_CELL_THRESHOLD, settings: Settings | None = None,
          auth: str = "none") -> None:
    """Serve the dashboard over `snapshot` until interrupted."""
    check_bind(host, port)
    who = "nobody signs in" if auth == "none" else f"sign-in: {auth}"
    only = ", public numbers only" if audience == "public" else ""
    print(f"Agora dashboard ({audience}{only}; {who}) on http://{bind_address(host, port)}/ reading {snapshot}",
          flush=True)
    _DashboardServer(Path(snapshot), audience, threshold, {
        "bind": bind_address(host, port), "workers": max(1, workers), "threads": THREADS_PER_WORKER,
        "worker_class": "gthread", "timeout": 120, "accesslog": None, "errorlog": "-", "loglevel": "warning",
        "preload_app": True, "post_worker_init": _set_up_worker,
    }, settings, auth).run()
