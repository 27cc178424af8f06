"""Agency-side distortions of a true party (name, ID) as found in the wild (docs/domain.md).

Quirks touch only the few percent of records that really are listed parties, so plain per-row
Python is affordable here. Each quirk has an eligibility test so that a requested quirk is only
applied where it means something (a lower-case x needs an ID ending in X, and so on).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from opencc import OpenCC
from pypinyin import lazy_pinyin

from pipelines.synth.idgen import RECODE_PAIRS, ric_check_chars

PERSON_QUIRKS: dict[str, float] = {
    "exact": 0.26,
    "masked_id": 0.04,
    "legacy_id": 0.04,
    "traditional": 0.07,
    "homophone": 0.06,
    "lookalike": 0.04,
    "romanised_passport": 0.05,
    "middle_dot": 0.04,
    "fullwidth": 0.05,
    "spaces": 0.05,
    "lowercase_x": 0.04,
    "transposed_id": 0.04,
    "region_recode": 0.04,
    "empty_id": 0.04,
    "excel_mangled": 0.02,
    "removed_entry": 0.08,
}
LOOKALIKE = {
    "己": "已",
    "已": "己",
    "戊": "戌",
    "戌": "戊",
    "未": "末",
    "末": "未",
    "士": "土",
    "土": "士",
    "天": "夫",
    "玉": "王",
    "晴": "睛",
    "候": "侯",
    "侯": "候",
    "日": "曰",
    "大": "太",
}
_HOMOPHONE_POOL = (
    "伟玮炜薇卫维唯巍威微为韦 芳方坊 娜纳 敏闽珉 静靖婧晶菁 丽莉俐立利 艳燕雁彦 娟涓鹃 霞侠 英瑛莺 "
    "兰岚澜 强蔷 磊垒 军君钧均 勇涌永咏 杰洁捷婕 涛焘 斌彬滨 明铭鸣 刚钢纲 平萍苹 辉晖徽 鹏朋 "
    "华桦骅 飞菲霏 鑫欣馨新 波博 宇雨语羽 浩昊皓 凯恺楷 健建剑 俊骏峻 帆凡 旭煦 宁凝 龙隆 林琳霖 "
    "阳洋扬杨 东冬 文雯 婷亭庭 颖莹盈 倩茜 晴青清 梅玫 红虹鸿 玲铃 梓子紫 涵晗 萱轩 怡仪宜 珍贞 "
    "秀绣 海 慧惠 佳嘉家 丹 雪 国 志智 晓小 春纯 美 淑舒"
)
_DOTS = ("•", ".", "．", "")
_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@lru_cache(maxsize=1)
def _s2t() -> OpenCC:
    return OpenCC("s2t")


@lru_cache(maxsize=1)
def homophones() -> dict[str, list[str]]:
    """Character -> other common characters with the same toneless pinyin."""
    groups: dict[str, list[str]] = defaultdict(list)
    for ch in sorted(set(_HOMOPHONE_POOL.replace(" ", ""))):
        groups[lazy_pinyin(ch)[0]].append(ch)
    return {
        ch: [o for o in grp if o != ch] for grp in groups.values() for ch in grp if len(grp) > 1
    }


def traditional(name: str) -> str:
    """The name in traditional characters (OpenCC s2t)."""
    return str(_s2t().convert(name))


def _swap_given(name: str, table: dict[str, list[str]], r: random.Random) -> str:
    """Replace one character after the surname (never the first) using `table`."""
    spots = [i for i, ch in enumerate(name) if i > 0 and ch in table]
    if not spots:
        return name
    i = r.choice(spots)
    return name[:i] + r.choice(table[name[i]]) + name[i + 1 :]


def romanise(name: str, r: random.Random) -> str:
    """Passport-style pinyin: ZHANG WEI, WEI ZHANG, ZHANGWEI or Zhang Wei."""
    sur_len = (
        2
        if len(name) >= 3 and name[:2] in {"欧阳", "司马", "诸葛", "上官", "司徒", "皇甫", "东方"}
        else 1
    )
    sur = "".join(lazy_pinyin(name[:sur_len])).upper()
    given = "".join(lazy_pinyin(name[sur_len:])).upper()
    style = r.randrange(4)
    return (f"{sur} {given}", f"{given} {sur}", f"{sur}{given}", f"{sur.title()} {given.title()}")[
        style
    ]


def transpose(number: str, r: random.Random) -> str:
    """Swap two adjacent differing digits of the body (a typing slip)."""
    spots = [i for i in range(6, 16) if number[i] != number[i + 1]]
    i = r.choice(spots) if spots else 6
    return number[:i] + number[i + 1] + number[i] + number[i + 2 :]


def recode(number: str) -> str:
    """The same person's ID after their district was re-coded (new prefix, new check char)."""
    body = RECODE_PAIRS[number[:6]] + number[6:17]
    return body + str(ric_check_chars(np.array([[int(c) for c in body]]))[0])


