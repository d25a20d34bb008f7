from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Associations"

    def ready(self) -> None:
        from tenants import signals  # noqa: F401  (routing cache invalidation)
