"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""

from merchant_onboard import create_app

app = create_app()
