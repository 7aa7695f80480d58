"""Who sees what: access modes, roles, sign-in (issue 13).

- `ACCESS_MODE=demo` (the default): no sign-in, everything visible, a "Demo mode" banner; served
  only on a warehouse holding the generated demo data (`warehouse_meta`), so an unconfigured
  app never shows real data to anyone who can reach it (`check_mode` refuses to start).
- `ACCESS_MODE=public`: no sign-in; the warehouse connection reads the public column policy only
  (`dashboards/policy.py`), internal charts and pages are not offered, and what needs a role
  (row-level downloads, packs, loads) answers 403.
- `ACCESS_MODE=internal`: everything but `/healthz` and the sign-in pages needs a signed-in
  user; roles viewer (pages) < analyst (+ row-level downloads, packs) < admin (+ loads,
  reference data). Every protected callback and route is checked here, server-side.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from dashboards import ids
from dashboards.i18n import N_

ROLES = ("viewer", "analyst", "admin")
_RANK = {role: i for i, role in enumerate(ROLES)}


class AccessModeError(RuntimeError):
    """The access settings cannot serve this warehouse (the message says what to set)."""


def is_demo_warehouse(path: Path) -> bool:
    """Whether a warehouse file holds only the generated demo data (warehouse_meta demo=true)."""
    try:
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS w (READ_ONLY)")
            row = con.execute("SELECT value FROM w.warehouse_meta WHERE key = 'demo'").fetchall()
        finally:
            con.close()
    except duckdb.Error:  # no file, an older file without the table: not known to be demo
        return False
    return bool(row) and row[0][0] == "true"


def check_mode(settings: Any) -> None:
    """Refuse settings that would expose data: demo mode on real data, internal without a key."""
    mode = settings.access_mode
    if mode == "demo" and not is_demo_warehouse(Path(settings.warehouse_path)):
        raise AccessModeError(
            f"{settings.warehouse_path} does not hold the demo data, and ACCESS_MODE is demo (the "
            "default: everything visible, no sign-in). Set ACCESS_MODE=public (no internal "
            "fields) or ACCESS_MODE=internal (sign-in) to serve it; see the README's Access "
            "section."
        )
    if mode == "internal":
        if not settings.secret_key or len(settings.secret_key) < 32:
            raise AccessModeError(
                "ACCESS_MODE=internal needs SECRET_KEY (32 or more random characters) to sign "
                "session cookies"
            )
        oidc = (settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret)
        if any(oidc) and not all(oidc):
            raise AccessModeError(
                "sign-in with OpenID Connect needs OIDC_ISSUER, OIDC_CLIENT_ID and "
                "OIDC_CLIENT_SECRET together"
            )


# ---------------------------------------------------------------------------------------------
# The current user's role (inside a request of an app; outside one: the command line, all)
# ---------------------------------------------------------------------------------------------


def _mode() -> str | None:
    from flask import current_app, has_request_context

    if not has_request_context():
        return None
    state = current_app.extensions.get("unesco", {})
    settings = state.get("settings")
    return getattr(settings, "access_mode", "demo") if settings is not None else None


def current_role() -> str | None:
    """The signed-in user's role ('viewer' | 'analyst' | 'admin'), None when signed out.

    Demo mode (and code outside a request, e.g. the command line) acts as admin: everything is
    visible. Public mode has no users: None.
    """
    mode = _mode()
    if mode in (None, "demo"):
        return "admin"
    if mode == "public":
        return None
    from flask import g

    user = g.get("user")
    return user["role"] if user else None


def current_user() -> dict | None:
    """The signed-in user ({'name', 'role', 'via'}) in internal mode, else None."""
    from flask import g, has_request_context

    return g.get("user") if has_request_context() else None


def has_role(role: str) -> bool:
    """Whether the current user has this role or a higher one."""
    if role not in _RANK:
        raise ValueError(f"unknown role {role!r}")
    mine = current_role()
    return mine is not None and _RANK[mine] >= _RANK[role]


def require_role(role: str) -> Callable:
    """Decorator for a Flask view: 401 when signed out (internal mode), 403 without the role."""

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            from flask import abort

            if not has_role(role):
                abort(401 if _mode() == "internal" and current_user() is None else 403)
            return view(*args, **kwargs)

        return guarded

    return wrap


# ---------------------------------------------------------------------------------------------
# What needs which role
# ---------------------------------------------------------------------------------------------

# Callbacks by an output component id: row-level data and briefing packs need an analyst (in
# public mode: nobody; the open-data API serves the aggregates). Every other callback needs a
# signed-in viewer in internal mode. tests/unit/test_access.py forges a viewer's request for
# each of these, and fails if a Download's callback is missing here.
CALLBACK_ROLES: dict[str, str] = {
    ids.DATA_DOWNLOAD: "analyst",  # the activities and partners behind a view
    ids.PACK_DOWNLOAD: "analyst",  # briefing packs (PDF/PPTX)
    "lifecycle-digest-download": "admin",  # the monthly digest (dashboards/pages/lifecycle.py)
    "upload-status": "admin",  # loading from the browser (dashboards/pages/upload.py)
    "upload-action": "admin",  # its Confirm and Cancel
    "audit-table": "admin",  # the audit log page (dashboards/pages/audit.py)
    "audit-download": "admin",  # the audit log as CSV
}
# Callbacks whose answer is a row-level file: each request is recorded in the audit log (the
# page callbacks of admin pages need the role too, but are not downloads).
RECORDED_DOWNLOADS = frozenset(
    {ids.DATA_DOWNLOAD, ids.PACK_DOWNLOAD, "lifecycle-digest-download", "audit-download"}
)
# Downloads open to every viewer: one chart's image, of the aggregated figure on the screen.
# "profile-download": a partner profile chart's aggregated table (dashboards/pages/partner_profile).
VIEWER_DOWNLOADS = frozenset({ids.FIGURE_DOWNLOAD, ids.CHART_DOWNLOAD, "profile-download"})
# Pages a public deployment does not offer (menus, router: "page not found"): all of their
# content is internal (money; load history, file names, rejected and warned rows).
PUBLIC_HIDDEN_PATHS = frozenset(
    {
        "/spending",
        "/data",
        "/admin/audit",  # the audit log (who signed in, loaded, downloaded)
        "/admin/upload",  # loading from the browser (dashboards/pages/upload.py)
    }
)
# Pages that need more than a viewer in internal mode (any page under /admin/ needs an admin).
PATH_ROLES: dict[str, str] = {
    "/admin/audit": "admin",
    "/admin/upload": "admin",  # loading from the browser (dashboards/pages/upload.py)
    "/admin/upload/files": "admin",  # its upload route (dashboards/uploads.py)
}
# Reachable without signing in (internal mode), relative to the URL prefix.
OPEN_PATHS = frozenset({"/healthz", "/auth/login", "/auth/oidc", "/auth/oidc/callback"})
OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")


def _output_ids(output: str) -> set[str]:
    """The component ids (the `type` of pattern ids) named in a callback's output string."""
    import json

    found = set()
    for part in output.strip(".").split("..."):
        spec = part.rsplit(".", 1)[0]
        if spec.startswith("{"):
            try:
                found.add(str(json.loads(spec).get("type", "")))
            except ValueError:
                continue
        else:
            found.add(spec)
    return found


