"""Single sign-on with an organisation's OpenID Connect provider (authlib), its users' roles read
from one claim of the ID token (`Settings.oidc_role_claim`, e.g. `groups`) through a map of claim
values to roles (`Settings.oidc_roles`). A user whose claim maps to no role is refused."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from joserfc.errors import JoseError
from flask import Flask, request, url_for

from access.users import ROLES, check_role
from foundation.errors import AgoraError
from foundation.settings import Settings


@dataclass(frozen=True)
class Outcome:
    """How a return from the provider ended: a name and a role, or the reason it was refused."""

    name: str | None
    role: str | None = None
    refusal: str | None = None


def role_map(text: str) -> dict[str, str]:
    """`"agora-admins=admin, staff=analyst"` as {claim value: role}."""
    mapping = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        value, sep, role = (piece.strip() for piece in pair.rpartition("="))
        if not sep or not value:
            raise AgoraError(f"AGORA_OIDC_ROLES: {pair!r} is not of the form claim-value=role.")
        mapping[value] = check_role(role)
    if not mapping:
        raise AgoraError("--auth oidc needs AGORA_OIDC_ROLES, the claim values that grant a role, "
                         "e.g. AGORA_OIDC_ROLES='agora-admins=admin,agora-staff=analyst,partners=viewer'.")
    return mapping


def role_for(claims: dict, claim: str, mapping: dict[str, str]) -> str | None:
    """The highest role any of the claim's values grants (a list claim such as groups, or one string)."""
    held = claims.get(claim)
    values = held if isinstance(held, list) else [held] if held is not None else []
    roles = [mapping[v] for v in values if isinstance(v, str) and v in mapping]
    return max(roles, key=ROLES.index) if roles else None


def check_oidc_settings(settings: Settings) -> dict[str, str]:
    """The role map, once every setting single sign-on needs is there."""
    missing = [env for env, value in (("AGORA_OIDC_ISSUER", settings.oidc_issuer),
                                      ("AGORA_OIDC_CLIENT_ID", settings.oidc_client_id),
                                      ("AGORA_OIDC_CLIENT_SECRET", settings.oidc_client_secret)) if not value]
    if missing:
        raise AgoraError(f"--auth oidc needs {', '.join(missing)}: the provider's issuer URL and this "
                         f"dashboard's client id and secret registered there.")
    return role_map(settings.oidc_roles)


class OidcSignIn:
    def __init__(self, server: Flask, settings: Settings) -> None:
        self.roles = check_oidc_settings(settings)
        self.issuer, self.claim = settings.oidc_issuer.rstrip("/"), settings.oidc_role_claim
        self.client = OAuth(server).register(
            "agora_idp", client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{self.issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile email"},
        )

    def start(self):
        """The redirect to the provider (with state and nonce kept in the session)."""
        try:
            return self.client.authorize_redirect(url_for("agora_oidc_callback", _external=True))
        except requests.RequestException as exc:
            raise AgoraError(f"The identity provider {self.issuer} did not answer ({type(exc).__name__}).") from None

    def finish(self) -> Outcome:
        """The provider's answer, checked: state, code exchange, ID token signature, issuer, audience and
        nonce (authlib), then the role claim."""
        if "error" in request.args:
            return Outcome(None, refusal=f"the provider answered {request.args['error']}")
        try:
            token = self.client.authorize_access_token()
        except (AuthlibBaseError, JoseError, requests.RequestException) as exc:
            return Outcome(None, refusal=f"the provider's answer did not check out ({exc})")
        claims = token.get("userinfo") or {}
        if self.claim not in claims:
            # some providers put groups in the userinfo answer only, not in the ID token
            try:
                claims = {**claims, **self.client.userinfo(token=token)}
            except (AuthlibBaseError, requests.RequestException) as exc:
                return Outcome(None, refusal=f"the provider's userinfo did not answer ({exc})")
        name = claims.get("preferred_username") or claims.get("email") or claims.get("sub")
        role = role_for(claims, self.claim, self.roles)
        if role is None:
            return Outcome(name, refusal=f"the {self.claim!r} claim ({claims.get(self.claim)!r}) grants no Agora role")
        return Outcome(name, role)
