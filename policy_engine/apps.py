from django.apps import AppConfig


class PolicyEngineConfig(AppConfig):
    name = "policy_engine"
    verbose_name = "Beneficiary relations policy"
