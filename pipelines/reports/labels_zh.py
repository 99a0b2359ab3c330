"""Every Chinese label the lists and the dashboard show, in one place (identifiers stay English in code)."""

from __future__ import annotations

LEVEL = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
LEVEL_FILL = {"red": "FFC7CE", "orange": "FFD8A8", "yellow": "FFF2CC"}  # Excel fills, light enough to print
LEVEL_COLOR = {"red": "#C00000", "orange": "#ED7D31", "yellow": "#E0B000"}  # dashboard marks
CHANGE = {"new": "新增", "escalated": "升级", "de-escalated": "降级", "unchanged": "持续", "resolved": "销号"}
SEVERITY = {"blocking": "阻断", "warning": "提示"}

# Sheet 1 of the inspectors' workbook: column → header, in order (issue 7)
LIST_COLUMNS = {
    "level": "风险等级",
    "score": "风险分",
    "project_code": "项目编码",
    "project_name": "项目名称",
    "area_name": "所在区县",
    "contractor_corp_name": "总承包单位",
    "build_corp_name": "建设单位",
    "rule_labels": "触发规则",
    "reasons": "预警理由",
    "factors": "主要风险因素",
    "change": "新增/持续",
    "suggested_checks": "建议核查事项",
}
WORKER_COLUMNS = {
    "project_code": "项目编码",
    "project_name": "项目名称",
    "rule_id": "规则",
    "worker_name_masked": "姓名（脱敏）",
    "id_card_number_masked": "身份证号（脱敏）",
    "pay_month": "工资月份",
    "amount_owed_yuan": "欠发金额（元）",
}
FINDING_COLUMNS = {
    "severity": "级别",
    "title_zh": "问题",
    "entity": "数据来源",
    "project_code": "项目编码",
    "corp_code": "责任单位代码",
    "n_rows": "涉及记录数",
    "first_seen": "首次发现",
    "detail_zh": "说明",
}
CHANGE_COLUMNS = {
    "change": "变化",
    "project_code": "项目编码",
    "project_name": "项目名称",
    "area_name": "所在区县",
    "previous_level": "上期等级",
    "level": "本期等级",
}
ENTITY = {
    "project": "项目基本信息",
    "project_corp": "参建单位",
    "team": "班组",
    "project_worker": "项目工人花名册",
    "attendance": "考勤记录",
    "payroll": "工资发放",
    "wage_account": "农民工工资专用账户",
    "account_txn": "专户交易流水",
    "project_progress": "项目进度与产值",
    "payment_guarantee": "工程款支付担保",
    "wage_deposit": "工资保证金",
    "complaint": "欠薪投诉",
    "credit_event": "信用记录",
}
INDICATOR = {
    "rn_update_rate": "实名制更新率",
    "avg_attendance": "平均考勤人数",
    "pm_onsite_rate": "项目经理到岗率",
    "chief_supervisor_onsite_rate": "总监理工程师到岗率",
    "key_staff_onsite_rate": "项目经理和总监到岗率",
    "platform_share": "平台接入率",
    "account_open_rate": "专户开设率",
    "tripartite_rate": "三方协议签订率",
    "labor_cost_monthly_rate": "人工费按月拨付率",
    "labor_cost_sufficiency": "人工费足额拨付率",
    "payroll_on_time_rate": "工资按时发放率",
    "payroll_via_account_rate": "专户代发率",
    "paid_vs_attended": "出勤工人工资发放覆盖率",
    "guarantee_coverage": "工程款支付担保覆盖率",
    "guarantee_adequacy": "支付担保足额率",
    "deposit_coverage": "工资保证金缴存率",
    "contract_rate": "劳动合同签订率",
    "case_closure_rate": "欠薪案件办结率",
    "open_cases": "未办结案件数",
    "open_cases_over_30d": "超30天未办结案件数",
    "days_to_close": "平均办结天数",
}
NO_LINES = "本期无预警项目"
