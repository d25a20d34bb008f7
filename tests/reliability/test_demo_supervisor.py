"""The demo keeps its background worker alive and stops it on SIGTERM as on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sila.supervisor import WorkerSupervisor


def test_a_worker_that_dies_is_started_again_and_stop_ends_it(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    script = (
        f"import pathlib, time; p = pathlib.Path({str(starts)!r}); "
        "p.write_text(p.read_text() + 'x' if p.exists() else 'x'); time.sleep(0.3)"
    )
    supervisor = WorkerSupervisor(
        [sys.executable, "-c", script], env=dict(os.environ), log=lambda _: None, pause=0.1
    )
    supervisor.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(starts.read_text() if starts.exists() else "") < 3:
        time.sleep(0.1)
    supervisor.stop()
    assert len(starts.read_text()) >= 3
    assert supervisor.restarts >= 2
    assert supervisor.process is not None
    assert supervisor.process.poll() is not None  # nothing left running


def test_sigterm_stops_the_supervised_worker(tmp_path: Path) -> None:
    """A stand-in for `manage.py demo`: the same SIGTERM handling around a blocking server."""
    pidfile = tmp_path / "worker.pid"
    child = f"import os, pathlib, time; pathlib.Path({str(pidfile)!r}).write_text(str(os.getpid())); time.sleep(600)"
    program = textwrap.dedent(
        f"""
        import os, signal, sys, time
        from sila.supervisor import WorkerSupervisor, interrupt_on_sigterm
        supervisor = WorkerSupervisor([sys.executable, "-c", {child!r}], env=dict(os.environ), log=print)
        interrupt_on_sigterm()
        supervisor.start()
        try:
            time.sleep(600)
        except KeyboardInterrupt:
            pass
        finally:
            supervisor.stop()
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path.cwd()), str(Path.cwd() / "platform")])}
    demo = subprocess.Popen([sys.executable, "-c", program], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not pidfile.exists():
        time.sleep(0.1)
    worker_pid = int(pidfile.read_text())
    demo.send_signal(signal.SIGTERM)
    assert demo.wait(timeout=40) == 0
    time.sleep(0.2)
    try:
        os.kill(worker_pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert alive is False
