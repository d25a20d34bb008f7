"""The theme editor (association admins): logo, colours and default language, with a live preview.
The checks are ``themes.services``'s; the page's script only previews and shows the contrast."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from accounts.models import RoleCode
from audit.services import audit_record
from core.errors import ServiceError
from themes.models import Theme
from themes.services import MAX_LOGO_BYTES, theme_for, theme_save


def _lang() -> str:
    return "en" if (get_language() or "ar").startswith("en") else "ar"


@never_cache
def edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    association = getattr(request, "association", None)
    if association is None or not user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    if RoleCode.ASSOCIATION_ADMIN not in user.role_codes():
        return render(request, "casework/forbidden.html", status=403)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("logo")
        data = None
        if upload is not None and not isinstance(upload, list):
            # Read one byte past the limit: enough to refuse a large file without reading it all.
            data = upload.read(MAX_LOGO_BYTES + 1)
        try:
            revision = int(request.POST.get("revision", "0"))
        except ValueError:
            revision = -1
        try:
            with transaction.atomic():
                theme, changes = theme_save(
                    schema_name=association.schema_name,
                    brand=request.POST.get("brand", ""),
                    brand_ink=request.POST.get("brand_ink", ""),
                    default_language=request.POST.get("default_language", ""),
                    logo=data,
                    remove_logo=request.POST.get("remove_logo") == "yes",
                    revision=revision,
                )
                audit_record(actor=user, action="theme.saved", obj=theme, changes=changes)
        except ServiceError as exc:
            lang = _lang()
            errors = {p.field: p.message(lang) for p in exc.problems} or {"form": exc.message(lang)}
            status = exc.status
        else:
            return redirect(f"{request.path}?saved=1")
    values = theme_for(association.schema_name)
    return render(
        request,
        "themes/editor.html",
        {
            "values": values,
            "posted": request.POST if errors else None,
            "errors": errors,
            "saved": request.GET.get("saved") == "1",
            "has_logo": Theme.objects.filter(schema_name=association.schema_name)
            .exclude(logo_sha256="")
            .exists(),
        },
        status=status,
    )
