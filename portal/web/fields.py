"""Reading a submitted form field by field: each value checked, each refusal kept under its
field's name in Chinese, so that a page shows every problem at once beside its field and
nothing is stored while one remains."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.datastructures import MultiDict

from keys import CecertError
from registry.model import check_text


class Fields:
    """The fields of one submitted form and the problems found in them."""

    def __init__(self, form: MultiDict[str, str]) -> None:
        self.form = form
        self.errors: dict[str, str] = {}
        """Field name → what is wrong with it and what to do, in Chinese."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, name: str, message: str) -> None:
        """Keep the first problem of a field (the one to fix first)."""
        self.errors.setdefault(name, message)

    @contextmanager
    def field(self, name: str) -> Iterator[None]:
        """Refusals raised inside become ``name``'s problem (their message as written:
        Chinese first)."""
        try:
            yield
        except CecertError as exc:
            self.add(name, exc.message)

    def raw(self, name: str) -> str:
        return self.form.get(name, "").strip()

    def text(self, name: str, label: str, *, limit: int = 100, required: bool = True) -> str:
        """A line of text, stripped: required unless told, at most ``limit`` characters,
        nothing invisible or a control character."""
        value = self.raw(name)
        if not value:
            if required:
                self.add(name, f"请填写{label}。")
            return ""
        if len(value) > limit:
            self.add(name, f"{label}最多 {limit} 个字，现有 {len(value)} 个字，请删减。")
            return value
        with self.field(name):
            check_text(value, field=label)
        return value

    def date(self, name: str, label: str, *, required: bool = True) -> dt.date | None:
        """A date ``YYYY-MM-DD`` (what a date input sends)."""
        value = self.raw(name)
        if not value:
            if required:
                self.add(name, f"请选择{label}。")
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.add(name, f"{label}不是有效日期，请按 年-月-日 填写，如 2025-03-01。")
            return None

    def choice(self, name: str, label: str, choices: dict[str, str]) -> str | None:
        """One of ``choices`` (value → label)."""
        value = self.raw(name)
        if value not in choices:
            self.add(name, f"请选择{label}。")
            return None
        return value

    def not_after(self, name: str, label: str, value: dt.date | None, today: dt.date) -> None:
        if value is not None and value > today:
            self.add(name, f"{label}不能晚于今天（{today:%Y-%m-%d}）。")


def without_english(message: str) -> str:
    """A refusal as a person reads it: the store's Chinese, without the English gloss in
    parentheses that ends it, or each of its parts (kept for logs and the API)."""
    return "；".join(_GLOSS.sub("", part) for part in message.split("；"))


_GLOSS = re.compile(r"\s*\([\x20-\x7e]*\)$")


__all__ = ["Fields", "without_english"]
