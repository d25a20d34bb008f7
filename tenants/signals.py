"""Keep the in-process routing cache honest: any change to a domain or association drops it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenants import routing
from tenants.models import Association, Domain


@receiver([post_save, post_delete], sender=Domain)
@receiver([post_save, post_delete], sender=Association)
def _routes_changed(sender: Any, **kwargs: Any) -> None:
    routing.bump_epoch()
    # A rolled-back change must not leave a stale route behind either.
    transaction.on_commit(routing.clear)
