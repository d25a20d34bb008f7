from django.apps import AppConfig


class SilaConfig(AppConfig):
    name = "sila"
    verbose_name = "Sila"

    def ready(self) -> None:
        from core.drf import strict_text_fields

        strict_text_fields()
