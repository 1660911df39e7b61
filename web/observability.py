"""What operators see of the web app: a request id on every request (X-Request-ID), one JSON log
line per request, latency metrics by route, and /healthz, /readyz, /metrics.

The request id comes from the reverse proxy when it sends a well-formed X-Request-ID (nginx's
$request_id, deploy/nginx.conf), else it is made here; it is returned in the response header and
written on every log line of the request, tracebacks included (engine.logs.REQUEST_ID).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid

from flask import Blueprint, Flask, Response, abort, g, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

from engine import logs, metrics, observe
from web.context import engine

log = logging.getLogger("jiuzhu.request")
REQUEST_ID_HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
bp = Blueprint("ops", __name__)


def request_id() -> str:
    """The current request's id (for error pages and problem details)."""
    return getattr(g, "request_id", None) or "-"


def username() -> str | None:
    """The signed-in user or API caller, only if this request already looked them up."""
    account = getattr(g, "account", None)
    if account is not None:
        return account.username
    user = getattr(g, "_login_user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return user.account.username
    return None


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    kit = metrics.instruments()
    metrics.watch_pool(app.extensions["jiuzhu"].engine.db)

    @app.before_request
    def start():
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = offered if _WELL_FORMED.match(offered) else uuid.uuid4().hex
        g.request_started = time.perf_counter()
        g.request_id_token = logs.REQUEST_ID.set(g.request_id)

    @app.after_request
    def finish(response: Response) -> Response:
        started = getattr(g, "request_started", None)
        if started is None:  # before_request did not run (e.g. a routing failure handled early)
            return response
        response.headers[REQUEST_ID_HEADER] = g.request_id
        seconds = time.perf_counter() - started
        route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        if request.endpoint not in ("ops.metrics_page",):
            kit.requests.labels(request.method, route).observe(seconds)
            kit.responses.labels(request.method, route, f"{response.status_code // 100}xx").inc()
        if request.endpoint not in ("ops.healthz", "static"):
            log.info(
                "request",
                extra={
                    "fields": {
                        "event": "request",
                        "method": request.method,
                        "route": route,
                        "path": request.path,
                        "status": response.status_code,
                        "duration_ms": round(seconds * 1000, 2),
                        "user": username(),
                        "remote": request.remote_addr,
                    }
                },
            )
        return response

    @app.teardown_request
    def forget(_error):
        token = g.pop("request_id_token", None)
        if token is not None:
            logs.REQUEST_ID.reset(token)

    app.add_template_global(request_id)  # error pages show it: a clerk's report leads to the log lines
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz():
    """The process is alive and answering (no database: a load balancer restarts on this)."""
    return jsonify(status="alive")


@bp.get("/readyz")
def readyz():
    """Ready for traffic: database reachable, schema at this release's head, a version deployed."""
    state = observe.readiness(engine().uow(readonly=True))
    return jsonify(state.as_dict()), 200 if state.ready else 503


def _allowed(address: str | None, allow: str) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in filter(None, (part.strip() for part in allow.split(","))):
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


@bp.get("/metrics")
def metrics_page():
    """Prometheus text format, for the addresses of JIUZHU_METRICS_ALLOW only (404 to anyone else)."""
    from flask import current_app
    from prometheus_client import CONTENT_TYPE_LATEST

    if not _allowed(request.remote_addr, current_app.config.get("METRICS_ALLOW") or ""):
        abort(404)
    return Response(
        metrics.exposition(engine().uow(readonly=True)),
        headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
    )
