"""An association's public site: who it is, its policy in force, the channels and contacts that
policy gives, how to apply, and the privacy notice."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from casework.portal.services import application_spec
from casework.privacy import consents as privacy_consents
from policy_engine import rendering
from policy_engine import selectors as policy_selectors
from policy_engine.rules.durations import DurationError, describe_duration
from policy_engine.selectors import policy_version_in_force
from themes.templatetags.sila import dual_date


def _lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


def _association(request: HttpRequest) -> Any:
    return request.tenant  # type: ignore[attr-defined]


def policy_words(association: Any, lang: str) -> Any:
    """The policy in force, in words (channels, contacts, accounts, steps), or None."""
    version = policy_version_in_force()
    if version is None:
        return None
    return rendering.build_context(
        association={
            "name_ar": association.name_ar,
            "name_en": association.name_en,
            "licence_number": getattr(association, "licence_number", ""),
            "slug": association.slug,
        },
        document=version.document,
        version={"number": version.number, "status": version.status},
        approval=None,
        lang=lang,
    )


def window_words(window: str, lang: str) -> str:
    try:
        return describe_duration(window, lang, case="genitive")  # type: ignore[arg-type]
    except DurationError:
        return window


def home(request: HttpRequest) -> HttpResponse:
    lang = _lang()
    association = _association(request)
    spec = application_spec()
    return render(
        request,
        "casework/site/home.html",
        {
            "policy": policy_words(association, lang),
            "spec": spec,
            "window": window_words(spec.window, lang) if spec else "",
            # A board member's landing page lists the versions awaiting their vote.
            "awaiting_vote": (
                policy_selectors.versions_awaiting_vote(user=request.user)
                if request.user.is_authenticated
                else []
            ),
            # Staff whose association asks them to sign the version in force, until they do.
            "awaiting_signature": policy_selectors.versions_awaiting_signature(user=request.user),
        },
    )


def privacy(request: HttpRequest) -> HttpResponse:
    """The association's privacy notice in force; Sila's template with its name until it publishes
    its own."""
    lang = _lang()
    notice = privacy_consents.notice_in_force()
    if notice is not None:
        text = notice.body_ar if lang == "ar" else notice.body_en
    else:
        text_ar, text_en = privacy_consents.notice_template()
        text = text_ar if lang == "ar" else text_en
    return render(
        request,
        "casework/site/privacy.html",
        {
            "policy": policy_words(_association(request), lang),
            "notice": notice,
            "published": dual_date(notice.published_at) if notice else "",
            "paragraphs": [p.strip() for p in text.split("\n\n") if p.strip()],
            "lang": lang,
        },
    )
