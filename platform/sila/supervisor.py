"""The demo's process supervision, free of Django so it can be tested (and used) on its own."""

from __future__ import annotations

import signal
import subprocess
import threading
from typing import Any


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def interrupt_on_sigterm() -> Any:
    """SIGTERM raises KeyboardInterrupt, like Ctrl-C: `finally` blocks and atexit hooks run (they
    stop the worker and the embedded database). Returns the previous handler."""
    return signal.signal(signal.SIGTERM, _interrupt)


class WorkerSupervisor:
    """Keeps one worker process alive: started again (after a short pause) whenever it exits."""

    def __init__(self, command: list[str], *, env: dict[str, str], log: Any, pause: float = 1.0) -> None:
        self.command, self.env, self.log, self.pause = command, env, log, pause
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="worker-supervisor", daemon=True)

    def _spawn(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env)  # noqa: S603 - our own manage.py

    def start(self) -> None:
        self._spawn()
        self._thread.start()

    def _watch(self) -> None:
        while not self._stopping.wait(self.pause):
            if self.process is not None and self.process.poll() is not None and not self._stopping.is_set():
                self.restarts += 1
                self.log(f"The background worker exited ({self.process.returncode}); starting it again.")
                self._spawn()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
