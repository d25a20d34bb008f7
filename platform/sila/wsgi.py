import os
import sys
from pathlib import Path

# The packages under platform/ are importable by their own names; platform/ itself never is.
_root = Path(__file__).resolve().parents[2]
for _path in (str(_root), str(_root / "platform")):
    if _path not in sys.path:
        sys.path.append(_path)

from django.core.wsgi import get_wsgi_application  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sila.settings.dev")
application = get_wsgi_application()
