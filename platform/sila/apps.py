from django.apps import AppConfig


class SilaConfig(AppConfig):
    name = "sila"
    verbose_name = "Sila"
