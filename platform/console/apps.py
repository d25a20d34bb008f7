from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Platform console"

    def ready(self) -> None:
        from console import tasks  # noqa: F401  (registers the figures' refresh job)
