"""Gunicorn for Sila's web container: `gunicorn -c deploy/gunicorn.conf.py` (see deploy/README.md).

Every value can be overridden from the environment, so one image serves small and large hosts.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

# The repository root and platform/ (sila, accounts) must be importable before gunicorn loads
# the app. Appended, never inserted first: `import platform` stays the standard library's.
_root = Path(__file__).resolve().parents[1]
for _path in (str(_root), str(_root / "platform")):
    if _path not in sys.path:
        sys.path.append(_path)

wsgi_app = "sila.wsgi:application"
bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]

# Sync workers, one request each: (2 x cores) + 1 by default. Every worker holds its own
# database connection(s), so mind PostgreSQL's max_connections when raising this.
workers = int(os.environ.get("WEB_CONCURRENCY", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows for long.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# The worker heartbeat file on tmpfs: a container's overlay filesystem can stall it. (gunicorn
# creates it with mkstemp and unlinks it at once, so a shared directory is safe.)
_tmpfs = "/dev/shm"  # noqa: S108
if os.path.isdir(_tmpfs):
    worker_tmp_dir = _tmpfs

# Logs to stdout/stderr for the container runtime.
accesslog = "-"
errorlog = "-"
# Request lines carry follow/rating links and tokens: masked (no log line holds a secret link).
logger_class = "sila.log_filters.GunicornLogger"
loglevel = os.environ.get("SILA_LOG_LEVEL", "info").lower()
