"""Sentry events carry the association's slug and the side (platform or association)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from ops.middleware import SentryScopeMiddleware
from ops.models import Incident
from ops.services import incident_record
from tenants.models import Association


class Captured(Transport):
    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            if item.type == "event" and item.payload.json is not None:
                self.events.append(item.payload.json)


@pytest.fixture
def sentry_events() -> Iterator[list[dict[str, Any]]]:
    transport = Captured()
    sentry_sdk.init(dsn="https://key@sentry.invalid/1", transport=transport, default_integrations=False)
    yield transport.events
    sentry_sdk.init(dsn=None)


def _through_middleware(association: Association | None) -> None:
    request = RequestFactory().get("/")
    request.association = association  # type: ignore[attr-defined]

    def view(request: HttpRequest) -> HttpResponse:
        sentry_sdk.capture_message("something failed")
        return HttpResponse()

    with sentry_sdk.isolation_scope():
        SentryScopeMiddleware(view)(request)


def test_request_events_are_tagged_with_side_and_association(
    sentry_events: list[dict[str, Any]], tenant_a: Association
) -> None:
    _through_middleware(tenant_a)
    _through_middleware(None)
    assert [e["tags"] for e in sentry_events] == [
        {"side": "association", "association": "alpha"},
        {"side": "platform"},
    ]


def test_an_incident_goes_to_sentry_and_to_the_console(sentry_events: list[dict[str, Any]], db: None) -> None:
    incident = incident_record(
        kind="provisioning",
        summary="Provisioning nour failed",
        association_slug="nour",
        error=RuntimeError("x"),
    )
    assert sentry_events[0]["tags"] == {"side": "platform", "incident": "provisioning", "association": "nour"}
    assert Incident.objects.get().sentry_event_id == incident.sentry_event_id == sentry_events[0]["event_id"]
