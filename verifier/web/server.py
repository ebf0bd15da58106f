"""Serving the verifier with gunicorn, a production WSGI server (pre-forked workers)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(app: Flask, *, host: str, port: int, workers: int = 2) -> None:
    """Serve ``app`` on ``host:port`` until interrupted. Workers are forked after the app
    (and its trust list) is loaded; each opens its own read-only registry connection."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "limit_request_line": 8190,
        "timeout": 30,
    }
    _Server(app, options).run()
