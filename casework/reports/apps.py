from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "casework.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Keeps the daily figures current from inside each case transition (an import side effect).
        from casework.reports import rollup  # noqa: F401
