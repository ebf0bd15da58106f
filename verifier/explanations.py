"""What a verification means to the person reading it, in Chinese.

The checks and reason codes are machine words (``pdf.coverage``, ``pdf_modified``): they stay
in ``--json`` and in the technical details. A reader — a panel member on a phone, an
employer's clerk — is told in plain Chinese what each one means for them and what to do
next. Every check name and every reason code a verification can give has an entry here
(``tests/verifier/test_explanations.py`` holds this module to the code and
``docs/errors.md``). Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping

CHECKS_ZH: Mapping[str, str] = {
    "input.kind": "提交的内容",
    "image.qr": "识别图片中的二维码",
    "pdf.parse": "读取证书文件",
    "pdf.signature_fields": "电子印章",
    "pdf.ltv": "长期验证信息",
    "pdf.signature": "电子印章的完整性",
    "pdf.signer": "盖章的发证机关",
    "pdf.coverage": "盖章后未被改动",
    "pdf.docmdp": "盖章后的修改限制",
    "pdf.final_revision": "最后一个时间戳之后未被改动",
    "pdf.timestamps": "可信时间戳",
    "pdf.seal_time": "盖章时印章有效",
    "pdf.payload": "证书文件中的二维码数据",
    "payload.format": "二维码内容的格式",
    "payload.signature": "二维码的电子签名",
    "payload.key_validity": "签名密钥在发证日有效",
    "registry.status": "登记状态（是否撤销、是否被新版本取代）",
    "pdf.agreement": "印章与二维码出自同一发证机关、同一天",
    "pdf.registered": "与登记的原始文件一致",
    "pdf.recorded": "登记的原始文件",
}
"""Check name → what it checks, for people."""

_QR_DAMAGED = (
    "二维码内容已损坏",
    "二维码内容不完整或被改动，无法解读。请重新扫描或上传证书 PDF。",
)
"""The text of the QR code cannot be read back: its Base45 or its CBOR is broken."""

REASONS_ZH: Mapping[str, tuple[str, str]] = {
    # -- no certificate found: 无法核验, not a forgery --------------------------------------
    "unknown_input": (
        "提交的内容不是证书",
        "提交的内容既不是 PDF、图片，也不是二维码文本。请上传证书 PDF 或清晰的二维码照片。",
    ),
    "image_too_large": (
        "图片过大",
        "图片超过 10 MB 或 4000 万像素。请缩小后重新上传，或上传证书 PDF。",
    ),
    "unreadable_image": (
        "无法读取该图片",
        "文件不是可读取的图片。请上传证书 PDF 或清晰的二维码照片（PNG、JPEG）。",
    ),
    "no_qr_in_image": (
        "图片中没有可识别的二维码",
        "请拍得更清晰、更正，让二维码完整、平整地占据画面，或上传证书 PDF。",
    ),
    "several_qr_codes": (
        "图片中有多个不同的二维码",
        "请只拍证书上的那一个二维码，或上传证书 PDF。",
    ),
    "bad_prefix": (
        "这不是继续教育证书的二维码",
        "扫描到的内容不是继续教育证书的二维码（证书二维码以 CEC1: 开头）。"
        "请扫描证书左下角的二维码，或上传证书 PDF。",
    ),
    # -- the file is damaged or is not one the bureau made -------------------------------
    "pdf_too_large": ("证书文件过大", "证书 PDF 不超过 5 MB；该文件不是发证机关出具的证书文件。"),
    "not_a_pdf": ("不是 PDF 文件", "请上传证书 PDF，或二维码的照片。"),
    "pdf_decompression_limit": (
        "文件结构异常",
        "文件中压缩数据过多，不是发证机关出具的证书文件，已拒绝读取。",
    ),
    "pdf_unsupported_filter": (
        "文件结构异常",
        "文件使用了证书从不使用的编码方式，不是发证机关出具的证书文件。",
    ),
    "pdf_unreadable": (
        "证书文件已损坏或不完整",
        "文件无法读取。若是下载不完整，请重新获取证书文件；否则该文件不可作为证书。",
    ),
    "pdf_not_signed": ("文件没有电子印章", "证书应带有发证机关的电子印章；该文件没有。"),
    "pdf_extra_signatures": (
        "文件上有多余的签名",
        "证书只应有发证机关的一个电子印章；该文件另有签名，可能被改动过。",
    ),
    "pdf_not_ltv": (
        "缺少长期验证信息",
        "证书应带有可信时间戳和验证信息；该文件没有，不是发证机关出具的完整证书。",
    ),
    "pdf_untrusted_timestamp": (
        "时间戳来源不可信",
        "文件中的时间戳不是发证机关的可信时间戳服务出具的。",
    ),
    "pdf_signature_invalid": (
        "电子印章与文件内容不符",
        "证书文件在盖章后被改动，或印章已损坏：该文件不可作为证书。",
    ),
    "pdf_untrusted_signer": (
        "盖章单位不是受信任的发证机关",
        "电子印章不是由受信任的发证机关颁发的证书签发。",
    ),
    "pdf_unknown_seal": (
        "印章不在信任列表中",
        "盖章证书虽属受信任的机关体系，但不是信任列表中的继续教育专用章。",
    ),
    "pdf_modified": ("证书文件在盖章后被改动", "盖章之后文件内容被修改过：该文件不可作为证书。"),
    "pdf_docmdp_violated": (
        "证书文件在盖章后被改动",
        "盖章后做了印章明确禁止的修改：该文件不可作为证书。",
    ),
    "pdf_modified_after_timestamp": (
        "证书文件在最后的时间戳之后被改动",
        "最后一个时间戳之后又添加了内容，这些内容未经任何签名保护：该文件不可作为证书。",
    ),
    "pdf_timestamp_invalid": (
        "时间戳无效",
        "证书中的可信时间戳被改动或无法验证。",
    ),
    "seal_revoked": (
        "印章已被注销",
        "盖章时该电子印章已被发证机关注销，之后盖章的证书无效。",
    ),
    "seal_retired": (
        "印章已停用",
        "盖章时该电子印章已被更换停用，之后盖章的证书无效。",
    ),
    "seal_not_valid_at_signing": (
        "盖章时印章不在有效期内",
        "该证书盖章时，电子印章已过期或尚未生效。",
    ),
    "pdf_payload_missing": (
        "文件中没有证书数据",
        "盖章的文件中缺少证书的二维码数据：不是发证机关出具的证书文件。",
    ),
    "seal_payload_mismatch": (
        "印章与二维码不一致",
        "电子印章和二维码不是同一发证机关、同一天出具的：文件可能被拼接或替换过。",
    ),
    "pdf_not_registered": (
        "与登记的原始文件不一致",
        "登记系统中该证书的文件与上传的文件不同：上传的文件被改动或替换过。",
    ),
    # -- the QR code --------------------------------------------------------------------
    "payload_too_large": ("二维码内容过长", "二维码内容超出证书二维码的长度：不是证书二维码。"),
    "bad_base45": _QR_DAMAGED,
    "bad_cbor": _QR_DAMAGED,
    "bad_cose": ("二维码内容已损坏", "二维码的签名结构不完整或被改动。"),
    "bad_claims": ("二维码内容不符合证书格式", "二维码中的证书信息不完整或被改动。"),
    "unknown_kid": (
        "签名密钥不在信任列表中",
        "二维码由未知的密钥签名：不是发证机关签发，或验证服务的信任列表需要更新。",
    ),
    "bad_signature": (
        "二维码内容被改动或不是发证机关签发",
        "二维码的电子签名与其内容不符：内容在签发后被改动，或由他人伪造。",
    ),
    "signature_not_low_s": (
        "签名被改写过",
        "签名被改写成另一种形式（发证机关自 2026 年 12 月 6 日起签发的证书不使用这种形式）："
        "这不是发证机关出具的原件。请向持证人索取原始的证书文件或二维码。",
    ),
    "issued_in_future": ("发证日期晚于今天", "二维码上的发证日期在验证日期之后：不是有效的证书。"),
    "key_not_valid_at_issue": (
        "发证日签名密钥不在有效期内",
        "签名密钥在证书的发证日期不在有效期内：证书不是在该密钥有效期间签发的。",
    ),
    "key_revoked": (
        "签名密钥已被注销",
        "发证机关已注销该签名密钥（例如密钥泄露），注销之后签发的二维码无效。",
    ),
    # -- the registry -------------------------------------------------------------------
    "status_not_checked": (
        "未核查登记状态",
        "本验证服务没有登记系统或状态快照，无法确认证书是否已撤销或被新版本取代。请在联网时验证，"
        "或向发证机关核实。",
    ),
    "bad_registry": ("登记系统暂时无法读取", "无法确认证书的登记状态，请稍后再试。"),
    "registry_damaged": (
        "登记系统数据受损，无法核查状态",
        "发证机关的登记数据受损，暂时无法确认证书是否有效；这不表示证书有问题。请稍后再试，"
        "或向发证机关核实。",
    ),
    "snapshot_too_old": (
        "登记状态快照过旧",
        "本机保存的登记状态已超过有效期限，无法确认证书是否已撤销。请联网后重新打开页面以获取最新状态。",
    ),
    "snapshot_in_future": (
        "登记状态快照的时间晚于现在",
        "状态快照标注的时间在未来：它是在时钟不准的电脑上生成的，不能说明状态是最新的。"
        "请检查本机时间，或联网后重新打开页面以获取最新状态。",
    ),
    "issued_after_snapshot": (
        "证书比登记状态快照新",
        "该证书在本机保存的登记状态之后才签发，无法确认其状态。请联网后重新打开页面以获取最新状态。",
    ),
    "snapshot_other_issuer": (
        "状态快照不属于该发证机关",
        "本机保存的登记状态来自另一发证机关，无法确认该证书的状态。",
    ),
    "not_in_registry": (
        "登记系统中没有该证书",
        "发证机关的登记系统没有签发过这份证书（编号与版次）：不可作为证书。",
    ),
    "payload_mismatch": (
        "与登记的证书内容不一致",
        "登记系统中该编号、版次的证书内容与提交的不同：提交的证书被改动或伪造。",
    ),
    "revoked": ("证书已撤销", "发证机关已撤销该证书，它不再有效。"),
    "superseded": (
        "已被新版本取代",
        "该证书已因补办、续办或更正被新版本取代，本版本不再有效。请向持证人索取最新版本。",
    ),
    "registry_rewritten": (
        "登记记录与已公布的检查点不符",
        "登记系统的事件日志不延续您保存的发证机关检查点：检查点之后的登记记录（如撤销）被删除或"
        "改写，不能据以判定状态。请向发证机关核实。",
    ),
    "snapshot_stale": (
        "登记状态快照早于登记系统的最近变更",
        "登记系统在本机保存的状态之后又有变更（如撤销），无法确认证书当前的状态。请联网后重新打开页面。",
    ),
    # -- refusals of a trust list or snapshot the page was given ------------------------
    "bad_snapshot": ("登记状态快照无效", "状态快照文件损坏或格式不对，无法用于核查状态。"),
    "snapshot_signature": ("登记状态快照的签名无效", "状态快照不是发证机关签发的，未予采用。"),
    "snapshot_key": ("登记状态快照的签名密钥未知", "状态快照由信任列表之外的密钥签名，未予采用。"),
}
"""Reason code → (what happened, what it means for the reader and what to do)."""

VERDICTS_ZH: Mapping[str, str] = {
    "valid": "有效",
    "invalid": "无效",
    "indeterminate": "无法核验",
}
"""Verdict → its Chinese word."""

NEXT_STEP_ZH: Mapping[str, str] = {
    "valid": "证书真实，且为发证机关登记的现行版本。",
    "invalid": "该证书不可作为继续教育证明。如有疑问，请向持证人或发证机关核实。",
    "indeterminate": "这不代表证书是伪造的：按下方说明处理后，再验证一次。",
    "no_certificate": "没有找到证书：请上传证书 PDF 或清晰的二维码照片，再验证一次。"
    "这不代表证书是伪造的。",
}
"""What the reader does next, by verdict; ``no_certificate`` when nothing given held one."""

NO_CERTIFICATE: frozenset[str] = frozenset(
    {
        "unknown_input",
        "image_too_large",
        "unreadable_image",
        "no_qr_in_image",
        "several_qr_codes",
        "bad_prefix",
    }
)
"""Reasons that mean no certificate was found in what was given: "could not verify", with
what to give instead — a mistake, never a forgery."""

UNLISTED_ZH = ("核查未通过", "未列出的原因，详见技术详情。")
"""For a reason code this page does not know: said in Chinese, the code only in the details."""


def reason_zh(reason: str | None) -> tuple[str, str]:
    """(what happened, what it means) for a reason code."""
    if reason is None:
        return ("", "")
    return REASONS_ZH.get(reason, UNLISTED_ZH)


def next_step_zh(verdict: str, reasons: tuple[str, ...]) -> str:
    """What the reader does next: by verdict, or what to give when no certificate was found."""
    if verdict == "indeterminate" and reasons[:1] and reasons[0] in NO_CERTIFICATE:
        return NEXT_STEP_ZH["no_certificate"]
    return NEXT_STEP_ZH[verdict]


def time_ago_zh(seconds: int) -> str:
    """How long ago, for people: ``刚刚``, ``13 分钟前``, ``5 小时前``, ``3 天前``; a time
    in the future says so."""
    if seconds < 0:
        return "晚于核验时间"
    if seconds < 60:
        return "刚刚"
    if seconds < 3600:
        return f"{seconds // 60} 分钟前"
    if seconds < 86400:
        return f"{seconds // 3600} 小时前"
    return f"{seconds // 86400} 天前"


def check_zh(name: str) -> str:
    """What a check checks, in Chinese (the name itself never reaches a reader)."""
    return CHECKS_ZH.get(name, "其他核查项目")


__all__ = [
    "CHECKS_ZH",
    "NEXT_STEP_ZH",
    "NO_CERTIFICATE",
    "REASONS_ZH",
    "UNLISTED_ZH",
    "VERDICTS_ZH",
    "check_zh",
    "next_step_zh",
    "reason_zh",
    "time_ago_zh",
]
