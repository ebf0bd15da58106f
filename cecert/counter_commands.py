"""``cecert counter``: the bureau's counter from a terminal, the same calls as the portal's
``/counter`` pages (:class:`registry.store.counter.CounterDesk`) with the same names.

A clerk acts as their portal account (``--clerk``, a ``bureau`` account of
``<home>/portal``): its region is what they may act on, and the second clerk must be
another account. Nothing here holds a key; ``cecert issue --requests`` does what is queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from cecert.account_commands import resolve_instance
from cecert.choices import REVOCATION_REASON
from cecert.command import Command, Group
from cecert.options import home_option, now, resolve_home
from registry import RegistryError
from registry.model import RevocationReason
from registry.portal import Actor, PortalRole
from registry.portal.counter import REISSUE_REASONS, CounterAction, CounterKind
from registry.store import Registry

_CLERK = click.option(
    "--clerk",
    required=True,
    help="办理人的平台账户（人社局账户）(the clerk's portal account, a bureau account)",
)


@contextmanager
def _desk(home: Path | None, clerk: str) -> Iterator[tuple[Registry, Actor]]:
    """The registry and the clerk as an actor (``no_such_account``, ``not_a_clerk``)."""
    from webcore import AccountStore

    target = resolve_home(home)
    target.config()
    store = AccountStore.open(resolve_instance(home, None, portal=True))
    account = store.account(clerk) if store is not None else None
    if account is None:
        raise RegistryError("no_such_account", f"平台没有账户 {clerk} (no portal account {clerk})")
    if account.role.value != PortalRole.BUREAU.value or not account.scope:
        raise RegistryError(
            "not_a_clerk", f"{clerk} 不是人社局账户 ({clerk} is not a bureau account)"
        )
    registry = Registry.open(target.registry_path)
    try:
        yield registry, Actor(account.username, PortalRole.BUREAU, account.scope)
    finally:
        registry.close()


def _line(action: CounterAction) -> str:
    return (
        f"窗口业务 {action.id}：{action.kind.label_zh} {action.number}，{action.state.label_zh} "
        f"(counter action {action.id}: {action.kind.value} {action.number}, {action.state.value})"
    )


@click.group("counter", cls=Group)
def counter_group() -> None:
    """人社局窗口业务：补办、续办、更正、撤销及复核 (the bureau's counter).

    The same actions as the portal's /counter pages: a clerk asks, a second clerk approves
    revocations and identity corrections, `cecert issue --requests` does them.
    """


@counter_group.command("ask", cls=Command)
@home_option
@_CLERK
@click.argument("kind", type=click.Choice([k.value for k in CounterKind]))
@click.argument("number")
@click.option("--year", type=int, default=None, help="年度（默认最近一年）(the edition's year)")
@click.option(
    "--reason",
    default="",
    help="补办：" + "/".join(REISSUE_REASONS)
    + "；撤销：" + "/".join(r.value for r in RevocationReason),
)  # fmt: skip
@click.option("--note", default="", help="备注：撤销的依据、更正的理由 (grounds or reason)")
@click.option("--name", default=None, help="更正后的姓名 (the corrected name)")
@click.option("--id-number", default=None, help="更正后的身份证号 (the corrected ID number)")
@click.option("--token", default=None, help="同一令牌只受理一次（默认随机）(asks once per token)")
def ask(
    home: Path | None,
    clerk: str,
    kind: str,
    number: str,
    year: int | None,
    reason: str,
    note: str,
    name: str | None,
    id_number: str | None,
    token: str | None,
) -> None:
    """提交窗口业务 (ask for a reissue, renewal, correction or revocation of NUMBER)."""
    import secrets

    with _desk(home, clerk) as (registry, actor):
        asked = registry.counter.request(
            actor, kind=CounterKind(kind), number=number, token=token or secrets.token_urlsafe(16),
            at=now(), year=year, reason=reason, note=note, name=name, id_number=id_number,
        )  # fmt: skip
    click.echo(_line(asked))


@counter_group.command("revoke-list", cls=Command)
@home_option
@_CLERK
@click.argument("numbers_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--reason", required=True, type=REVOCATION_REASON, help="撤销原因 (why)")
@click.option("--note", required=True, help="依据，如调查文书编号 (the grounds)")
def revoke_list(home: Path | None, clerk: str, numbers_file: Path, reason: str, note: str) -> None:
    """按名单撤销（每行一个证书编号，或一列的 CSV）(revoke a list of numbers)."""
    import secrets

    try:
        text = numbers_file.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError("bad_list", f"{numbers_file}: 无法读取名单 ({exc})") from exc
    numbers = [line.split(",")[0].strip() for line in text.splitlines()]
    numbers = [n for n in numbers if n and n not in {"证书编号", "number"}]
    with _desk(home, clerk) as (registry, actor):
        asked = registry.counter.request_revocations(
            actor, numbers, reason=reason, note=note, token=secrets.token_urlsafe(16), at=now()
        )
    click.echo(
        f"已提交撤销名单：{len(asked)} 个证书，等待另一名工作人员复核 "
        f"(list of {len(asked)} revocations waiting for a second clerk; batch {asked[0].batch})"
    )


@counter_group.command("waiting", cls=Command)
@home_option
@_CLERK
def waiting(home: Path | None, clerk: str) -> None:
    """等待复核的业务 (actions waiting for a second clerk)."""
    with _desk(home, clerk) as (registry, actor):
        page = registry.counter.awaiting_second(actor, limit=200)
    for action in page.items:
        click.echo(f"{_line(action)}；提交人 {action.requested_by}；版本 {action.version}")
    if not page.items:
        click.echo("没有等待复核的业务 (nothing waits for a second clerk)")


@counter_group.command("approve", cls=Command)
@home_option
@_CLERK
@click.argument("ident", type=int)
@click.option("--version", type=int, required=True, help="所见的版本 (the version seen)")
def approve(home: Path | None, clerk: str, ident: int, version: int) -> None:
    """复核同意 (approve another clerk's action)."""
    with _desk(home, clerk) as (registry, actor):
        click.echo(_line(registry.counter.approve(actor, ident, version=version, at=now())))


@counter_group.command("refuse", cls=Command)
@home_option
@_CLERK
@click.argument("ident", type=int)
@click.option("--version", type=int, required=True, help="所见的版本 (the version seen)")
@click.option("--reason", required=True, help="不同意的理由 (why)")
def refuse(home: Path | None, clerk: str, ident: int, version: int, reason: str) -> None:
    """复核不同意 (refuse another clerk's action)."""
    with _desk(home, clerk) as (registry, actor):
        refused = registry.counter.refuse(actor, ident, version=version, reason=reason, at=now())
    click.echo(_line(refused))


@counter_group.command("withdraw", cls=Command)
@home_option
@_CLERK
@click.argument("ident", type=int)
@click.option("--version", type=int, required=True, help="所见的版本 (the version seen)")
def withdraw(home: Path | None, clerk: str, ident: int, version: int) -> None:
    """撤回本人提交、尚未复核的业务 (withdraw one's own action no one has approved)."""
    with _desk(home, clerk) as (registry, actor):
        click.echo(_line(registry.counter.withdraw(actor, ident, version=version, at=now())))


@counter_group.command("approve-list", cls=Command)
@home_option
@_CLERK
@click.argument("batch")
def approve_list(home: Path | None, clerk: str, batch: str) -> None:
    """复核同意整份撤销名单 (approve every revocation of a list, by its batch)."""
    with _desk(home, clerk) as (registry, actor):
        approved = registry.counter.approve_batch(actor, batch, at=now())
    click.echo(
        f"已同意撤销名单中的 {len(approved)} 个证书 "
        f"(approved the list's {len(approved)} revocations)"
    )


@counter_group.command("find", cls=Command)
@home_option
@_CLERK
@click.argument("query")
@click.option("--name", default="", help="按隐去部分数字的身份证号查找时的姓名 (the name)")
@click.option("--employer", default="", help="按姓名查找时单位名称的一部分 (the employer)")
def find(home: Path | None, clerk: str, query: str, name: str, employer: str) -> None:
    """查找持证人：证书编号、身份证号或姓名 (find a holder in the clerk's region)."""
    from registry import mask_id_number

    with _desk(home, clerk) as (registry, actor):
        found = registry.counter.find(actor, query, name=name, employer=employer)
    for holder in found:
        person = holder.person
        click.echo(
            f"{person.name}  {mask_id_number(person.id_number)}  {person.employer or '—'}  "
            f"证书编号 {holder.number or '（尚未发证）'}"
        )
    if not found:
        click.echo("本辖区没有找到符合条件的人员 (nobody of the clerk's region matches)")


__all__ = ["counter_group"]
