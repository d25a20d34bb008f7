"""Per-association file storage that leaves nothing half-written behind.

Django's file system storage writes straight to the final path; when the disk fills up (or the
process may write no more) the write fails and the truncated file stays. Here a failed save
removes what it wrote and raises, so the service's transaction rolls back with no orphan file.
"""

from __future__ import annotations

import os
from typing import Any

from django_tenants.files.storage import TenantFileSystemStorage


class TenantStorage(TenantFileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        try:
            return str(super()._save(name, content))
        except OSError:
            # _save picked the final name before it failed writing: the file under that name
            # (if any) is ours and incomplete. get_available_name chose a name nobody else held.
            path = self.path(name)
            if os.path.exists(path) and os.path.getsize(path) < (getattr(content, "size", 0) or 1):
                os.remove(path)
            raise
