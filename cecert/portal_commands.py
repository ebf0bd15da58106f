"""``cecert portal serve``: the continuing-education portal (:mod:`portal.web`).

The portal opens the home's registry read-write and its proof files; it never opens
``<home>/keys`` and never imports ``signer`` or ``keys.private``: the approved applications
it writes are issued where the keys are (``cecert issue --requests``).
"""

from __future__ import annotations

from pathlib import Path

import click

from cecert.account_commands import resolve_instance
from cecert.command import Group
from cecert.options import home_option, resolve_home


@click.group("portal", cls=Group)
def portal_group() -> None:
    """继续教育管理平台：个人申报、单位审核、主管部门和人社局认定 (the portal).

    The continuing-education portal: professionals declare, employers review, industry
    authorities and bureaus confirm; approved applications are issued by the signer.
    """


@portal_group.command("serve")
@home_option
@click.option(
    "--instance",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="平台的实例目录：账户与会话密钥（默认 <home>/portal）"
    "(the portal's instance folder: accounts and the session secret)",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 (address)")
@click.option("--port", default=8001, show_default=True, type=int, help="端口 (port)")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="工作进程数 (worker processes)",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="每个工作进程的线程数 (threads per worker process)",
)
@click.option(
    "--rate-limit-login",
    default="10/minute",
    show_default=True,
    help="每个客户端地址的登录尝试上限 (login attempts per client, RATE_LIMIT_LOGIN)",
)
@click.option(
    "--rate-limit-register",
    default="10/hour",
    show_default=True,
    help="每个客户端地址的注册次数上限 (registrations per client, RATE_LIMIT_REGISTER)",
)
@click.option(
    "--proxy-fix",
    default=0,
    show_default=True,
    type=click.IntRange(0, 8),
    help="前置反向代理的层数：信任这么多层 X-Forwarded-For/-Proto (reverse proxies in front)",
)
@click.option(
    "--hsts-max-age",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="发送 Strict-Transport-Security 及此 max-age，仅限 TLS 之后 (HSTS max-age)",
)
def serve(
    home: Path | None,
    instance: Path | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    rate_limit_login: str,
    rate_limit_register: str,
    proxy_fix: int,
    hsts_max_age: int,
) -> None:
    """运行继续教育管理平台 (serve the portal).

    \b
    专业技术人员和用人单位在平台上自行注册；行业主管部门和人社局的账户用
    cecert accounts add 开设。实例目录（默认 <home>/portal）没有账户文件
    和会话密钥时在此创建。平台不读取私钥：经审核的申请由 cecert issue --requests 签发。

    Professionals and employers register themselves; authority and bureau accounts are
    made with `cecert accounts add`. The instance folder's accounts file and session
    secret are created here when missing. The portal opens no private key: approved
    applications are issued by `cecert issue --requests` where the keys are.
    """
    from portal.web import create_app
    from webcore import AccountStore, ensure_secret_key
    from webcore.server import serve as run_server

    target = resolve_home(home)
    folder = resolve_instance(home, instance, portal=True).absolute()
    AccountStore.create(folder)
    ensure_secret_key(folder)
    app = create_app(
        {
            "HOME": str(target.root.absolute()),
            "RATE_LIMIT_LOGIN": rate_limit_login,
            "RATE_LIMIT_REGISTER": rate_limit_register,
            "PROXY_FIX": proxy_fix or None,
            "HSTS_MAX_AGE": hsts_max_age or None,
        },
        instance_path=str(folder),
    )
    click.echo(f"继续教育管理平台：http://{host}:{port}/ (portal on http://{host}:{port}/)")
    run_server(app, host=host, port=port, workers=workers, threads=threads)


__all__ = ["portal_group", "serve"]
