"""Name pools with realistic skew, and vectorised sampling of person and organisation names.

Surnames follow heavy-headed national frequencies (王 李 张 alone are about a fifth of people)
and given names come from a deliberately small Zipf-weighted pool, so exact homonyms such as
张伟 or 王芳 are common, as they are in real data. A small share of minority names carry a
middle dot (买买提·艾力).
"""

from __future__ import annotations

import numpy as np
import polars as pl

_SURNAMES = (
    "王7.1 李7.0 张6.4 刘5.4 陈4.6 杨3.1 黄2.5 赵2.3 吴2.0 周1.9 徐1.7 孙1.5 马1.4 朱1.3 胡1.3 "
    "郭1.2 何1.2 林1.1 高1.1 罗1.0 郑0.9 梁0.9 谢0.8 宋0.7 唐0.7 许0.7 韩0.7 冯0.7 邓0.7 曹0.6 "
    "彭0.6 曾0.6 肖0.6 田0.5 董0.5 袁0.5 潘0.5 于0.5 蒋0.5 蔡0.5 余0.5 杜0.4 叶0.4 程0.4 苏0.4 "
    "魏0.4 吕0.4 丁0.4 任0.3 沈0.3 姚0.3 卢0.3 姜0.3 崔0.3 钟0.3 谭0.3 陆0.3 汪0.3 范0.3 金0.3 "
    "石0.3 廖0.3 贾0.3 夏0.3 韦0.3 付0.2 方0.2 白0.2 邹0.2 孟0.2 熊0.2 秦0.2 邱0.2 江0.2 尹0.2 "
    "薛0.2 闫0.2 段0.2 雷0.2 侯0.2 龙0.2 史0.2 陶0.2 黎0.2 贺0.2 顾0.2 毛0.2 郝0.2 龚0.2 邵0.2 "
    "万0.2 钱0.2 严0.2 覃0.1 武0.1 戴0.1 莫0.1 孔0.1 向0.1 汤0.1 欧阳0.05 司马0.02 诸葛0.02 "
    "上官0.02 司徒0.02 皇甫0.01 东方0.01"
)
_MALE = (
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 俊 帆 帅 旭 宁 龙 林 阳 "
    "建华 建国 建军 志强 志明 海涛 俊杰 浩然 子轩 宇航 晓东 文博 天佑 国庆 卫东 建平 永强 玉林 "
    "士杰 振宇 子豪 博文 天明 己明 戊生 云龙 金龙 大伟 立新"
)
_FEMALE = (
    "芳 娜 敏 静 丽 艳 娟 霞 婷 雪 慧 颖 琳 倩 晶 洁 丹 萍 玲 燕 雯 秀英 桂英 玉兰 丽娟 秀兰 晓燕 "
    "欣怡 子涵 梓涵 诗涵 雨萱 佳怡 晓晴 玉梅 淑珍 海燕 红梅 美玲 春梅 玉珍 天娇 未央 丽华 晓丽"
)
_MINORITY_A = (
    "买买提 艾力 阿不都 热合曼 吐尔逊 依明 努尔 阿依古丽 帕提古丽 古丽 巴特尔 扎西 次仁 卓玛"
).split()
_MINORITY_B = "艾力 买买提 阿不拉 卡德尔 吐尔洪 热依拉 玉苏甫 斯琴 多吉 拉姆 克然木 阿力木".split()
_ORG_WORDS = (
    "华信 鑫达 恒通 宏远 金源 博创 天成 瑞丰 中科 新世纪 东方 盛世 永泰 海纳 德润 佳禾 云帆 万通 "
    "富民 同创"
).split()
_ORG_TRADES = (
    "科技 贸易 建筑工程 房地产开发 物流 餐饮管理 信息技术 商贸 投资管理 文化传媒 农业开发 机械制造"
).split()
_CITIES = "北京 上海 天津 重庆 广州 深圳 杭州 南京 成都 武汉 西安 苏州 郑州 长沙 济南 合肥".split()
MIDDLE_DOT = "·"


def _parse(spec: str) -> tuple[list[str], np.ndarray]:
    names, weights = [], []
    for tok in spec.split():
        i = next(k for k, ch in enumerate(tok) if ch.isdigit())
        names.append(tok[:i])
        weights.append(float(tok[i:]))
    w = np.array(weights)
    return names, w / w.sum()


SURNAMES, SURNAME_P = _parse(_SURNAMES)


def _zipf(pool: list[str]) -> np.ndarray:
    w = 1.0 / np.arange(1, len(pool) + 1) ** 0.9
    return w / w.sum()


MALE, FEMALE = _MALE.split(), _FEMALE.split()
MALE_P, FEMALE_P = _zipf(MALE), _zipf(FEMALE)


def _pick(pool: list[str], idx: np.ndarray) -> pl.Series:
    """Gather pool strings by index in polars (much faster than numpy object arrays)."""
    return pl.Series(pool, dtype=pl.String).gather(idx)


def person_names(
    rng: np.random.Generator, male: np.ndarray, minority_share: float = 0.02
) -> pl.DataFrame:
    """Names for people of the given sexes: `surname, name, minority`.

    Minority names have no surname.
    """
    n = len(male)
    frame = pl.DataFrame(
        {
            "surname": _pick(SURNAMES, rng.choice(len(SURNAMES), n, p=SURNAME_P)),
            "gm": _pick(MALE, rng.choice(len(MALE), n, p=MALE_P)),
            "gf": _pick(FEMALE, rng.choice(len(FEMALE), n, p=FEMALE_P)),
            "ma": _pick(_MINORITY_A, rng.integers(0, len(_MINORITY_A), n)),
            "mb": _pick(_MINORITY_B, rng.integers(0, len(_MINORITY_B), n)),
            "minority": rng.random(n) < minority_share,
            "male": male,
        }
    )
    given = pl.when(pl.col("male")).then(pl.col("gm")).otherwise(pl.col("gf"))
    return frame.select(
        pl.when(pl.col("minority")).then(pl.lit("")).otherwise(pl.col("surname")).alias("surname"),
        pl.when(pl.col("minority"))
        .then(pl.concat_str([pl.col("ma"), pl.lit(MIDDLE_DOT), pl.col("mb")]))
        .otherwise(pl.concat_str([pl.col("surname"), given]))
        .alias("name"),
        pl.col("minority"),
    )


def org_names(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """Company names `city, core, name` in the common form 北京华信科技有限公司."""
    city = np.asarray(_CITIES)[rng.integers(0, len(_CITIES), n)]
    w1 = np.asarray(_ORG_WORDS)[rng.integers(0, len(_ORG_WORDS), n)]
    w2 = np.asarray(_ORG_WORDS)[rng.integers(0, len(_ORG_WORDS), n)]
    trade = np.asarray(_ORG_TRADES)[rng.integers(0, len(_ORG_TRADES), n)]
    core = np.char.add(np.char.add(w1, np.where(rng.random(n) < 0.5, w2, "")), trade)
    return pl.DataFrame({"city": city, "core": core}).with_columns(
        pl.concat_str([pl.col("city"), pl.col("core"), pl.lit("有限公司")]).alias("name")
    )
