"""The model's feature columns, their preprocessing, and how each is said in plain Chinese."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

CATEGORICAL = ["invest_type", "category"]

NUMERIC = [
    # project attributes
    "log_contract_amount",
    "age_months",
    "months_to_planned_completion",
    "work_done_share",
    # owner payments
    "owner_pay_rate_1m",
    "owner_pay_rate_3m",
    "owner_pay_rate_cum",
    "owner_pay_rate_all_projects",
    "owner_pay_rate_all_projects_1m",
    # labour-cost inflows and the wage account
    "labor_inflow_gap_3m",
    "months_since_labor_inflow",
    "n_months_no_inflow_12m",
    "has_wage_account",
    "inflow_outflow_ratio_3m",
    "balance_months_of_payroll",
    "balance_change_3m_months_of_payroll",
    # payroll history
    "n_late_pay_months_6m",
    "contractor_late_pay_share_6m",
    "max_outstanding_share_6m",
    "last_shortfall_share",
    "last_unpaid_worker_share",
    "current_paid_share",
    # attendance and key staff
    "headcount_28d",
    "headcount_trend",
    "days_since_last_punch",
    "n_working_days_28d",
    "pm_onsite_rate_28d",
    "chief_onsite_rate_28d",
    # firm history
    "n_complaints_12m",
    "n_verified_complaints_12m",
    "n_open_complaints",
    "n_contractor_complaints_other_12m",
    "n_contractor_open_complaints_other",
    "n_owner_complaints_other_12m",
    "n_credit_events_2y",
    "n_contractor_projects",
    # securities
    "has_valid_guarantee",
    "guarantee_share_of_contract",
    "has_valid_deposit",
    # the rule signals as one number (red 3, orange 2, yellow 1)
    "rules_signal_score",
]

FEATURES = NUMERIC + CATEGORICAL
LABEL = "label"


def _pct(v: float) -> str:
    return f"{v:.0%}"


@dataclass(frozen=True)
class Factor:
    """How a feature reads as a reason on the list: a phrase with its value."""

    text: Callable[[float], str]


# One phrase per feature, in the words an inspector uses (warnings.md: every line must say why it is there).
FACTORS_ZH: dict[str, Factor] = {
    "log_contract_amount": Factor(lambda v: f"合同金额规模（约{10**v / 1e4:,.0f}万元）"),
    "age_months": Factor(lambda v: f"开工时长{v:.0f}个月"),
    "months_to_planned_completion": Factor(lambda v: f"距计划竣工{v:.0f}个月"),
    "work_done_share": Factor(lambda v: f"已完成产值占合同{_pct(v)}"),
    "owner_pay_rate_1m": Factor(lambda v: f"建设单位本月工程款支付率低（{_pct(v)}）"),
    "owner_pay_rate_3m": Factor(lambda v: f"建设单位近3个月工程款支付率低（{_pct(v)}）"),
    "owner_pay_rate_cum": Factor(lambda v: f"建设单位累计工程款支付率低（{_pct(v)}）"),
    "owner_pay_rate_all_projects": Factor(lambda v: f"建设单位在各项目的工程款支付率低（{_pct(v)}）"),
    "owner_pay_rate_all_projects_1m": Factor(lambda v: f"建设单位本月在各项目的工程款支付率低（{_pct(v)}）"),
    "labor_inflow_gap_3m": Factor(lambda v: f"近3个月人工费拨付不足（缺口率{_pct(v)}）"),
    "months_since_labor_inflow": Factor(lambda v: f"已{v:.1f}个月无人工费拨付"),
    "n_months_no_inflow_12m": Factor(lambda v: f"近12个月有{v:.0f}个施工月无人工费拨付"),
    "has_wage_account": Factor(lambda v: "未开设农民工工资专用账户" if v < 0.5 else "已开设工资专户"),
    "inflow_outflow_ratio_3m": Factor(lambda v: f"专户近3个月收支比{v:.2f}"),
    "balance_months_of_payroll": Factor(lambda v: f"专户余额仅够{v:.1f}个月工资"),
    "balance_change_3m_months_of_payroll": Factor(lambda v: f"专户余额近3个月变化{v:+.1f}个月工资"),
    "contractor_late_pay_share_6m": Factor(lambda v: f"总包单位近6个月各项目工资逾期月份占{_pct(v)}"),
    "n_late_pay_months_6m": Factor(lambda v: f"近6个月有{v:.0f}个月工资未按期足额发放"),
    "max_outstanding_share_6m": Factor(lambda v: f"近6个月工资最高欠发比例{_pct(v)}"),
    "last_shortfall_share": Factor(lambda v: f"上一发放月工资欠发{_pct(v)}"),
    "last_unpaid_worker_share": Factor(lambda v: f"上月{_pct(v)}出勤工人无工资记录"),
    "current_paid_share": Factor(lambda v: f"本期工资已发放{_pct(v)}"),
    "headcount_28d": Factor(lambda v: f"近4周日均在场{v:.0f}人"),
    "headcount_trend": Factor(lambda v: f"近4周出勤人数为前8周的{_pct(v)}"),
    "days_since_last_punch": Factor(lambda v: f"已{v:.0f}天无考勤记录"),
    "n_working_days_28d": Factor(lambda v: f"近4周施工{v:.0f}天"),
    "pm_onsite_rate_28d": Factor(lambda v: f"项目经理到岗率{_pct(v)}"),
    "chief_onsite_rate_28d": Factor(lambda v: f"总监理工程师到岗率{_pct(v)}"),
    "n_complaints_12m": Factor(lambda v: f"本项目近12个月欠薪投诉{v:.0f}件"),
    "n_verified_complaints_12m": Factor(lambda v: f"本项目近12个月查实欠薪{v:.0f}件"),
    "n_open_complaints": Factor(lambda v: f"本项目有{v:.0f}件未办结投诉"),
    "n_contractor_complaints_other_12m": Factor(lambda v: f"总包单位其他项目近12个月被投诉{v:.0f}件"),
    "n_contractor_open_complaints_other": Factor(lambda v: f"总包单位其他项目有{v:.0f}件未办结投诉"),
    "n_owner_complaints_other_12m": Factor(lambda v: f"建设单位其他项目近12个月被投诉{v:.0f}件"),
    "n_credit_events_2y": Factor(lambda v: f"参建企业近2年欠薪失信/违法分包记录{v:.0f}条"),
    "n_contractor_projects": Factor(lambda v: f"总包单位在建项目{v:.0f}个"),
    "has_valid_guarantee": Factor(lambda v: "无有效工程款支付担保" if v < 0.5 else "有工程款支付担保"),
    "guarantee_share_of_contract": Factor(lambda v: f"支付担保仅占合同{_pct(v)}"),
    "has_valid_deposit": Factor(lambda v: "总包单位无有效工资保证金" if v < 0.5 else "有工资保证金"),
    "rules_signal_score": Factor(lambda v: f"预警规则信号分{v:.0f}"),
    "invest_type": Factor(lambda v: "投资类型"),
    "category": Factor(lambda v: "项目分类"),
}

# Features that describe a project rather than a risk: the model may use them, a line never names them as a reason
# (issue 16: "投资类型：国有企业投资" and "预警规则信号分19" are not risks; the rules are listed as evidence already).
CONTEXT_FEATURES = frozenset(
    {
        "invest_type",
        "category",
        "rules_signal_score",
        "log_contract_amount",
        "age_months",
        "months_to_planned_completion",
        "work_done_share",
        "headcount_28d",
        "n_working_days_28d",
        "n_contractor_projects",
        "inflow_outflow_ratio_3m",
        "current_paid_share",
    }
)
# a binary or level feature names a risk only on its risky side
_RISKY_SIDE = {
    "has_wage_account": lambda v: v < 0.5,
    "has_valid_guarantee": lambda v: v < 0.5,
    "has_valid_deposit": lambda v: v < 0.5,
    "balance_months_of_payroll": lambda v: v < 1.0,
    "balance_change_3m_months_of_payroll": lambda v: v < 0,
    "headcount_trend": lambda v: v < 0.8,
    "pm_onsite_rate_28d": lambda v: v < 0.6,
    "chief_onsite_rate_28d": lambda v: v < 0.6,
    "guarantee_share_of_contract": lambda v: v < 0.1,
    **{
        f: (lambda v: v < 0.9)  # an owner paying under 90 % of the certified work ("支付率低")
        for f in (
            "owner_pay_rate_1m",
            "owner_pay_rate_3m",
            "owner_pay_rate_cum",
            "owner_pay_rate_all_projects",
            "owner_pay_rate_all_projects_1m",
        )
    },
}


def is_risk_factor(feature: str, value: object) -> bool:
    """Whether a feature at this value reads as a risk on a warning line (with its number)."""
    if feature in CONTEXT_FEATURES:
        return False
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    if v != v:  # noqa: PLR0124 - a missing value is not a risk with a number
        return False
    side = _RISKY_SIDE.get(feature)
    return side(v) if side else v > 0


INVEST_TYPE_ZH = {"01": "政府投资", "02": "国有企业投资", "03": "社会投资"}


def factor_text(feature: str, value: object) -> str:
    """The plain-Chinese reason for one feature at its value (`值缺失` when the value is missing)."""
    if feature == "invest_type":
        return f"投资类型：{INVEST_TYPE_ZH.get(str(value), str(value))}"
    if feature == "category":
        return f"项目分类：{value}"
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = float("nan")
    if v != v:  # noqa: PLR0124 - NaN check
        return f"{FACTORS_ZH[feature].text(0.0).split('（')[0]}（数据缺失）"
    return FACTORS_ZH[feature].text(v)


def preprocessor(kind: str) -> ColumnTransformer:
    """Median-impute with missing-value indicators (a source not delivered is itself a signal); linear models are
    also standardised. Trees get the same imputation: a feature entirely missing in training (a source a world does
    not deliver) would otherwise break their binning."""
    onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    steps = [("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True))]
    if kind == "logistic":
        steps.append(("scale", StandardScaler()))
    return ColumnTransformer(
        [("num", Pipeline(steps), NUMERIC), ("cat", onehot, CATEGORICAL)], verbose_feature_names_out=False
    )