def callback_role(output: str) -> str:
    """The role a callback (by its output string) needs: 'viewer' unless listed."""
    needed = [CALLBACK_ROLES[i] for i in _output_ids(output) if i in CALLBACK_ROLES]
    return max(needed, key=_RANK.__getitem__) if needed else "viewer"


def path_role(path: str) -> str | None:
    """The role a page needs beyond a viewer: PATH_ROLES, and admin for anything under /admin/."""
    path = "/" + path.strip("/")
    return PATH_ROLES.get(path) or ("admin" if path.startswith("/admin/") else None)


def path_offered(path: str) -> bool:
    """Whether this app's users are offered a page (menus and router)."""
    from dashboards import db

    path = "/" + path.strip("/")
    needed = path_role(path)
    if db.is_public() and (path in PUBLIC_HIDDEN_PATHS or needed is not None):
        return False
    return needed is None or has_role(needed)


def banner(settings: Any) -> list:
    """The shell's access strip: "Demo mode" in demo mode, "Sign out" in internal mode."""
    from dash import get_relative_path, html

    from dashboards.layout import label_id

    if settings.access_mode == "demo":
        text = N_("Demo mode: generated data, everything visible, no sign-in.")
        return [
            html.Div(
                html.Span(text, id=label_id(text, "access")),
                id="access-banner",
                className="alert alert-warning rounded-0 py-1 mb-0 small text-center",
                role="status",
            )
        ]
    if settings.access_mode == "internal":
        text = N_("Sign out")
        return [
            html.Div(
                html.A(
                    html.Span(text, id=label_id(text, "access")),
                    href=get_relative_path("/auth/logout"),
                    id="access-sign-out",
                ),
                id="access-banner",
                className="text-end small px-3 py-1 bg-light",
            )
        ]
    return []


