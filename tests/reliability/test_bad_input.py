"""No 500 on bad input: NUL characters, deep JSON, long paths, odd hosts, unknown filters.

Each case here answered 500 (or an HTML page under /api/) before the request-sanitising
middleware and the strict JSON parser (platform/core).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tenants.models import Association
from tests.casework.conftest import Api, Staff, new_national_id, open_case
from tests.conftest import host_for

pytestmark = pytest.mark.django_db


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


@pytest.mark.parametrize(
    "query",
    ["step=%00", "q=abc%00def", "status=%00", "page=%00", "%00=1", "ordering=x%00"],
)
def test_a_nul_in_any_query_parameter_is_a_400_in_json(
    alpha: Association, staff: Staff, rumaila: object, query: str
) -> None:
    api = Api(alpha, staff.admin)
    for path in ("/api/v1/cases/", "/api/v1/beneficiaries/", "/api/v1/duplicates/"):
        response = api.client.get(f"{path}?{query}", headers=api.headers)
        assert response.status_code == 400, (path, query, response.content[:200])
        assert _json(response)["code"] == "nul_character"


def test_a_nul_in_a_screen_query_is_a_400_not_a_500(
    alpha: Association, staff: Staff, rumaila: object
) -> None:
    client = Client(HTTP_HOST=host_for(alpha))
    client.force_login(staff.admin)
    response = client.get("/staff/?step=%00")
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_a_json_string_is_refused(alpha: Association, staff: Staff, rumaila: object) -> None:
    case = open_case(staff.reception)
    api = Api(alpha, staff.admin)
    body = json.dumps({"action": "add_note", "revision": case.revision, "note": "hello"}).replace(
        "hello", "hello\\u0000world"
    )
    response = api.client.post(
        f"/api/v1/cases/{case.pk}/transitions/", body, content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400
    assert "NUL" in _json(response)["detail"]
    # A NUL in a key is refused the same way.
    response = api.client.post(
        "/api/v1/beneficiaries/", '{"a\\u0000": 1}', content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400


def test_json_nested_fifty_thousand_deep_is_a_400(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.admin)
    body = "[" * 50_000 + "]" * 50_000
    response = api.client.post(
        "/api/v1/policy/validate", body, content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400
    assert "nested" in _json(response)["detail"]
    # Deep, but within what Python's parser holds: refused by the depth limit, not by a crash.
    body = '{"a":' * 100 + "1" + "}" * 100
    response = api.client.post(
        "/api/v1/beneficiaries/", body, content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400
    assert "nested" in _json(response)["detail"]


def test_nan_is_not_json(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.admin)
    response = api.client.post(
        "/api/v1/policy/validate", '{"document": NaN}', content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400


def test_a_nul_in_a_form_field_is_refused(alpha: Association, staff: Staff, rumaila: object) -> None:
    case = open_case(staff.reception)
    client = Client(HTTP_HOST=host_for(alpha))
    client.force_login(staff.admin)
    response = client.post(f"/staff/cases/{case.pk}/", {"action": "add_note", "note": "a\x00b"})
    assert response.status_code == 400


def test_public_link_forms_refuse_a_nul(alpha: Association, staff: Staff, rumaila: object) -> None:
    from casework import notifications
    from casework.models import LinkPurpose

    case = open_case(staff.reception)
    client = Client(HTTP_HOST=host_for(alpha))
    rate = notifications.link_create(case=case, purpose=LinkPurpose.RATE)
    track = notifications.link_create(case=case, purpose=LinkPurpose.TRACK)
    response = client.post(rate, {"score": "5", "comment": "good\x00"})
    assert response.status_code == 400
    response = client.post(track, {"typed_name": "x\x00", "confirmed": "yes", "data_hash": "x"})
    assert response.status_code == 400
    # Percent-encoded in the body, as a browser would send it.
    response = client.post(rate, "score=5&comment=%00", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_an_idempotency_key_on_a_very_long_path_is_kept(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.admin)
    long_query = "x=" + "a" * 700
    response = api.client.post(
        f"/api/v1/beneficiaries/?{long_query}",
        json.dumps({"national_id": "1", "full_name_ar": "x"}),
        content_type="application/json",
        headers={**api.headers, "Idempotency-Key": "k1"},
    )
    assert response.status_code == 400  # an invalid ID: refused as data, not by a 500
    long_path = "/api/v1/tokens/" + "a" * 600
    response = api.client.post(long_path, "{}", content_type="application/json", headers=api.headers)
    assert response.status_code == 404
    assert _json(response)["code"] == "not_found"


def test_a_trailing_dot_host_with_a_port_is_routed(alpha: Association) -> None:
    for host in ("alpha.localhost.", "alpha.localhost.:8000", "ALPHA.localhost.:8000"):
        response = Client(HTTP_HOST=host).get("/api/v1/meta")
        assert response.status_code == 200, host
        assert _json(response)["association"]["slug"] == "alpha"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/cases/abc/"),
        ("get", "/api/v1/cases/1.5/"),
        ("get", "/api/v1/beneficiaries/%E2%80%8F/"),
        ("post", "/api/v1/cases/abc/transitions/"),
        ("get", "/api/v1/policy/versions/x/"),
        ("get", "/api/v1/nothing-here"),
        ("get", "/api/"),
    ],
)
def test_every_api_path_answers_json(alpha: Association, staff: Staff, method: str, path: str) -> None:
    api = Api(alpha, staff.admin)
    response = getattr(api.client, method)(path, headers=api.headers)
    assert response.status_code == 404
    assert _json(response) == {"code": "not_found", "detail": "Not found."}


def test_an_unknown_host_under_api_answers_json() -> None:
    response = Client(HTTP_HOST="nobody.localhost").get("/api/v1/cases/")
    assert response.status_code == 404
    assert _json(response)["code"] == "not_found"


def test_an_oversize_api_body_is_a_413_in_json(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.admin)
    body = json.dumps({"full_name_ar": "x" * (2 * 1024 * 1024)})
    response = api.client.post(
        "/api/v1/beneficiaries/", body, content_type="application/json", headers=api.headers
    )
    assert response.status_code == 413
    assert _json(response)["code"] == "too_large"


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/cases/", "step=no_such_step", "step"),
        ("/api/v1/cases/", "channel=pigeon", "channel"),
        # Catalogue codes the association's policy (Rumaila's) does not have.
        ("/api/v1/cases/", "step=refer", "step"),
        ("/api/v1/cases/", "channel=branch_offices", "channel"),
        ("/api/v1/cases/", "step=custom:home-visit", "step"),
        ("/api/v1/cases/", "status=sideways", "status"),
        ("/api/v1/cases/", "overdue=perhaps", "overdue"),
        ("/api/v1/cases/", "assigned=them", "assigned"),
        ("/api/v1/cases/", "beneficiary=x", "beneficiary"),
        ("/api/v1/cases/", "page=0", "page"),
        ("/api/v1/cases/", "page_size=1000", "page_size"),
        ("/api/v1/duplicates/", "status=whatever", "status"),
        ("/api/v1/beneficiaries/", "page=-1", "page"),
    ],
)
def test_unknown_filter_values_are_refused(
    alpha: Association, staff: Staff, rumaila: object, path: str, query: str, field: str
) -> None:
    api = Api(alpha, staff.admin)
    response = api.client.get(f"{path}?{query}", headers=api.headers)
    assert response.status_code == 400, response.content[:300]
    assert list(_json(response)["errors"]) == [field]


def test_known_filter_values_still_filter(alpha: Association, staff: Staff, rumaila: object) -> None:
    open_case(staff.reception)
    api = Api(alpha, staff.admin)
    everything = _json(api.get("/api/v1/cases/"))["count"]
    assert everything == 1
    assert _json(api.get("/api/v1/cases/", status="open", overdue="false", step="receive"))["count"] == 1
    assert _json(api.get("/api/v1/cases/", channel="interview"))["count"] == 1
    assert _json(api.get("/api/v1/cases/", status="closed"))["count"] == 0


def test_an_unreachable_database_is_a_503_with_retry_after(
    alpha: Association, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    from sila.api import MetaView

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("couldn't get a connection after 10.00 sec")

    monkeypatch.setattr(MetaView, "get", down)
    client = Client(HTTP_HOST=host_for(alpha), raise_request_exception=False)
    response = client.get("/api/v1/meta", headers={"accept-language": "en"})
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert _json(response) == {"code": "unavailable", "detail": "Service unavailable, try again."}


def test_a_household_of_thousands_or_a_birth_in_year_one_is_refused(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.admin)
    member = {"full_name_ar": "ابن", "relation": "son"}
    body = {"national_id": new_national_id(), "full_name_ar": "سالم", "household": [member] * 5000}
    response = api.post("/api/v1/beneficiaries/", body)
    assert response.status_code == 400
    assert "household" in _json(response)["errors"]
    response = api.post("/api/v1/beneficiaries/", {**body, "household": [], "birth_date": "0001-01-01"})
    assert response.status_code == 400
    assert _json(response)["error_codes"] == {"birth_date": "too_early"}
    response = api.post(
        "/api/v1/beneficiaries/", {**body, "household": [{**member, "birth_date": "1899-12-31"}]}
    )
    assert response.status_code == 400
    assert _json(response)["error_codes"] == {"household[0].birth_date": "too_early"}


def test_the_services_refuse_them_too(alpha: Association, staff: Staff) -> None:
    """Screens call the same service: the limits are not only the API's."""
    import datetime as dt

    from casework import services
    from core.errors import ServiceError

    with pytest.raises(ServiceError) as refused:
        services.beneficiary_register(
            actor=staff.reception,
            national_id=new_national_id(),
            full_name_ar="سالم",
            household=[{"full_name_ar": "ابن", "relation": "son"}] * 51,
        )
    assert [p.code for p in refused.value.problems] == ["too_many"]
    with pytest.raises(ServiceError) as refused:
        services.beneficiary_register(
            actor=staff.reception,
            national_id=new_national_id(),
            full_name_ar="سالم",
            birth_date=dt.date(1, 1, 1),
        )
    assert [p.code for p in refused.value.problems] == ["too_early"]


