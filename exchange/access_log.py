"""Secret links kept out of the logs: a password-reset or invitation token in a request line
or a Referer is replaced by `…` before the line is written.

The app's own pages help too (the reset token leaves the address at once, and secret pages
send no Referer); this catches what a browser sent anyway. `RedactSecretLinks` filters the
development server's log (Werkzeug); gunicorn.conf.py puts `redact` into gunicorn's.
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactSecretLinks", "redact"]

_SECRET_PATH = re.compile(r"(/auth/(?:reset|invitation)/)[^/?#\s\"']+")


def redact(text: str) -> str:
    """`text` with every token of a secret link replaced by `…`.

    >>> redact('"GET /auth/reset/WzEsIm.abc HTTP/1.1" 302')
    '"GET /auth/reset/… HTTP/1.1" 302'
    """
    return _SECRET_PATH.sub(r"\1…", text)


class RedactSecretLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = redact(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


def init_app(_app) -> None:
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSecretLinks) for f in werkzeug.filters):
        werkzeug.addFilter(RedactSecretLinks())
