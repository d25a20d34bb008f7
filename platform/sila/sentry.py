"""Sentry, configured so that no personal data leaves Sila."""

from __future__ import annotations

from typing import Any

SCRUBBED = "[scrubbed]"


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Drop everything that can identify a person: user, request body, cookies, headers, query
    strings, and local variables in stack frames."""
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            if key in request:
                request[key] = SCRUBBED
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                k: (v if k.lower() in {"content-type", "user-agent", "host"} else SCRUBBED)
                for k, v in headers.items()
            }
    for exception in (event.get("exception") or {}).get("values", []) or []:
        for frame in (exception.get("stacktrace") or {}).get("frames", []) or []:
            frame.pop("vars", None)
    event.pop("breadcrumbs", None)
    return event


def init_sentry(dsn: str, *, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_breadcrumbs=0,
        before_send=scrub_event,  # type: ignore[arg-type]
        traces_sample_rate=0.0,
    )
