#!/usr/bin/env python
"""Sila's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def main() -> None:
    root = Path(__file__).resolve().parent
    # platform/ holds packages (sila, accounts, ...) importable by their own names. It is appended,
    # never inserted first, and has no __init__.py: `import platform` stays the standard library's.
    sys.path.append(str(root / "platform"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sila.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
