from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from billing import limits, tasks  # noqa: F401  (limit checks on new staff and cases; grace job)
