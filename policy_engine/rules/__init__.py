"""The pure policy engine: policy documents as data and the rules that read them.

Standard library only — nothing here may import Django (an import-linter contract checks it).
"""

from policy_engine.rules.catalog import CatalogEntry, CatalogKind
from policy_engine.rules.diff import Change, diff
from policy_engine.rules.document import DocumentError, PolicyDocument
from policy_engine.rules.durations import Duration, DurationError, add_duration, parse_duration
from policy_engine.rules.engine import InvalidPolicyError, PolicyEngine, PolicyError, UnknownStepError
from policy_engine.rules.iban import validate_iban
from policy_engine.rules.validation import FieldError, validate

__all__ = [
    "CatalogEntry",
    "CatalogKind",
    "Change",
    "DocumentError",
    "Duration",
    "DurationError",
    "FieldError",
    "InvalidPolicyError",
    "PolicyDocument",
    "PolicyEngine",
    "PolicyError",
    "UnknownStepError",
    "add_duration",
    "diff",
    "parse_duration",
    "validate",
    "validate_iban",
]
