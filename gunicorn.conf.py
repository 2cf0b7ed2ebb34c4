"""Gunicorn settings: `gunicorn 'exchange:create_app()'` reads this file from the working folder.

Every figure can be overridden from the environment, so one file serves every machine.
"""

import os

bind = os.environ.get("PORT") and f"0.0.0.0:{os.environ['PORT']}" or "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Above the longest request (a PDF report, a sheet import); solving runs in `flask worker`.
timeout = 120
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# The reverse proxy on the same machine sets X-Forwarded-For/-Proto; trust only it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def _redacting_logger():
    """gunicorn's logger, with reset and invitation tokens taken out of every access-log
    field (the request line, the path, the Referer, any header): see exchange.access_log."""
    from gunicorn.glogging import Logger

    from exchange.access_log import redact

    class RedactingLogger(Logger):
        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            return {k: redact(v) if isinstance(v, str) else v for k, v in atoms.items()}

    return RedactingLogger


logger_class = _redacting_logger()