# The one rule of what the interface offers (docs/deployment.md, "Role matrix"): a capability
# is offered when the current user has its role. Public mode has no user: it is offered what a
# viewer may do that holds no internal field (pages, the image or table of a chart). The server
# checks stay where they are (CALLBACK_ROLES, PATH_ROLES): this only hides what would be refused.
CAPABILITIES: dict[str, str] = {
    "view": "viewer",  # the pages
    "chart_download": "viewer",  # a chart's image (PNG/SVG/PDF) or aggregated table (CSV)
    "download": "analyst",  # the activities and partners behind a view (CSV, Excel)
    "pack": "analyst",  # briefing packs (PDF, PowerPoint)
    "digest": "admin",  # the monthly lifecycle digest
    "load": "admin",  # loading files (/admin/upload)
    "audit": "admin",  # the audit log (/admin/audit)
}
PUBLIC_CAPABILITIES = frozenset({"view", "chart_download"})


def can(capability: str) -> bool:
    """Whether the current user is offered a capability (one of CAPABILITIES)."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")
    if _mode() == "public":
        return capability in PUBLIC_CAPABILITIES
    return has_role(CAPABILITIES[capability])


def role_matrix() -> list[tuple[str, dict[str, bool]]]:
    """(capability, {role: offered}) for every capability in internal mode (docs, tests)."""
    return [
        (cap, {role: _RANK[role] >= _RANK[needed] for role in ROLES})
        for cap, needed in CAPABILITIES.items()
    ]


def offers_row_level() -> bool:
    """Whether row-level downloads and packs are offered to the current user."""
    return can("download")


# ---------------------------------------------------------------------------------------------
# Installation on the app's Flask server
# ---------------------------------------------------------------------------------------------

SIGN_IN_OIDC = N_("Sign in with your organisation")
NO_ROLE = N_("Your account has no role in this app: ask an administrator.")
FORBIDDEN = N_("Forbidden")
FORBIDDEN_TEXT = N_("Your role does not give access to this page: ask an administrator.")
USER_NAME, PASSWORD = N_("User name"), N_("Password")
CSRF_COOKIE = "_csrf_token"  # Dash's renderer sends it back as X-CSRFToken on every callback
CSRF_HEADER = "X-CSRFToken"
_STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def host_secret(path: Path) -> str:
    """This host's signing key: read from `path`, made there once (0600) when it is missing.

    Every worker process of a host must sign session cookies and Dash's background-job handles
    with the same key: a key drawn per process made a pack's polls fail (HTTP 204) whenever they
    reached the other gunicorn worker. Created by a hard link of a complete file, so two workers
    starting at once read the same key, never a half-written one. Several hosts: set SECRET_KEY.
    """
    path = Path(path)
    try:
        key = path.read_text(encoding="ascii").strip()
        if len(key) >= 32:
            return key
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another worker made it first: use its key
    finally:
        tmp.unlink()
    return path.read_text(encoding="ascii").strip()


def _safe_next(target: str | None, prefix: str) -> str:
    """A redirect target inside the app (never another site), else the app's home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return prefix


