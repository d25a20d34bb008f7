"""Sila's Django project: settings, URL maps, WSGI/ASGI entry points and the embedded database."""
