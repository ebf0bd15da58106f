"""The options of a command that runs a web application (``cecert serve``, ``cecert portal
serve``): where it listens and with how many workers, how often one client may try, and what
the reverse proxy in front of it is trusted with."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def listen_options(port: int) -> Callable[[F], F]:
    """``--host``, ``--port`` (default ``port``), ``--workers`` and ``--threads``."""

    def decorate(func: F) -> F:
        func = click.option(
            "--threads",
            default=4,
            show_default=True,
            type=click.IntRange(1, 64),
            help="每个工作进程的线程数 (threads per worker process)",
        )(func)
        func = click.option(
            "--workers",
            default=2,
            show_default=True,
            type=click.IntRange(1, 64),
            help="工作进程数 (worker processes)",
        )(func)
        func = click.option(
            "--port", default=port, show_default=True, type=int, help="端口 (port)"
        )(func)
        return click.option(
            "--host", default="127.0.0.1", show_default=True, help="监听地址 (address)"
        )(func)

    return decorate


def rate_limit_option(action: str, default: str, *, zh: str, en: str) -> Callable[[F], F]:
    """``--rate-limit-ACTION``: how many ``action`` one client address may do in a period
    (the application's ``RATE_LIMIT_ACTION``); ``zh`` and ``en`` name what is counted."""
    return click.option(
        f"--rate-limit-{action}",
        default=default,
        show_default=True,
        help=f"每个客户端地址的{zh}上限 ({en} per client, RATE_LIMIT_{action.upper()})",
    )


login_rate_limit_option = rate_limit_option(
    "login", "10/minute", zh="登录尝试", en="login attempts"
)
"""``--rate-limit-login``: the login attempts one client address may make."""


def proxy_options(func: F) -> F:
    """``--proxy-fix N`` (reverse proxies in front) and ``--hsts-max-age SECONDS``."""
    func = click.option(
        "--hsts-max-age",
        default=0,
        show_default=True,
        type=click.IntRange(0),
        help="发送 Strict-Transport-Security 及此 max-age，仅限 TLS 之后 (HSTS max-age)",
    )(func)
    return click.option(
        "--proxy-fix",
        default=0,
        show_default=True,
        type=click.IntRange(0, 8),
        help="前置反向代理的层数：信任这么多层 X-Forwarded-For/-Proto (reverse proxies in front)",
    )(func)


__all__ = ["listen_options", "login_rate_limit_option", "proxy_options", "rate_limit_option"]
