"""``cecert portal serve``: the continuing-education portal (:mod:`portal.web`).

The portal opens the home's registry read-write and its proof files; it never opens
``<home>/keys`` and never imports ``signer`` or ``keys.private``: the approved applications
it writes are issued where the keys are (``cecert issue --requests``).
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from cecert.account_commands import resolve_instance
from cecert.command import Group
from cecert.options import home_option, now, resolve_home
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


@portal_group.command("stats")
@home_option
@click.option("--year", type=int, default=None,
              help="统计的年度（默认上一年） (the year; default: last year)")  # fmt: skip
@click.option(
    "--every", type=click.IntRange(min=10), default=None, metavar="SECONDS",
    help="每隔若干秒检查一次，登记库有变化时重新统计（不退出） "
    "(keep running: refresh whenever the registry has changed, checking every SECONDS)",
)  # fmt: skip
def stats(home: Path | None, year: int | None, every: int | None) -> None:
    """重新统计年度学时完成情况 (refresh the year at a glance).

    \b
    按签发所用的学时规则逐人核算该年度，写入统计表，供人社局和用人单位的
    “年度统计”页面读取。网页从不自行核算：统计由本命令（或带 --every 常驻）完成。

    Judges everyone's year with the rules issuance uses and writes the figures the
    bureau's and the employer's "year at a glance" pages read; no page judges a million
    people itself.
    """
    from registry import CHINA_TZ
    from registry.store import Registry

    target = resolve_home(home)
    policy = target.config().default_policy
    while True:
        chosen = year or now().astimezone(CHINA_TZ).year - 1  # each time: New Year moves it
        with Registry.open(target.registry_path) as registry:
            fresh = registry.standings.freshness(chosen)
            if fresh is None or fresh.stale or every is None:
                started = time.monotonic()
                people = registry.standings.refresh(chosen, default_policy=policy, at=now())
                took = time.monotonic() - started
                click.echo(
                    f"{chosen} 年度统计已更新：{people} 人，用时 {took:.1f} 秒 "
                    f"({chosen}: {people} people judged)"
                )
        if every is None:
            return
        time.sleep(every)


__all__ = ["portal_group", "serve", "stats"]
