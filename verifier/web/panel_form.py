"""The panel form as posted (职称评审核查): read, checked, and carried again.

:func:`read_form` reads the request — the form, the form shown again after a problem, or the
report page's hidden copy of it — into a :class:`PanelForm`: the QR texts, the files (those
re-posted as Base64 unless their 不再核查 box is ticked, then the new uploads), the ID number,
level, rule and dates, and every :class:`Problem` with the field it concerns. No level is
assumed, and a rule must be in force on the evaluation date.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import request

from registry import RegistryError, TitleLevel, parse_id_number
from registry.titles import title_rule_refusal, title_rules
from verifier import CandidateRecords

MAX_CERTIFICATES = 100
"""Most certificates (QR lines plus files) one check verifies."""
FIELDS_ZH = {
    "qr": "申报人的证书",
    "files": "证书文件",
    "id_number": "身份证号",
    "level": "申报级别",
    "rule": "评审规则",
    "evaluation_date": "评审日期",
    "title_date": "取得现职称时间",
    "digest": "报告摘要",
}
"""The form's fields (their element ids) as a problem names them."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the form, and the field it concerns."""

    field: str
    """The field's element id (a key of :data:`FIELDS_ZH`)."""
    zh: str
    en: str

    @property
    def field_zh(self) -> str:
        return FIELDS_ZH[self.field]


@dataclass
class PanelForm:
    """The panel form as submitted, read and checked; ``problems`` lists what is wrong."""

    values: dict[str, str]
    """The text fields as entered, to fill the form again."""
    texts: list[str] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    """Every file to verify: those re-posted as Base64 (not dropped), then those uploaded."""
    id_number: str | None = None
    level: TitleLevel | None = None
    """None until the user chooses one: there is no default level."""
    evaluation_date: dt.date | None = None
    title_date: dt.date | None = None
    problems: list[Problem] = field(default_factory=list)

    def uploads(self) -> list[tuple[str, str]]:
        """The files as ``(name, Base64)``, to post them again."""
        return [(name, base64.b64encode(data).decode()) for name, data in self.files]

    def hidden(self) -> list[tuple[str, str]]:
        """The same input as hidden form fields, for the report page's PDF button."""
        pairs = [("qr", line) for line in self.texts]
        for name, data in self.uploads():
            pairs += [("upload_name", name), ("upload_data", data)]
        keys = ("id_number", "level", "rule", "evaluation_date", "title_date", "direct")
        return pairs + [(key, self.values[key]) for key in keys if self.values.get(key)]

    def problem(self, where: str, zh: str, en: str) -> None:
        self.problems.append(Problem(where, zh, en))


def _date(
    values: Mapping[str, str], key: str, zh: str, en: str
) -> tuple[dt.date | None, Problem | None]:
    text = values.get(key, "")
    if not text:
        return None, None
    try:
        return dt.date.fromisoformat(text), None
    except ValueError:
        return None, Problem(
            key, f"{zh}“{text}”不是有效日期（格式 YYYY-MM-DD）。", f"{en}: not a date."
        )


def _read_files(form: PanelForm) -> None:
    """The files posted again as Base64 (but those whose 不再核查 box is ticked, by their
    index among ``upload_name``), then the new uploads."""
    names, blobs = request.form.getlist("upload_name"), request.form.getlist("upload_data")
    dropped = set(request.form.getlist("drop_upload"))
    try:
        pairs = list(zip(names, blobs, strict=True))
        form.files += [
            (name, base64.b64decode(blob, validate=True))
            for index, (name, blob) in enumerate(pairs)
            if str(index) not in dropped
        ]
    except (binascii.Error, ValueError):
        form.problem(
            "files",
            "重新提交的文件已损坏，请重新选择文件。",
            "a re-submitted file is damaged",
        )
    for upload in request.files.getlist("files"):
        if upload.filename:
            form.files.append((upload.filename, upload.read()))


def read_form(records: CandidateRecords | None, *, today: dt.date) -> PanelForm:
    """Read ``request`` (the form, or the report page's hidden copy of it); ``records``:
    the registry's records of candidates, when the server has them."""
    keys = ("qr", "id_number", "level", "rule", "evaluation_date", "title_date", "direct")
    values = {key: request.form.get(key, "").strip() for key in keys}
    form = PanelForm(values=values)
    form.texts = [line.strip() for text in request.form.getlist("qr") for line in text.splitlines()]
    form.texts = [line for line in form.texts if line]
    values["qr"] = "\n".join(form.texts)
    _read_files(form)
    if len(form.texts) + len(form.files) > MAX_CERTIFICATES:
        form.problem(
            "qr", f"一次最多核查 {MAX_CERTIFICATES} 份证书。", f"at most {MAX_CERTIFICATES} at once"
        )
    if values["id_number"] and records is not None:
        try:
            form.id_number = parse_id_number(values["id_number"], today=today)
        except RegistryError as exc:
            form.problem("id_number", "身份证号无效，请核对。", f"bad ID number: {exc}")
    if not form.texts and not form.files and not (values["id_number"] and records):
        no_input = "请粘贴二维码文本或上传证书 PDF、二维码图片"
        no_input += "，或输入身份证号。" if records is not None else "。"
        form.problem("qr", no_input, "give the certificates (or an ID number)")
    try:
        form.level = TitleLevel(values["level"])
    except ValueError:
        form.problem("level", "请选择申报级别。", "choose the target level")
    form.evaluation_date, date_problem = _date(
        values, "evaluation_date", "评审日期", "evaluation date"
    )
    if values["rule"] not in title_rules():
        form.problem("rule", "请选择评审规则。", "choose the title rule")
    elif form.evaluation_date is not None:
        refused = title_rule_refusal(values["rule"], form.evaluation_date)
        if refused is not None:
            form.problem(
                "rule", f"{refused[0]}请选择在评审日期有效的规则，或更正评审日期。", refused[1]
            )
    if date_problem or form.evaluation_date is None:
        form.problems.append(
            date_problem
            or Problem("evaluation_date", "请填写评审日期。", "give the evaluation date")
        )
    form.title_date, problem = _date(values, "title_date", "取得现职称时间", "title date")
    if problem:
        form.problems.append(problem)
    return form


__all__ = ["FIELDS_ZH", "MAX_CERTIFICATES", "PanelForm", "Problem", "read_form"]
