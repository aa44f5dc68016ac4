"""Logs that never carry case data.

An exception's message can quote what was being processed (a database error repeats the
values of the failing row, for instance), so the app's log lines keep an exception's type
and where it happened, never its message. (URLs carry record ids only, never case data.)
"""

import logging
import traceback

from flask import Flask


class NoExceptionMessages(logging.Formatter):
    def formatException(self, exc_info) -> str:  # noqa: N802 - logging's own name
        kind, error, tb = exc_info
        frames = "".join(traceback.format_tb(tb))
        causes = []
        while error is not None and (error.__cause__ or error.__context__):
            error = error.__cause__ or error.__context__
            causes.append(type(error).__name__)
        chain = f" (caused by {' <- '.join(causes)})" if causes else ""
        return (f"Traceback (most recent call last):\n{frames}"
                f"{kind.__name__}: [message withheld]{chain}")


def init_app(app: Flask) -> None:
    formatter = NoExceptionMessages("[%(asctime)s] %(levelname)s in %(module)s: %(message)s")
    for handler in app.logger.handlers or []:
        handler.setFormatter(formatter)
    if not app.logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(formatter)
        app.logger.addHandler(handler)
    app.logger.propagate = app.testing  # tests capture through the root logger
