"""No personal data leaves for Sentry: the event scrubber removes people, bodies and local variables."""

from __future__ import annotations

from sila.sentry import SCRUBBED, scrub_event


def test_personal_data_is_scrubbed_from_error_events() -> None:
    event = {
        "user": {"email": "reception@jamoum.sila.example", "ip_address": "10.0.0.1"},
        "request": {
            "url": "https://jamoum.sila.example/staff/cases/7/",
            "data": {"national_id": "1012345672", "full_name_ar": "محمد الحماد"},
            "cookies": {"sila_session": "abc"},
            "query_string": "q=محمد",
            "headers": {
                "Cookie": "sila_session=abc",
                "Authorization": "Bearer sila_x_y",
                "User-Agent": "Mozilla",
            },
        },
        "exception": {
            "values": [
                {"stacktrace": {"frames": [{"function": "case_open", "vars": {"phone": "+966551234567"}}]}}
            ]
        },
        "breadcrumbs": {"values": [{"message": "SELECT ... 1012345672"}]},
    }
    scrubbed = scrub_event(event)
    assert "user" not in scrubbed and "breadcrumbs" not in scrubbed
    request = scrubbed["request"]
    assert request["data"] == request["cookies"] == request["query_string"] == SCRUBBED
    assert request["headers"] == {"Cookie": SCRUBBED, "Authorization": SCRUBBED, "User-Agent": "Mozilla"}
    assert "vars" not in scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert "1012345672" not in repr(scrubbed) and "محمد" not in repr(scrubbed)


def test_sentry_is_configured_without_default_pii(monkeypatch: object) -> None:
    import sentry_sdk

    captured: dict[str, object] = {}
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: captured.update(kwargs))  # type: ignore[attr-defined]
    from sila.sentry import init_sentry

    init_sentry("https://key@sentry.example/1", environment="test")
    assert captured["send_default_pii"] is False
    assert captured["include_local_variables"] is False
    assert captured["before_send"] is scrub_event