def test_a_number_is_not_text(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.admin)
    national_id = new_national_id()
    response = api.post("/api/v1/beneficiaries/", {"national_id": int(national_id), "full_name_ar": "سالم"})
    assert response.status_code == 400
    assert _json(response)["error_codes"] == {"national_id": "invalid"}
    assert (
        api.post("/api/v1/beneficiaries/", {"national_id": national_id, "full_name_ar": "سالم"}).status_code
        == 201
    )


def test_bad_api_tokens_are_throttled_per_address(alpha: Association, staff: Staff, settings: Any) -> None:
    from django.core.cache import cache

    from casework import services

    cache.clear()
    settings.SILA_BAD_TOKEN_LIMIT = 5
    client = Client(HTTP_HOST=host_for(alpha))
    guesses = [
        client.get("/api/v1/cases/", headers={"authorization": f"Bearer sila_abc_{n}"}).status_code
        for n in range(7)
    ]
    assert guesses == [401] * 5 + [429] * 2
    refused = client.get("/api/v1/cases/", headers={"authorization": "Bearer sila_abc_x"})
    assert int(refused["Retry-After"]) >= 1
    # Another address is not held back by this one's guesses.
    _, token = services.api_token_create(user=staff.admin, name="mine")
    other = client.get("/api/v1/cases/", headers={"authorization": f"Bearer {token}"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
    cache.clear()


def test_a_full_disk_is_a_507_and_leaves_no_partial_file(
    alpha: Association, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import errno

    from django.core.files.base import ContentFile

    from core.storage import TenantStorage
    from sila.api import MetaView

    class FillsTheDisk(ContentFile):
        def chunks(self, chunk_size: int | None = None) -> Any:
            yield b"x" * 10
            raise OSError(errno.ENOSPC, "No space left on device")

    storage = TenantStorage(location=str(tmp_path))
    with pytest.raises(OSError):
        storage._save("doc.pdf", FillsTheDisk(b"x" * 100, name="doc.pdf"))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []

    def full(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(MetaView, "get", full)
    client = Client(HTTP_HOST=host_for(alpha), raise_request_exception=False)
    response = client.get("/api/v1/meta", headers={"accept-language": "en"})
    assert response.status_code == 507
    assert _json(response)["code"] == "storage_full"


def test_a_lone_surrogate_is_refused_not_a_500(alpha: Association, staff: Staff) -> None:
    api = Api(alpha, staff.admin)
    body = '{"beneficiary": "\\udbff", "channel": "x"}'
    response = api.client.post(
        "/api/v1/cases/",
        body,
        content_type="application/json",
        headers={**api.headers, "Idempotency-Key": "s"},
    )
    assert response.status_code == 400
    assert "surrogate" in _json(response)["detail"]


def test_a_character_outside_the_basic_plane_is_not_a_500(alpha: Association, staff: Staff) -> None:
    # schemathesis: a surrogate pair (U+10FEA1, a private-use character) as the beneficiary.
    api = Api(alpha, staff.admin, lang="ar")
    body = '{"beneficiary": "\\udbff\\udea1\\u00c4", "channel": "0"}'
    response = api.client.post(
        "/api/v1/cases/",
        body,
        content_type="application/json",
        headers={**api.headers, "Idempotency-Key": "p"},
    )
    assert response.status_code == 400, response.content
    assert _json(response)["errors"]["beneficiary"] == [
        "اذكر رقم سجل المستفيد، أو كائنًا فيه هويته الوطنية (national_id)."
    ]