def excel_mangled(number: str) -> str:
    """What Excel shows after turning an ID into a number: 1.10105E+17."""
    return f"{float(number[:17]) * 10:.5E}"


ELIGIBLE: dict[str, Callable[[str, str], bool]] = {
    "legacy_id": lambda name, number: number[6:8] == "19" and number[8:10] < "85",
    "traditional": lambda name, number: traditional(name) != name,
    "homophone": lambda name, number: any(ch in homophones() for ch in name[1:]),
    "lookalike": lambda name, number: any(ch in LOOKALIKE for ch in name[1:]),
    "middle_dot": lambda name, number: "·" in name,
    "lowercase_x": lambda name, number: number.endswith("X"),
    "region_recode": lambda name, number: number[:6] in RECODE_PAIRS,
}


def eligible(tag: str, name: str, number: str) -> bool:
    """Whether `tag` changes something for this party."""
    test = ELIGIBLE.get(tag)
    return test is None or test(name, number)


def apply(tag: str, name: str, number: str, r: random.Random) -> tuple[str, str | None, str]:
    """Distort a true (name, 18-digit ID): returns (name, id text or None, id_type)."""
    if tag == "masked_id":
        return name, number[:10] + "****" + number[14:], "resident_id"
    if tag == "legacy_id":
        return name, number[:6] + number[8:17], "resident_id"
    if tag == "traditional":
        return traditional(name), number, "resident_id"
    if tag == "homophone":
        return _swap_given(name, homophones(), r), number, "resident_id"
    if tag == "lookalike":
        return _swap_given(name, {k: [v] for k, v in LOOKALIKE.items()}, r), number, "resident_id"
    if tag == "romanised_passport":
        return romanise(name, r), r.choice("EGP") + f"{r.randrange(10**8):08d}", "passport"
    if tag == "middle_dot":
        return name.replace("·", r.choice(_DOTS)), number, "resident_id"
    if tag == "fullwidth":
        return name, number.translate(_FULLWIDTH), "resident_id"
    if tag == "spaces":
        sep = r.choice((" ", "-"))
        return (
            (name[0] + " " + name[1:] if r.random() < 0.5 else name),
            f"{number[:6]}{sep}{number[6:14]}{sep}{number[14:]}",
            "resident_id",
        )
    if tag == "lowercase_x":
        return name, number.lower(), "resident_id"
    if tag == "transposed_id":
        return name, transpose(number, r), "resident_id"
    if tag == "region_recode":
        return name, recode(number), "resident_id"
    if tag == "empty_id":
        return name, None, "resident_id"
    if tag == "excel_mangled":
        return name, excel_mangled(number), "resident_id"
    return name, number, "resident_id"


ORG_SUFFIXES = ("有限公司", "有限责任公司")


def org_variant(city: str, core: str, r: random.Random) -> str:
    """Another spelling of 北京某某科技有限公司: city in brackets of either width, 有限责任公司."""
    suffix = r.choice(ORG_SUFFIXES)
    style = r.randrange(3)
    if style == 0:
        return f"{core}（{city}）{suffix}"
    if style == 1:
        return f"{core}({city}){suffix}"
    return f"{city}{core}{'有限责任公司' if suffix == '有限公司' else '有限公司'}"
