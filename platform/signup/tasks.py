"""The provisioning job: runs on the public schema (it creates a schema, it does not live in one)."""

from __future__ import annotations

from procrastinate.contrib.django import app

QUEUE = "signups"


@app.task(queue=QUEUE, name="signup.provision")
def signup_provision_job(*, signup_id: str) -> None:
    from signup.services import signup_provision

    signup_provision(signup_id=signup_id)
