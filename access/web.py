"""The dashboard's door: sign-in (local accounts or OpenID Connect), the audience of each request
from the signed-in role, the audit of sign-ins and downloads, and security headers.

Every request passes `_admit` before Dash sees it, so the role is checked on the server for every
page, callback and download, not in the layout: without a session a page GET is sent to the
sign-in page and anything else (a callback POST, a layout, a component bundle) answers 401.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from dash import Dash, dcc, html
from flask import Flask, Response, current_app, g, redirect, render_template_string, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf, validate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from access import audit, sessions, throttle
from access.oidc import OidcSignIn
from access.serving import AUTH_MODES
from access.store import secret
from access.sessions import Session
from access.users import ROLE_AUDIENCE, authenticate
from foundation.errors import AgoraError
from foundation.settings import Settings

#: a failed sign-in answers only after this long, so guessing runs slowly even before the limit
FAILURE_DELAY_SECONDS = 1.0
SESSION_HOURS = 8
SESSION_SECONDS = SESSION_HOURS * 3600
#: endpoints reachable without a session
OPEN_ENDPOINTS = {"agora_sign_in", "agora_sign_out", "agora_oidc_start", "agora_oidc_callback"}
ANONYMOUS = "anonymous"


class SignedIn(UserMixin):
    """The person behind a session kept in the access store (access.sessions), checked on every request."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.name, self.role = session.name, session.role

    def get_id(self) -> str:
        return self.session.id


def protect(app: Dash, settings: Settings | None, auth: str = "none") -> None:
    """Put the door in front of `app`: with `auth` local or oidc nobody reaches a page, a callback or
    a download without signing in; with none, everyone gets the server's audience (loopback, or a
    public-only server: `agora serve` decides). Every mode sends security headers, and with `settings`
    every download is audited."""
    if auth not in AUTH_MODES:
        raise AgoraError(f"--auth must be one of {', '.join(AUTH_MODES)}, not {auth!r}.")
    server: Flask = app.server
    server.config["AGORA"].update(auth=auth, access=settings)
    server.after_request(lambda response: _security_headers(response, app))
    if settings is None:
        server.before_request(_server_audience)
        return
    server.after_request(_audit_downloads)
    if settings.proxy_hops:
        hops = settings.proxy_hops
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if auth == "none":
        server.before_request(_server_audience)
        return
    server.config.update(
        SECRET_KEY=settings.secret_key or secret(settings.access_store, "session"),
        SESSION_COOKIE_NAME="agora_session", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies, PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # The cookie changes only when the session does: a dashboard sends requests in parallel, and
        # re-sending every one's cookie would let a slower, older one overwrite a newer one. So a
        # session ends SESSION_HOURS after sign-in, however active.
        SESSION_REFRESH_EACH_REQUEST=False,
        # the sign-out form's token lives as long as the session
        WTF_CSRF_TIME_LIMIT=SESSION_SECONDS,
    )
    logins = LoginManager(server)
    logins.user_loader(_load_user)
    server.add_url_rule("/sign-in", "agora_sign_in", _sign_in, methods=["GET", "POST"])
    server.add_url_rule("/sign-out", "agora_sign_out", _sign_out, methods=["POST"])
    if auth == "oidc":
        server.extensions["agora_oidc"] = OidcSignIn(server, settings)
        server.add_url_rule("/sign-in/oidc", "agora_oidc_start", _oidc_start)
        server.add_url_rule("/sign-in/oidc/callback", "agora_oidc_callback", _oidc_callback)
    server.before_request(_admit)
    from access.admin_page import register_admin_page

    register_admin_page()


def _settings() -> Settings:
    return current_app.config["AGORA"]["access"]


def _load_user(session_id: str) -> SignedIn | None:
    kept = sessions.active(_settings().access_store, session_id, SESSION_SECONDS)
    if kept is None or kept.kind != current_app.config["AGORA"]["auth"]:
        return None
    return SignedIn(kept)


def _server_audience() -> None:
    g.audience = current_app.config["AGORA"]["audience"]


