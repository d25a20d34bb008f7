from __future__ import annotations

import os
import secrets
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command, load_command_class
from django.core.management.base import BaseCommand, CommandParser
from django.core.servers.basehttp import WSGIServer

from billing.demo import start_fake_stripe, subscription_story
from casework.sms_standin import GatewayStandin
from sila.demo import demo_setup
from sila.supervisor import WorkerSupervisor, interrupt_on_sigterm


class DemoServer(WSGIServer):
    """Django's development server with a deep listen queue (gunicorn's is 2048; Django's 10): with
    the default, 24 of fifty clients' requests had their connection reset unanswered in a `make
    chaos` run, none with this one (docs/reliability.md)."""

    request_queue_size = 1024


def demo_runserver() -> BaseCommand:
    """The `runserver` command (staticfiles' own, which serves the static files) on DemoServer."""
    command = load_command_class("django.contrib.staticfiles", "runserver")
    command.server_cls = DemoServer  # type: ignore[attr-defined]
    return command


class Command(BaseCommand):
    help = "Set up the demo (platform + five associations, with logins) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--addr", default="127.0.0.1")
        parser.add_argument(
            "--credentials-file",
            type=Path,
            default=Path(settings.BASE_DIR) / ".sila" / "demo-credentials.json",
        )
        parser.add_argument("--no-serve", action="store_true", help="set up only; do not start the server")

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        data = demo_setup(port=port, credentials_file=options["credentials_file"])
        w = self.stdout.write
        w(self.style.SUCCESS("\nSila demo is ready.\n"))
        w(f"Platform: {data['platform']['url']}  (sign-up: /signup/, platform console: /console/)")
        w("   Platform admin (the console needs the authenticator code):")
        for login in data["platform"]["logins"]:
            w(f"   {login['email']} / {login['password']}")
            if login.get("totp_secret"):
                w(f"   authenticator key {login['totp_secret']} (or: manage.py demo_totp {login['email']})")
        for entry in data["associations"]:
            w(f"\n{entry['name_ar']} — {entry['name_en']}\n   {entry['url']}")
            for login in entry["logins"]:
                w(f"   {login['email']:<38} {login['password']:<18} {', '.join(login['roles'])}")
            w("   (API tokens for each login are in the credentials file)")
            if not entry.get("policy_in_force", True):
                w(
                    "   Its policy awaits the board: sign in as a board member and approve it, then run"
                    " `make demo` again to add its sample requests."
                )
        w(f"\nLogins saved to {options['credentials_file']}")
        if options["no_serve"]:
            return
        w(
            f"Serving on {data['platform']['url']} (Ctrl-C stops the server, the worker and the embedded database)\n"
        )
        # localstripe (a fake Stripe) runs beside the server, like the embedded database.
        fake_stripe, stripe_env = start_fake_stripe(port)
        threading.Thread(target=subscription_story, args=(port, w), daemon=True).start()
        # The background worker (reminders, alerts, satisfaction requests, sign-ups) runs beside the
        # server, restarted if it dies; SIGTERM stops everything as Ctrl-C does (the embedded
        # database stops when its last user exits normally).
        env = {**os.environ, "SILA_PUBLIC_PORT": str(port), **stripe_env}
        gateway = None
        if "SILA_SMS_BACKEND" not in os.environ:
            # Text messages go through the real Taqnyat backend to a local stand-in of the gateway.
            # Like the real one, it reports each message's delivery to the platform's callback.
            dlr_token = secrets.token_urlsafe(16)
            gateway = GatewayStandin(
                token=secrets.token_urlsafe(16),
                senders=(settings.SILA_SMS_SENDER,),
                outbox=Path(settings.BASE_DIR) / ".sila" / "sms-outbox.jsonl",
                dlr_url=f"http://localhost:{port}/sms/delivery-reports/",
                dlr_token=dlr_token,
            ).start()
            sms_settings = {
                "SILA_SMS_BACKEND": "casework.sms.TaqnyatSmsBackend",
                "SILA_SMS_URL": gateway.url,
                "SILA_SMS_TOKEN": gateway.state.token,
                "SILA_SMS_DLR_TOKEN": dlr_token,
            }
            env.update(sms_settings)
            for name, value in sms_settings.items():
                setattr(settings, name, value)
            w(f"Text messages sent (the SMS gateway stand-in): http://127.0.0.1:{gateway.port}/\n")
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "procrastinate", "worker"]
        supervisor = WorkerSupervisor(command, env=env, log=self.stderr.write)
        previous = interrupt_on_sigterm()
        supervisor.start()
        try:
            call_command(demo_runserver(), f"{options['addr']}:{port}", use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            supervisor.stop()
            fake_stripe.stop()
            if gateway is not None:
                gateway.stop()
            signal.signal(signal.SIGTERM, previous)
