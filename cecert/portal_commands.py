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
from cecert.serving_options import (
    listen_options,
    login_rate_limit_option,
    proxy_options,
    rate_limit_option,
)


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
@listen_options(port=8001)
@login_rate_limit_option
@rate_limit_option("register", "10/hour", zh="注册次数", en="registrations")
@proxy_options
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