def _admit():
    """Every request: signed in, or sent to sign in (a page) or refused (anything else)."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        if request.method == "GET" and not request.path.startswith("/_"):
            return redirect(url_for("agora_sign_in", next=local_path(request.full_path)))
        return Response("Sign in first.\n", 401, {"Content-Type": "text/plain; charset=utf-8"})
    g.audience = _audience_of(current_user.role)
    g.user = current_user.name
    return None


def _audience_of(role: str) -> str:
    """The role's audience, never more than the server's (`--audience public` caps every role)."""
    return "public" if current_app.config["AGORA"]["audience"] == "public" else ROLE_AUDIENCE[role]


def who() -> str:
    return g.get("user", ANONYMOUS)


def origin() -> str:
    return request.remote_addr or "unknown"


def local_path(text: str | None) -> str:
    """Where to go after signing in: a path on this server only (never `//elsewhere` or a URL)."""
    text = (text or "/").rstrip("?")
    # browsers drop tabs and newlines from a URL and read a backslash as a slash: "/\t/evil" is "//evil"
    if any(c.isspace() or ord(c) < 32 or c == "\\" for c in text):
        return "/"
    parts = urlsplit(text)
    if not text.startswith("/") or text.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    return text


class SignInForm(FlaskForm):
    name = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


def _sign_in():
    settings, auth = _settings(), current_app.config["AGORA"]["auth"]
    form = SignInForm()
    next_path = local_path(request.values.get("next"))
    if request.method == "GET" or auth != "local":
        form.next.data = next_path
        notice = "You have signed out." if request.args.get("signed_out") else None
        return _page(form, auth, next_path, notice)
    if not form.validate_on_submit():
        problem = ("The form expired or came from elsewhere: sign in again." if form.csrf_token.errors
                   else "Enter your user name and password.")
        return _page(form, auth, next_path, problem), 400
    name, store = form.name.data.strip(), settings.access_store
    keys = [f"user:{name.lower()}", f"address:{origin()}"]
    wait = throttle.retry_after(store, keys, settings.sign_in_attempts)
    if wait:
        audit.append(store, name, "sign-in", origin(), outcome="refused: too many failed attempts")
        minutes = max(1, round(wait / 60))
        return (_page(form, auth, next_path, f"Too many failed sign-ins: try again in about {minutes} minute"
                      f"{'s' if minutes != 1 else ''}."), 429, {"Retry-After": str(wait)})
    user = authenticate(store, name, form.password.data)
    if user is None:
        throttle.note_failure(store, keys)
        audit.append(store, name, "sign-in", origin(), outcome="failed: wrong name or password")
        time.sleep(FAILURE_DELAY_SECONDS)
        return _page(form, auth, next_path, "Wrong user name or password."), 401
    throttle.forget(store, keys[0])
    _start_session("local", user.name, user.role, user.session_key, f"local account, role {user.role}")
    return redirect(next_path)


def _start_session(kind: str, name: str, role: str, session_key: str, detail: str) -> None:
    store = _settings().access_store
    session.clear()
    session.permanent = True
    login_user(SignedIn(sessions.start(store, kind, name, role, session_key, SESSION_SECONDS)))
    generate_csrf()  # now, in the sign-in's own answer, not in one of the page's parallel requests
    audit.append(store, name, "sign-in", origin(), audience=_audience_of(role), detail=detail)


def _sign_out():
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return Response("The sign-out form expired: reload the page and sign out again.\n", 400,
                        {"Content-Type": "text/plain; charset=utf-8"})
    if current_user.is_authenticated:
        sessions.end(_settings().access_store, current_user.session.id)
        audit.append(_settings().access_store, current_user.name, "sign-out", origin())
    logout_user()
    session.clear()
    return redirect(url_for("agora_sign_in", signed_out=1))


def _oidc_start():
    session["agora_next"] = local_path(request.args.get("next"))
    try:
        return current_app.extensions["agora_oidc"].start()
    except AgoraError as exc:
        return _page(None, "oidc", "/", str(exc)), 502


def _oidc_callback():
    sign_in: OidcSignIn = current_app.extensions["agora_oidc"]
    store = _settings().access_store
    outcome = sign_in.finish()
    if outcome.refusal:
        audit.append(store, outcome.name or ANONYMOUS, "sign-in", origin(), outcome=f"refused: {outcome.refusal}",
                     detail="single sign-on")
        return _page(None, "oidc", "/", f"Single sign-on refused: {outcome.refusal}."), 403
    next_path = session.get("agora_next", "/")
    _start_session("oidc", outcome.name, outcome.role, "", f"single sign-on, role {outcome.role}")
    return redirect(next_path)


def session_bar() -> html.Div | None:
    """Who is signed in, the admin page for admins, and the sign-out button (a form with its CSRF token)."""
    if current_app.config["AGORA"].get("auth", "none") == "none" or not current_user.is_authenticated:
        return None
    links = [html.Span(f"{current_user.name} · {current_user.role}", className="session-user")]
    if current_user.role == "admin":
        links.append(html.A("Users and audit log", href="/admin", className="session-link"))
    links.append(html.Form([
        dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="sign-out-token"),
        html.Button("Sign out", type="submit", className="session-button", id="sign-out"),
    ], action="/sign-out", method="POST", className="session-form"))
    return html.Div(links, className="session-bar")


def _audit_downloads(response: Response) -> Response:
    """A callback that returns a file (dcc.Download) is a download: audit who took which rows. A
    download that cannot be audited is not delivered."""
    if request.path != "/_dash-update-component" or response.status_code != 200 or not response.is_json:
        return response
    asked = request.get_json(silent=True) or {}
    # Dash runs the callback its `output` names, so only one writing a `data` property (dcc.Download's)
    # can deliver a file: no other answer is read
    if ".data" not in str(asked.get("output", "")):
        return response
    files = _downloaded_files(response.get_json(silent=True))
    if not files:
        return response
    filters = _filter_values(asked)
    start, end = filters.get("start"), filters.get("end")
    period = None if start is None else start if start == end or end is None else f"{start}..{end}"
    for filename in files:
        audit.append(_settings().access_store, who(), "download", origin(), audience=g.get("audience"),
                     indicator=filters.get("indicator"), period=period, fmt=Path(filename).suffix.lstrip("."),
                     detail=filename)
    return response


def _downloaded_files(body) -> list[str]:
    if not isinstance(body, dict):
        return []
    return [value["filename"] for props in (body.get("response") or {}).values() if isinstance(props, dict)
            for value in props.values()
            if isinstance(value, dict) and "filename" in value and "content" in value]


def _filter_values(body: dict) -> dict[str, str]:
    """The page's filters (pattern ids {"type": "filter", "name": ...}) among a callback's inputs and state."""
    values = {}
    items = [*body.get("inputs", []), *body.get("state", [])]
    for item in items:
        for one in item if isinstance(item, list) else [item]:
            ident = one.get("id") if isinstance(one, dict) else None
            if isinstance(ident, dict) and ident.get("type") == "filter" and one.get("value") is not None:
                values[ident.get("name")] = str(one["value"])
    return values


#: static code (no data): cacheable; everything else carries numbers or a session, so no cache keeps it
_STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")


def _security_headers(response: Response, app: Dash) -> Response:
    headers = response.headers
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = "; ".join([
            "default-src 'self'",
            # Dash's renderer and clientside callbacks are inline scripts, allowed by hash; AG Grid
            # compiles the grid's value formatters with new Function, hence 'unsafe-eval'
            "script-src 'self' 'unsafe-eval' " + " ".join(app.csp_hashes()),
            # plotly and AG Grid set inline styles
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'",
            "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
        ])
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not request.path.startswith(_STATIC_PREFIXES):
        headers["Cache-Control"] = "no-store"
    return response


SIGN_IN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Agora</title>
<style>
* { box-sizing: border-box; }
body { margin: 0; background: #f4f6f8; color: #1b1f24; font-family: "DejaVu Sans", Arial, sans-serif; }
header { background: #0b2942; color: #fff; padding: 14px 24px; }
main { max-width: 26rem; margin: 40px auto; background: #fff; border: 1px solid #d0d7de; border-radius: 8px;
       padding: 20px 24px; }
label { display: block; margin: 12px 0 4px; font-weight: bold; }
input[type=text], input[type=password] { width: 100%; padding: 8px; border: 1px solid #57606a; border-radius: 6px; }
button, .button { margin-top: 16px; background: #0072B2; color: #fff; border: 0; border-radius: 6px;
                  padding: 9px 16px; font-size: 15px; text-decoration: none; display: inline-block; }
.message { background: #fff8e6; border-left: 4px solid #E69F00; padding: 8px 12px; }
:focus-visible { outline: 3px solid #E69F00; outline-offset: 2px; }
</style></head>
<body><header><strong>Agora</strong> · Civil society engagement with UN human-rights mechanisms</header>
<main><h1>Sign in</h1>
{% if message %}<p class="message" role="alert">{{ message }}</p>{% endif %}
{% if auth == "local" and form %}
<form method="post" action="{{ url_for('agora_sign_in') }}">
{{ form.csrf_token }}{{ form.next() }}
<label for="name">User name</label>{{ form.name(autocomplete="username", required=True) }}
<label for="password">Password</label>{{ form.password(autocomplete="current-password", required=True) }}
<button type="submit">Sign in</button>
</form>
{% elif auth == "oidc" %}
<p><a class="button" id="sign-in-oidc" href="{{ oidc_url }}">Sign in with your organisation's account</a></p>
{% endif %}
</main></body></html>
"""


def _page(form: SignInForm | None, auth: str, next_path: str, message: str | None) -> str:
    oidc_url = url_for("agora_oidc_start") + "?" + urlencode({"next": next_path}) if auth == "oidc" else None
    return render_template_string(SIGN_IN_PAGE, form=form, auth=auth, message=message, oidc_url=oidc_url)
