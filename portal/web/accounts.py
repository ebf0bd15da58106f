"""New accounts made by registering: the user name and password checked before anything is
written; the account added first and removed again when the registry refuses the
registration (a registry event cannot be undone, an account can)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import abort, current_app

from portal.web.fields import Fields
from portal.web.session import now
from webcore import MIN_PASSWORD, AccountStore, Role, WebError, auth, check_password, check_username


def store() -> AccountStore:
    """The instance's accounts (503 when it has none: nobody can register or log in)."""
    found: AccountStore | None = current_app.extensions.get(auth.STORE)
    if found is None:
        abort(503)
    return found


def new_login(fields: Fields) -> tuple[str, str]:
    """The user name and password typed, checked: the name well formed and free, the
    password long enough and typed twice alike."""
    username = fields.raw("username").lower()
    password = fields.form.get("password", "")
    try:
        check_username(username)
    except WebError:
        fields.add(
            "username",
            "用户名只能由小写字母、数字和 . _ - 组成，以字母或数字开头，最多 64 个字符。",
        )
    else:
        if store().account(username) is not None:
            fields.add("username", "该用户名已被使用，请换一个。")
    try:
        check_password(password)
    except WebError:
        fields.add(
            "password", f"密码至少 {MIN_PASSWORD} 个字符（可用一句好记的话），最多 1024 个。"
        )
    if fields.form.get("password2", "") != password:
        fields.add("password2", "两次输入的密码不一致，请重新输入。")
    return username, password


@contextmanager
def new_account(username: str, password: str, role: Role, scope: str) -> Iterator[None]:
    """Add the account, run the block (the registry's registration), and remove the account
    again when the block fails: no account without its registration, nor the reverse."""
    accounts = store()
    accounts.add(username, password, role, at=now(), scope=scope)
    try:
        yield
    except BaseException:
        accounts.remove(username)
        raise


__all__ = ["new_account", "new_login", "store"]
