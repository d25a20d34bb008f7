from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "Casework"

    def ready(self) -> None:
        # Registers the token scheme with drf-spectacular (an import side effect by design).
        from casework import tasks  # noqa: F401  (registers the case-event listener and jobs)
        from casework.api import schema  # noqa: F401
        from casework.portal import tasks as portal_tasks  # noqa: F401  (the sign-in code job)
