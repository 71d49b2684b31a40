"""Settings, declared once: read by the CLI, the docs and the tests.

Every setting has a default, may be overridden by an environment variable, and by a CLI flag.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from foundation.errors import AgoraError

DEFAULT_WAREHOUSE = "agora.duckdb"
SMALL_CELL_THRESHOLD = 5
#: a figure resting on fewer people/records than this is flagged, and no headline is built on it
SMALL_N = 30
#: contract v2: a date outside this range is a typing slip (0026 for 2026), not a record
DEFAULT_PLAUSIBLE_DATES = "1945-01-01..2100-12-31"


class BadSetting(AgoraError):
    """A setting given in a form Agora cannot read."""


def _yes(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def parse_date_range(text: str, source: str = "AGORA_PLAUSIBLE_DATES") -> tuple[date, date]:
    """`FIRST..LAST` (ISO dates, both included) as a pair of dates."""
    first, sep, last = text.strip().partition("..")
    try:
        if not sep:
            raise ValueError
        earliest, latest = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        raise BadSetting(f"{source} {text!r} is not a date range of the form 1945-01-01..2100-12-31.") from None
    if latest < earliest:
        raise BadSetting(f"{source} {text!r} ends before it starts.")
    return earliest, latest


@dataclass(frozen=True)
class Settings:
    #: the DuckDB file the pipeline writes ($AGORA_WAREHOUSE, else ./agora.duckdb)
    warehouse: Path = field(default_factory=lambda: Path(os.environ.get("AGORA_WAREHOUSE", DEFAULT_WAREHOUSE)))
    #: host the dashboard binds ($AGORA_HOST); loopback unless told otherwise
    host: str = field(default_factory=lambda: os.environ.get("AGORA_HOST", "127.0.0.1"))
    #: port the dashboard listens on ($AGORA_PORT)
    port: int = field(default_factory=lambda: int(os.environ.get("AGORA_PORT", "8050")))
    #: backups kept automatically before each ingest, build and restore, newest last ($AGORA_BACKUPS; 0: none)
    backups_kept: int = field(default_factory=lambda: int(os.environ.get("AGORA_BACKUPS", "3")))
    #: public outputs withhold every number under this ($AGORA_SMALL_CELL_THRESHOLD)
    small_cell_threshold: int = field(default_factory=lambda: int(
        os.environ.get("AGORA_SMALL_CELL_THRESHOLD", str(SMALL_CELL_THRESHOLD))))
    #: dashboards flag a value whose n (denominator, or the count) is under this, and the Overview
    #: shows no headline number on it ($AGORA_SMALL_N); not the disclosure threshold
    small_n: int = field(default_factory=lambda: int(os.environ.get("AGORA_SMALL_N", str(SMALL_N))))
    #: a user catalogue file builds and targets use ($AGORA_CATALOGUE); None: the shipped catalogue
    catalogue: Path | None = field(
        default_factory=lambda: Path(os.environ["AGORA_CATALOGUE"]) if os.environ.get("AGORA_CATALOGUE") else None)
    #: how dashboard users sign in: local, oidc or none ($AGORA_AUTH); none serves loopback only
    auth: str = field(default_factory=lambda: os.environ.get("AGORA_AUTH", "none"))
    #: signs session cookies ($AGORA_SECRET_KEY); unset, one is generated once and kept in the access store
    secret_key: str | None = field(default_factory=lambda: os.environ.get("AGORA_SECRET_KEY") or None)
    #: session cookies only travel over HTTPS ($AGORA_SECURE_COOKIES=1): set it behind a TLS proxy
    secure_cookies: bool = field(default_factory=lambda: _yes(os.environ.get("AGORA_SECURE_COOKIES", "")))
    #: reverse proxies in front of the dashboard whose X-Forwarded-For/-Proto/-Host are trusted ($AGORA_PROXY_HOPS)
    proxy_hops: int = field(default_factory=lambda: int(os.environ.get("AGORA_PROXY_HOPS", "0")))
    #: failed sign-ins per account, or per address, within 15 minutes before sign-in is refused
    #: for the rest of the window ($AGORA_SIGN_IN_ATTEMPTS)
    sign_in_attempts: int = field(default_factory=lambda: int(os.environ.get("AGORA_SIGN_IN_ATTEMPTS", "5")))
    #: the OpenID Connect provider's issuer URL, for `--auth oidc` ($AGORA_OIDC_ISSUER)
    oidc_issuer: str | None = field(default_factory=lambda: os.environ.get("AGORA_OIDC_ISSUER") or None)
    #: this dashboard's client id and secret at the provider ($AGORA_OIDC_CLIENT_ID, $AGORA_OIDC_CLIENT_SECRET)
    oidc_client_id: str | None = field(default_factory=lambda: os.environ.get("AGORA_OIDC_CLIENT_ID") or None)
    oidc_client_secret: str | None = field(default_factory=lambda: os.environ.get("AGORA_OIDC_CLIENT_SECRET") or None)
    #: the ID-token claim naming the user's groups ($AGORA_OIDC_ROLE_CLAIM)
    oidc_role_claim: str = field(default_factory=lambda: os.environ.get("AGORA_OIDC_ROLE_CLAIM", "groups"))
    #: claim value -> role, e.g. "agora-admins=admin,agora-staff=analyst,partners=viewer" ($AGORA_OIDC_ROLES);
    #: a user whose claim maps to no role is refused
    oidc_roles: str = field(default_factory=lambda: os.environ.get("AGORA_OIDC_ROLES", ""))
    #: ingest quarantines a date outside this range, both ends included ($AGORA_PLAUSIBLE_DATES)
    plausible_dates: tuple[date, date] = field(default_factory=lambda: parse_date_range(
        os.environ.get("AGORA_PLAUSIBLE_DATES", DEFAULT_PLAUSIBLE_DATES)))

    @property
    def snapshot(self) -> Path:
        """The read-only copy dashboards open, published atomically after each build or ingest."""
        return self.warehouse.with_name(self.warehouse.stem + ".published.duckdb")

    @property
    def access_store(self) -> Path:
        """Users, sessions' secret and the audit log: SQLite beside the warehouse, writable while the
        pipeline holds the warehouse."""
        return self.warehouse.with_name(self.warehouse.stem + ".access.sqlite")

    @property
    def public_snapshot(self) -> Path:
        """The snapshot a public dashboard opens: public numbers only, published beside the other."""
        return public_snapshot_beside(self.snapshot)

    def with_overrides(self, **overrides) -> "Settings":
        """A copy with the non-None overrides applied (how CLI flags win over env vars)."""
        given = {k: v for k, v in overrides.items() if v is not None}
        for name in ("warehouse", "catalogue"):
            if name in given:
                given[name] = Path(given[name])
        if isinstance(given.get("plausible_dates"), str):
            given["plausible_dates"] = parse_date_range(given["plausible_dates"], "--plausible-dates")
        return replace(self, **given)


def public_snapshot_beside(snapshot: Path) -> Path:
    """The public snapshot published with `snapshot` (`agora.published.duckdb` -> `agora.public.duckdb`)."""
    snapshot = Path(snapshot)
    return snapshot.with_name(snapshot.name.removesuffix(".published.duckdb").removesuffix(".duckdb") + ".public.duckdb")
