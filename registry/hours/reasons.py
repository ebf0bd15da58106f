"""What each rule code of the hours engine means, in Chinese, without a person's figures.

A batch groups the people it skipped by these (``cecert issue`` ends with one line per
cause), and the verifier and the pages show them beside the machine code. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping

from registry.model import Category

CAUSES_ZH: Mapping[str, str] = {
    "not_confirmed": "学习记录尚未认定",
    "duplicate_record": "同一学习记录重复登记，只计一次",
    "dated_outside_year": "学习时间早于该年度",
    "no_make_up": "学习时间不在该年度，且不予补学",
    "after_make_up_deadline": "超过补学期限",
    "category_not_allowed": "该政策不设此科目类别",
    "no_confirmation_rule": "记录日期没有适用的认定规定",
    "confirmer_unstated": (
        "记录未注明认定单位（confirmed_by 为空），而该类学时须由指定单位认定；"
        "请在记录表中填写 confirmed_by 后重新导入"
    ),
    "needs_industry_authority": "教育、卫生健康等行业的专业科目须由行业主管部门认定",
    "confirmer_not_accepted": "认定单位不符合该类学时的认定规定",
    "score_below_minimum": "考试成绩低于合格分数",
    "conversion_not_recognised": "折算学时未经行业主管部门认可",
    "achievement_without_role": "成果未注明主创或非主创",
    "achievement_cap": "成果折算学时超过年度上限",
    "degree_cap": "学历教育学时超过年度上限",
    "duplicate_public_course": "重复选学同一门公需科目，只计一次",
    "public_cap": "公需科目超过规定比例的部分不计入",
    "total_minimum": "合计学时不足",
    "not_met": "学时未达到要求",
    "already_issued": "本年度证书已颁发",
    "number_revoked": "证书编号已撤销，不再签发",
    "unknown_series": "职称系列不在国家职称系列目录中",
    "policy_not_in_force": "政策不在施行期内",
    "outside_jurisdiction": "登记地不在政策适用地区",
    "series_not_covered": "职称系列不适用该政策",
    "level_not_covered": "职称级别不适用该政策",
    "series_own_policy": "该职称系列按本行业规定执行，适用另一政策",
}
"""Rule codes → Chinese; ``category_minimum:<category>`` and ``category_not_allowed:<c>``
are composed by :func:`cause_label_zh`."""


def cause_label_zh(code: str) -> str:
    """The Chinese meaning of a rule or shortfall code (the code itself when unknown)."""
    if code.startswith("category_minimum:"):
        return f"{Category(code.split(':', 1)[1]).label_zh}学时不足"
    if code.startswith("category_not_allowed:"):
        return f"该政策不设{Category(code.split(':', 1)[1]).label_zh}"
    return CAUSES_ZH.get(code, code)


__all__ = ["CAUSES_ZH", "cause_label_zh"]
