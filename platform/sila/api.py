"""Public API endpoints that need no sign-in."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.models import Association

_association = inline_serializer(
    "ApiMetaAssociation",
    fields={
        "slug": serializers.CharField(),
        "name_ar": serializers.CharField(),
        "name_en": serializers.CharField(),
    },
    allow_null=True,
)


class MetaView(APIView):
    """`GET /api/v1/meta`: which association this host serves (null on the platform's own host),
    the active language and the server's time. Answered to anyone: it reveals only what the host's
    home page shows."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    renderer_classes = (JSONRenderer,)

    @extend_schema(
        responses=inline_serializer(
            "ApiMeta",
            fields={
                "association": _association,
                "language": serializers.CharField(),
                "server_time": serializers.DateTimeField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        tenant = getattr(request, "tenant", None)
        association: dict[str, Any] | None = None
        if isinstance(tenant, Association):
            association = {"slug": tenant.slug, "name_ar": tenant.name_ar, "name_en": tenant.name_en}
        return Response(
            {
                "association": association,
                "language": get_language(),
                "server_time": timezone.now().isoformat(),
            }
        )
