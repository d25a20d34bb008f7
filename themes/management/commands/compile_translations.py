from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every .po catalogue under LOCALE_PATHS to .mo, in pure Python (no gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        import polib  # type: ignore[import-untyped,unused-ignore]  # flagged or not by mypy depending on its cache

        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                untranslated = [e.msgid for e in catalogue.untranslated_entries()]
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"{po_path}: {catalogue.percent_translated()}% translated")
                for msgid in untranslated:
                    self.stderr.write(f"  untranslated: {msgid}")
