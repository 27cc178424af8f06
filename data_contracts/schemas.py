"""Typed descriptions of every canonical dataset (docs/domain.md section 6).

One `DatasetSpec` per dataset: its fields, their Chinese header aliases, types, enumerations and
whether a row is unusable without them. Readers map headers with it, the Great Expectations
suites are built from it, and a test fails when a field here has no description.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldKind = Literal["str", "id", "date", "datetime", "int", "float", "enum"]


@dataclass(frozen=True)
class FieldSpec:
    """One column of a canonical dataset."""

    name: str
    aliases: tuple[str, ...]
    kind: FieldKind
    description: str
    required: bool = False
    enum: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Canonical value -> accepted spellings (Chinese labels and English codes)."""


@dataclass(frozen=True)
class DatasetSpec:
    """A canonical dataset: its name, key column and fields."""

    name: str
    title_zh: str
    key: str | None
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec:
        """Return the field called `name`."""
        return next(f for f in self.fields if f.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the fields a row cannot do without."""
        return tuple(f.name for f in self.fields if f.required)

    def header_map(self) -> dict[str, str]:
        """Every accepted header spelling (canonical or alias) -> canonical name."""
        out: dict[str, str] = {}
        for f in self.fields:
            out[f.name] = f.name
            for a in f.aliases:
                out[a] = f.name
        return out


def _f(name: str, aliases: str, kind: FieldKind, description: str, **kw: object) -> FieldSpec:
    return FieldSpec(name, tuple(a for a in aliases.split("|") if a), kind, description, **kw)  # type: ignore[arg-type]


GENDER = {"M": ("男", "M", "male", "m"), "F": ("女", "F", "female", "f")}
PARTY_TYPE = {
    "person": ("自然人", "person", "个人"),
    "org": ("法人或其他组织", "org", "法人", "组织", "单位"),
}

DISHONEST_LIST = DatasetSpec(
    "dishonest_list",
    "失信被执行人名单",
    "entry_id",
    (
        _f("entry_id", "名单编号", "str", "Stable identifier of the list entry.", required=True),
        _f(
            "list_type",
            "名单类型",
            "enum",
            "dishonest (失信被执行人) or consumption_restriction (限制消费); default dishonest.",
            enum={
                "dishonest": ("失信被执行人", "失信", "dishonest"),
                "consumption_restriction": (
                    "限制消费",
                    "限制消费人员",
                    "限高",
                    "consumption_restriction",
                ),
            },
        ),
        _f(
            "party_type",
            "主体类型",
            "enum",
            "person (自然人) or org (法人或其他组织).",
            required=True,
            enum=PARTY_TYPE,
        ),
        _f(
            "name",
            "被执行人姓名/名称|被执行人姓名|名称",
            "str",
            "Name of the debtor, person or organisation.",
            required=True,
        ),
        _f("gender", "性别", "enum", "M or F as published; persons only.", enum=GENDER),
        _f("age", "年龄", "int", "Age as published (at publication)."),
        _f(
            "id_number",
            "身份证号码/组织机构代码|身份证号码|组织机构代码|证件号码",
            "id",
            "Resident ID (often masked with *) or USCC / organisation code.",
        ),
        _f(
            "legal_rep",
            "法定代表人或者负责人姓名|法定代表人",
            "str",
            "Legal representative of an organisation debtor.",
        ),
        _f(
            "legal_rep_id_number",
            "法定代表人身份证号",
            "id",
            "Legal representative's ID where the list carries it (extension).",
        ),
        _f("court", "执行法院", "str", "Enforcing court."),
        _f("province", "省份", "str", "Province of the enforcing court."),
        _f("case_no", "案号", "str", "Enforcement case number."),
        _f("basis_doc_no", "执行依据文号", "str", "Number of the enforcement-basis document."),
        _f("basis_org", "做出执行依据单位", "str", "Body that issued the enforcement basis."),
        _f("duty", "生效法律文书确定的义务", "str", "Duty fixed by the effective legal document."),
        _f(
            "performance",
            "被执行人的履行情况",
            "str",
            "Performance so far (全部未履行 / 部分履行).",
        ),
        _f("behavior", "失信被执行人行为具体情形", "str", "Specific dishonest behaviour recorded."),
        _f("filed_on", "立案时间", "date", "Date the enforcement case was filed."),
        _f("published_on", "发布时间", "date", "Date the entry was published."),
        _f("amount_due", "未履行金额", "float", "Amount still unperformed, CNY."),
        _f("amount_performed", "已履行金额", "float", "Amount already performed, CNY."),
        _f(
            "status",
            "状态",
            "enum",
            "active or removed; in a delta, removed withdraws the entry.",
            enum={
                "active": ("active", "有效", "新增", "add"),
                "removed": ("removed", "撤销", "已撤销", "删除", "屏蔽", "remove"),
            },
        ),
        _f(
            "removed_on",
            "撤销日期",
            "date",
            "Date the entry was removed (paid, revoked or expired).",
        ),
    ),
)

HOTEL_BOOKING = DatasetSpec(
    "hotel_booking",
    "酒店住宿登记",
    "record_id",
    (
        _f(
            "record_id",
            "记录编号",
            "str",
            "Agency's identifier of the registration.",
            required=True,
        ),
        _f(
            "guest_name",
            "旅客姓名",
            "str",
            "Guest name as registered (may be romanised).",
            required=True,
        ),
        _f(
            "id_type",
            "证件类型",
            "enum",
            "Document type of the guest.",
            enum={
                "resident_id": ("居民身份证", "身份证", "resident_id"),
                "passport": ("护照", "passport"),
                "hk_macau_permit": ("港澳居民来往内地通行证", "回乡证", "hk_macau_permit"),
                "taiwan_permit": ("台湾居民来往大陆通行证", "台胞证", "taiwan_permit"),
                "foreign_pr": ("外国人永久居留身份证", "foreign_pr"),
            },
        ),
        _f("id_number", "证件号码", "id", "Number of the guest's document."),
        _f("hotel_name", "酒店名称", "str", "Hotel name."),
        _f("hotel_star", "星级", "int", "Star rating, 0 = unrated."),
        _f("room_rate", "房价", "float", "Room rate per night, CNY."),
        _f("check_in", "入住时间", "datetime", "Check-in time.", required=True),
        _f("check_out", "离店时间", "datetime", "Check-out time."),
        _f("city", "城市", "str", "City of the hotel."),
    ),
)

SCHOOL_ENROLLMENT = DatasetSpec(
    "school_enrollment",
    "学校招生入学",
    "record_id",
    (
        _f("record_id", "记录编号", "str", "Agency's identifier of the enrolment.", required=True),
        _f(
            "student_name",
            "学生姓名",
            "str",
            "Student name (never matched; children are not sanctioned).",
        ),
        _f("student_id_number", "学生身份证号", "id", "Student ID number (never matched)."),
        _f("school_name", "学校名称", "str", "School name."),
        _f(
            "school_type",
            "办学性质",
            "enum",
            "public (公办) or private (民办).",
            enum={"public": ("公办", "public"), "private": ("民办", "private")},
        ),
        _f("annual_fee", "年收费", "float", "Annual fee, CNY."),
        _f("guardian_name", "监护人姓名", "str", "First guardian's name.", required=True),
        _f("guardian_id_number", "监护人身份证号", "id", "First guardian's ID number."),
        _f("guardian2_name", "监护人2姓名", "str", "Second guardian's name."),
        _f("guardian2_id_number", "监护人2身份证号", "id", "Second guardian's ID number."),
        _f("enrolled_on", "入学日期", "date", "Enrolment date.", required=True),
        _f("region", "地区", "str", "Region of the school."),
    ),
)

SUBSIDY_APPLICATION = DatasetSpec(
    "subsidy_application",
    "政府补贴申请",
    "record_id",
    (
        _f(
            "record_id", "记录编号", "str", "Agency's identifier of the application.", required=True
        ),
        _f(
            "applicant_type",
            "申请主体类型",
            "enum",
            "person or org.",
            required=True,
            enum=PARTY_TYPE,
        ),
        _f("applicant_name", "申请人名称", "str", "Applicant's name.", required=True),
        _f("id_number", "证件号码", "id", "Applicant's resident ID or USCC."),
        _f(
            "legal_rep_name",
            "法定代表人",
            "str",
            "Legal representative of an organisation applicant.",
        ),
        _f("legal_rep_id_number", "法定代表人身份证号", "id", "Legal representative's ID number."),
        _f("program", "补贴项目", "str", "Subsidy programme."),
        _f("amount", "申请金额", "float", "Amount applied for, CNY."),
        _f("applied_on", "申请日期", "date", "Application date.", required=True),
        _f("department", "主管部门", "str", "Responsible department."),
    ),
)

CIVIL_SERVICE_CANDIDATE = DatasetSpec(
    "civil_service_candidate",
    "公务员招录考生",
    "record_id",
    (
        _f("record_id", "记录编号", "str", "Agency's identifier of the candidate.", required=True),
        _f("name", "姓名", "str", "Candidate's name.", required=True),
        _f("id_number", "身份证号", "id", "Candidate's resident ID number."),
        _f("gender", "性别", "enum", "M or F.", enum=GENDER),
        _f("birth_date", "出生日期", "date", "Birth date as registered."),
        _f("exam", "考试名称", "str", "Examination name."),
        _f("position_code", "职位代码", "str", "Position code."),
        _f("stage", "环节", "str", "Recruitment stage (报名/笔试/面试/体检/政审/录用)."),
        _f("registered_on", "报名日期", "date", "Registration date.", required=True),
    ),
)

WELFARE_STATUS = DatasetSpec(
    "welfare_status",
    "民政社保状态",
    None,
    (
        _f("id_number", "身份证号", "id", "Resident ID number of the person.", required=True),
        _f("name", "姓名", "str", "Name of the person."),
        _f(
            "status_type",
            "类型",
            "enum",
            "Welfare status type.",
            required=True,
            enum={
                "minimum_living": ("低保", "最低生活保障", "minimum_living"),
                "extreme_poverty": ("特困", "特困供养", "extreme_poverty"),
                "disability": ("残疾", "disability"),
                "serious_illness": ("重病", "大病", "serious_illness"),
                "unemployed": ("失业", "登记失业", "unemployed"),
            },
        ),
        _f("since", "起始日期", "date", "Start of the status.", required=True),
        _f("until", "终止日期", "date", "End of the status; empty while ongoing."),
    ),
)

ASSET_INQUIRY = DatasetSpec(
    "asset_inquiry",
    "网络查控财产结果",
    None,
    (
        _f(
            "id_number",
            "证件号码",
            "id",
            "Resident ID or USCC of the party queried.",
            required=True,
        ),
        _f("name", "姓名", "str", "Name of the party queried."),
        _f(
            "asset_type",
            "财产类型",
            "enum",
            "Asset type; `none` records an inquiry that found nothing.",
            required=True,
            enum={
                "deposit": ("存款", "deposit"),
                "real_estate": ("不动产", "房产", "real_estate"),
                "vehicle": ("车辆", "vehicle"),
                "equity": ("股权", "equity"),
                "securities": ("证券", "securities"),
                "social_insurance_base": ("社保缴费基数", "social_insurance_base"),
                "none": ("无财产", "none"),
            },
        ),
        _f(
            "value",
            "金额",
            "float",
            "Value found, CNY (for social_insurance_base, the monthly base).",
        ),
        _f("queried_on", "查询日期", "date", "Date of the inquiry.", required=True),
    ),
)

DATASETS: dict[str, DatasetSpec] = {
    s.name: s
    for s in (
        DISHONEST_LIST,
        HOTEL_BOOKING,
        SCHOOL_ENROLLMENT,
        SUBSIDY_APPLICATION,
        CIVIL_SERVICE_CANDIDATE,
        WELFARE_STATUS,
        ASSET_INQUIRY,
    )
}
AGENCY_DATASETS = (
    "hotel_booking",
    "school_enrollment",
    "subsidy_application",
    "civil_service_candidate",
)


def spec(name: str) -> DatasetSpec:
    """Return the spec of dataset `name`, with a one-line error for an unknown one."""
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(
            f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}"
        ) from None