def _page(title: str, body: str, lang: str = "en", status: int = 200):
    """A small HTML page (sign-in, sign-out, forbidden); `body` is markup built from escaped text."""
    from flask import Response, url_for

    css = url_for("_auth_asset", filename="vendor/bootstrap.min.css")
    html = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{title} · UNESCO</title><link rel="stylesheet" href="{css}"></head>'
        f'<body class="bg-light"><main class="container py-5" style="max-width:28rem">'
        f'<h1 class="h4 mb-4">UNESCO · NGO partnership</h1>{body}</main></body></html>'
    )
    return Response(html, status=status, mimetype="text/html")


def install(app: Any, settings: Any) -> None:
    """Sessions, CSRF, the sign-in routes, /healthz and the role checks of every request."""
    import hmac

    from flask import (
        Response,
        abort,
        g,
        jsonify,
        redirect,
        request,
        send_from_directory,
        session,
    )
    from markupsafe import escape

    from dashboards import accounts, audit, db
    from dashboards.i18n import gettext

    server = app.server
    mode = settings.access_mode
    prefix = app.config.routes_pathname_prefix  # e.g. "/" or "/ngo/"
    update_path = prefix + "_dash-update-component"
    server.config.update(
        SESSION_COOKIE_NAME="unesco_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=8 * 3600,
    )
    server.secret_key = settings.secret_key or host_secret(settings.secret_key_file)
    oauth_client = None
    if mode == "internal" and settings.oidc_issuer:
        from authlib.integrations.flask_client import OAuth

        oauth = OAuth(server)
        oauth_client = oauth.register(
            "oidc",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=settings.oidc_issuer.rstrip("/")
            + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
        )

    def rel(path: str) -> str:
        return "/" + path[len(prefix) :] if path.startswith(prefix) else path

    def lang() -> str:
        return "fr" if request.args.get("lang") == "fr" else "en"

    def load_user() -> dict | None:
        user = session.get("user")
        if not isinstance(user, dict) or user.get("role") not in _RANK:
            return None
        if user.get("via") == "local":  # a removed account or a changed role counts now
            role = accounts.role_of(settings.accounts_path, str(user.get("name")))
            if role is None:
                return None
            user = {**user, "role": role}
        return user

    def csrf_ok() -> bool:
        want = session.get("csrf")
        given = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token", "")
        return bool(want) and hmac.compare_digest(str(want), str(given))

    def deny(status: int, reason: str):
        g.reason = reason
        return Response(
            json_dumps({"error": "forbidden" if status == 403 else "sign in", "reason": reason}),
            status=status,
            mimetype="application/json",
        )

    @server.before_request
    def _gate():
        path = rel(request.path)
        g.user = load_user() if mode == "internal" else None
        if mode == "internal" and g.user is not None and "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        if path == "/healthz" or mode == "demo":
            return None
        if request.path == update_path and request.method == "POST":
            if mode == "internal" and g.user is None:
                return deny(401, "sign in first")
            if mode == "internal" and not csrf_ok():
                return deny(403, "missing or wrong CSRF token")
            body = request.get_json(silent=True, cache=True)
            output = body.get("output") if isinstance(body, dict) else None
            needed = callback_role(output) if isinstance(output, str) else "viewer"
            if mode == "public" and needed != "viewer":
                return deny(403, "not offered by the public deployment")
            if mode == "internal" and not has_role(needed):
                return deny(403, f"needs the {needed} role")
            downloads = sorted(_output_ids(output) & RECORDED_DOWNLOADS)
            if downloads and "cacheKey" not in request.args:  # not the job's polls
                state = body.get("state") if isinstance(body, dict) else None
                search = next(
                    (
                        s.get("value")
                        for s in state or []
                        if isinstance(s, dict) and s.get("id") == ids.URL
                    ),
                    None,
                )
                audit.record(
                    settings.audit_log_path,
                    "row_level_download",
                    what=downloads,
                    search=search,
                )
            return None
        if mode == "public" and path_role(path):  # admin pages do not exist publicly
            return forbidden_page(404)
        if mode != "internal" or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            return None
        if g.user is None:
            if request.method == "GET" and not path.startswith(("/_dash-", "/api/")):
                return redirect(prefix + "auth/login?next=" + quote(request.full_path.rstrip("?")))
            return deny(401, "sign in first")
        if request.method in _STATE_CHANGING and not csrf_ok():
            return deny(403, "missing or wrong CSRF token")
        needed = path_role(path)
        if needed and not has_role(needed):
            if request.method == "GET":  # a person at a browser: a page that says why
                g.reason = f"needs the {needed} role"
                return forbidden_page(403)
            return deny(403, f"needs the {needed} role")
        return None

    def forbidden_page(status: int):
        """The 403 page (a role too low) or 404 page (public mode) of a protected address."""
        _ = lambda m: escape(gettext(m, lang()))  # noqa: E731
        if status == 404:
            title, text = _("Page not found"), _("There is no page at this address.")
        else:
            title, text = _(FORBIDDEN), _(FORBIDDEN_TEXT)
        body = (
            f'<h2 class="h5" id="forbidden-title">{title}</h2>'
            f'<p role="alert">{text}</p>'
            f'<p><a class="btn btn-primary" id="forbidden-home" href="{prefix}">'
            f"{_('Back to the overview')}</a></p>"
        )
        return _page(str(title), body, lang(), status)

    @server.after_request
    def _csrf_cookie(response):
        if mode == "internal" and session.get("csrf"):
            response.set_cookie(
                CSRF_COOKIE,
                session["csrf"],
                secure=settings.session_cookie_secure,
                httponly=False,  # the renderer reads it to send it back (double submit)
                samesite="Lax",
                path=prefix,
            )
        return response

    def _auth_asset(filename: str):
        return send_from_directory(Path(app.config.assets_folder), filename)

    server.add_url_rule(prefix + "auth/assets/<path:filename>", "_auth_asset", _auth_asset)

    @server.route(prefix + "healthz")
    def healthz():
        try:
            db.scalar("SELECT count(*) FROM partners")
        except Exception as e:
            return jsonify({"status": "error", "reason": type(e).__name__}), 503
        # Which file this instance serves (changes on a swap) and which load made it (the same
        # on every host a warehouse is published to): a deployment check compares the hosts.
        body = {"status": "ok", "mode": mode, "warehouse_version": db.version()}
        try:
            body["load"] = db.scalar(
                "SELECT run_id FROM etl_runs ORDER BY started_at DESC, run_id DESC LIMIT 1"
            )
        except Exception:  # public mode has no load history: the version is enough
            pass
        return jsonify(body)

    def login_form(error: str = "", status: int = 200):
        if mode != "internal":
            abort(404)
        _ = lambda m: escape(gettext(m, lang()))  # noqa: E731
        session.setdefault("csrf", secrets.token_urlsafe(32))
        target = escape(_safe_next(request.values.get("next"), prefix))
        oidc = (
            f'<p><a class="btn btn-primary w-100" id="oidc-sign-in" '
            f'href="{prefix}auth/oidc?next={quote(str(target))}">'
            f"{_(SIGN_IN_OIDC)}</a></p><hr>"
            if oauth_client is not None
            else ""
        )
        alert = (
            f'<div class="alert alert-danger" role="alert">{escape(error)}</div>' if error else ""
        )
        body = (
            f'<h2 class="h5">{_("Sign in")}</h2>{alert}{oidc}'
            f'<form method="post" action="{prefix}auth/login">'
            f'<input type="hidden" name="csrf_token" value="{escape(session["csrf"])}">'
            f'<input type="hidden" name="next" value="{target}">'
            f'<div class="mb-3"><label class="form-label" for="username">{_(USER_NAME)}</label>'
            '<input class="form-control" id="username" name="username" autocomplete="username" '
            "required></div>"
            f'<div class="mb-3"><label class="form-label" for="password">{_(PASSWORD)}</label>'
            '<input class="form-control" id="password" name="password" type="password" '
            'autocomplete="current-password" required></div>'
            f'<button class="btn btn-primary" id="local-sign-in" type="submit">{_("Sign in")}'
            "</button></form>"
        )
        return _page(str(_("Sign in")), body, lang(), status)

    @server.route(prefix + "auth/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return login_form()
        if mode != "internal":
            abort(404)
        if not csrf_ok():
            return login_form(gettext("The form had expired: please try again.", lang()), 400)
        name = request.form.get("username", "")[:64]
        role = accounts.verify(settings.accounts_path, name, request.form.get("password", ""))
        if role is None:
            audit.record(settings.audit_log_path, "sign_in_refused", user=name, via="local")
            g.reason = "wrong user name or password"
            return login_form(gettext("Wrong user name or password.", lang()), 401)
        return signed_in({"name": name, "role": role, "via": "local"})

    def signed_in(user: dict):
        target = _safe_next(request.values.get("next") or session.get("next"), prefix)
        session.clear()  # a new session on sign-in (no fixation)
        session.permanent = True
        session["user"] = user
        session["csrf"] = secrets.token_urlsafe(32)
        audit.record(
            settings.audit_log_path,
            "sign_in",
            user=user["name"],
            role=user["role"],
            via=user["via"],
        )
        return redirect(target)

    @server.route(prefix + "auth/oidc")
    def oidc_login():
        if oauth_client is None:
            abort(404)
        session["next"] = _safe_next(request.args.get("next"), prefix)
        return oauth_client.authorize_redirect(
            request.url_root.rstrip("/") + prefix + "auth/oidc/callback"
        )

    @server.route(prefix + "auth/oidc/callback")
    def oidc_callback():
        if oauth_client is None:
            abort(404)
        try:
            token = oauth_client.authorize_access_token()
        except Exception as e:
            g.reason = f"OIDC: {type(e).__name__}"
            return login_form(gettext("Sign-in with your organisation failed.", lang()), 401)
        claims = dict(token.get("userinfo") or {})
        if settings.oidc_role_claim not in claims:
            claims.update(oauth_client.userinfo(token=token))
        role = role_from_claims(claims, settings.oidc_role_claim, settings.role_map)
        if role is None:
            g.reason = "OIDC user without a mapped role"
            body = f'<p role="alert">{escape(gettext(NO_ROLE, lang()))}</p>'
            return _page(gettext("Forbidden", lang()), body, lang(), 403)
        name = str(claims.get("preferred_username") or claims.get("email") or claims.get("sub"))
        return signed_in({"name": name, "role": role, "via": "oidc"})

    @server.route(prefix + "auth/logout", methods=["GET", "POST"])
    def logout():
        if mode != "internal":
            abort(404)
        _ = lambda m: escape(gettext(m, lang()))  # noqa: E731
        if request.method == "POST":  # CSRF checked by the gate
            audit.record(settings.audit_log_path, "sign_out")
            session.clear()
            return redirect(prefix + "auth/login")
        body = (
            f'<h2 class="h5">{_("Sign out")}</h2>'
            f'<form method="post" action="{prefix}auth/logout">'
            f'<input type="hidden" name="csrf_token" value="{escape(session.get("csrf", ""))}">'
            f'<button class="btn btn-primary" id="sign-out" type="submit">{_("Sign out")}</button>'
            "</form>"
        )
        return _page(str(_("Sign out")), body, lang())


def role_from_claims(claims: dict, claim: str, role_map: dict[str, str]) -> str | None:
    """The highest role the mapping gives any of the claim's values (a list or one value)."""
    values = claims.get(claim)
    values = values if isinstance(values, list) else [values] if values is not None else []
    roles = [role_map[str(v)] for v in values if str(v) in role_map]
    return max(roles, key=_RANK.__getitem__) if roles else None


def json_dumps(value: Any) -> str:
    """JSON text of a small answer."""
    import json

    return json.dumps(value)


def quote(text: str) -> str:
    """A value for a URL query string."""
    from urllib.parse import quote as q

    return q(text, safe="/")
