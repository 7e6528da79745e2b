"""The request id on every log line, so that the id a user quotes from the 500 page finds the
traceback (and everything else that request logged)."""

from __future__ import annotations

import logging

from huying.core.middleware import current_request_id


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id``: the current request's, ``-`` outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = current_request_id() or "-"
        return True
