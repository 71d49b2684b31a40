"""What `agora serve` may do, decided before it binds: a server nobody signs in to stays on the
loopback address, unless it serves public numbers only."""

from __future__ import annotations

import ipaddress
import socket

from foundation.errors import AgoraError
from foundation.settings import Settings

AUTH_MODES = ("local", "oidc", "none")


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback one (an unresolvable name is not)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def serving_audience(settings: Settings, auth: str, host: str, audience: str | None) -> str:
    """The audience a server may show (a signed-in viewer still gets public numbers), or an
    AgoraError saying why it must not start."""
    if auth not in AUTH_MODES:
        raise AgoraError(f"--auth must be one of {', '.join(AUTH_MODES)}, not {auth!r}.")
    if auth == "oidc":
        from access.oidc import check_oidc_settings

        check_oidc_settings(settings)
    if auth == "local":
        from access.users import list_users

        if not list_users(settings.access_store):
            raise AgoraError("--auth local, but no account exists yet, so nobody could sign in: add one first "
                             "with `agora users add NAME --role admin`.")
    if auth == "none" and not is_loopback(host) and audience != "public":
        raise AgoraError(
            f"Refusing to serve on {host} with --auth none: anyone who reaches it would see "
            f"{audience or 'internal'} numbers without signing in. Use --auth local or --auth oidc, or "
            f"--audience public to serve public numbers only.")
    return audience or "internal"
