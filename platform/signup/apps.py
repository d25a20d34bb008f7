from django.apps import AppConfig


class SignupConfig(AppConfig):
    name = "signup"
    verbose_name = "Sign-up"

    def ready(self) -> None:
        from signup import tasks  # noqa: F401  (registers the provisioning job)
