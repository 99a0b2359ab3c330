"""Every Chinese label the lists and the dashboard show, in one place (identifiers stay English in code).

RULE holds the rules' short names (warnings.md); the catalogue, the lists, the dashboard and the investigations all
read them here. Sentence templates take named fields so that numbers are computed, never typed.
"""

from __future__ import annotations

# ── levels, changes, severities ────────────────────────────────────────────────────────────────────────────
LEVEL = {"red": "红色", "orange": "橙色", "yellow": "黄色"}
LEVEL_FILL = {"red": "FFC7CE", "orange": "FCE4D6", "yellow": "FFF2CC"}  # Excel row fills, light for print
LEVEL_COLOR = {"red": "#C00000", "orange": "#ED7D31", "yellow": "#D4A300"}  # dashboard marks
CHANGE = {
    "new": "新增",
    "escalated": "升级",
    "de-escalated": "降级",
    "unchanged": "持续",
    "out_of_scope": "移出范围",  # the project left risk scope: never shown as 销号 (triage.md)
    "closed": "销号",  # a disposition closed the line
    "resolved": "销号",
}
STAGE = {"awaiting": "待核查", "tracking": "整改跟踪"}
OVERDUE = "超期未核查"
SEVERITY = {"blocking": "阻断", "warning": "提示"}
NO_LEVEL = "—"

# ── rule short names R01–R17 (warnings.md) ─────────────────────────────────────────────────────────────────
RULE = {
    "R01": "人工费未按月拨付",
    "R02": "人工费拨付不足",
    "R03": "工资未按期发放",
    "R04": "未通过专户代发工资",
    "R05": "工资未足额发放",
    "R06": "出勤工人无工资记录",
    "R07": "工资低于最低工资标准",
    "R08": "个人工资异常偏高",
    "R09": "项目经理/总监到岗不足",
    "R10": "考勤中断或人数骤降",
    "R11": "工程款支付担保缺失或不足",
    "R12": "未缴存工资保证金",
    "R13": "参建企业有欠薪失信记录",
    "R14": "欠薪投诉",
    "R15": "专户余额不足",
    "R16": "离场工人工资未结清",
    "R17": "疑似代打卡或挂证",
}


def rule_label(rule_id: str) -> str:
    """'R03 工资未按期发放': the id with its short name; an unknown id stays as it is."""
    name = RULE.get(rule_id)
    return f"{rule_id} {name}" if name else rule_id


# ── a line's honest evidence and why its level (triage.md "Honest lines") ──────────────────────────────────────
OWED_NOW = "截至目前仍欠发工资{wan:.1f}万元、涉及{n}人（{months}）"
PAID_LATE = "逾期补发{wan:.1f}万元（{months}），属迟发而非未发"
BASIS_HARD = "已发生欠薪（{}），优先列入"
# the amount owed when a worked month has no pay line at all: the workers are owed, the amount due is not on record
OWED_NO_PAYROLL = "无工资单（{}），金额待核"
# an amount on record for some months and other worked months with no pay line at all: both said, neither hidden
OWED_PLUS_NO_PAYROLL = "{}万 + 无工资单（{}），金额待核"
BASIS_SCORE = "欠薪概率{}%，{}"
BASIS_BAND = {
    "red": "达红色线（≥{p}%）",
    "orange": "达橙色线（≥{p}%）",
    "yellow": "低于橙色线（{p}%）",
}
BASIS_RULES = "风险模型不可用，按预警规则排序"
BASIS_NOT_SCORED = "完工/停工/超期项目不在模型评分范围，按预警规则定级"
NO_RULE_REASON = "未触发预警规则，按风险分列入"
DEFAULT_CHECK = "核查专户人工费拨付、工资发放和考勤情况，评估欠薪风险"

# ── the inspectors' workbook ───────────────────────────────────────────────────────────────────────────────
FILE_STEM = "欠薪预警清单"
CITY = "全市"
UNKNOWN_AREA = "未知区县"
SHEET_LINES = "核查清单"
SHEET_TRACKING = "整改跟踪"
SHEET_RECTIFICATION = "整改清单"
NO_TRACKING = "本期无整改跟踪中的预警"
NO_RECTIFICATION = "本期无需书面整改的事项"
SHEET_WORKERS = "涉及工人"
SHEET_FINDINGS = "数据质量提示"
SHEET_CHANGES = "变化情况"
# hard evidence of wages owed beyond the inspection list's room (triage.hard_evidence_extra_share): never dropped
SHEET_LEADS = "欠薪线索"
NO_LEADS = "本期无未列入核查清单的欠薪线索"
LEAD_COLUMNS = {
    "project_code": "项目编码",
    "project_name": "项目名称",
    "area_name": "所在区县",
    "contractor_corp_name": "总承包单位",
    "owed_wan": "当前欠发工资（万元）",
    "workers_owed": "欠薪人数",
    "level": "风险等级",
    "score": "欠薪概率",
    "risk_factors": "触发规则及证据",
    "note": "说明",
}
LEAD_NOTE = "已发生欠薪，超出本期核查名额，未列入核查清单：请电话督办或下期核查"
NO_LINES = "本期无预警项目"
NO_WORKERS = "本期预警项目无涉及欠薪工人明细"
NO_FINDINGS = "本期无数据质量提示"
NO_CHANGES = "与上期清单相比无变化"
WORKBOOK_TITLE = "{scope}欠薪预警清单（{as_of}）"
WORKBOOK_SUBJECT = "农民工工资拖欠预警"
WORKBOOK_COMMENT = "wagewatch 生成；个人信息均已脱敏"
MODEL_FACTORS = "模型因素："
LIST_SEPARATOR = "；"
RULE_SEPARATOR = "、"

# Sheet 1 (核查清单) and 整改跟踪: warning-line field → header
LIST_COLUMNS = {
    "rank": "区内排名",  # the district's rank: in the city workbook it restarts per district
    "warning_id": "预警编号",
    "level": "风险等级",
    "score": "欠薪概率",
    "project_code": "项目编码",
    "project_name": "项目名称",
    "area_name": "所在区县",
    "contractor_corp_name": "总承包单位",
    "build_corp_name": "建设单位",
    "owed_wan": "当前欠发工资（万元）",
    "workers_owed": "欠薪人数",
    "late_paid": "逾期补发（迟发非欠发）",
    "level_basis": "等级依据",
    "risk_factors": "触发规则及证据",
    "model_factors": "主要风险因素",
    "change": "变化",
    "warning_date": "预警日期",
    "overdue": "超期未核查",
    "suggested_checks": "建议核查事项",
}
# the blank columns inspectors fill in and return (triage.md "Disposition returns"; data/contracts/disposition.yaml)
RETURN_COLUMNS = {
    "inspect_date": "核查日期",
    "outcome": "核查结论",
    "arrears_amount": "欠薪金额（元）",
    "workers_owed": "涉及人数",
    "action": "处置措施",
    "closed_date": "销号日期",
    "inspector_org": "核查单位",
    "note": "备注",
}
RETURN_HINT = "核查结论填代码：01 属实：存在欠薪 02 属实：违规但未欠薪 03 不属实 04 无法核实；处置措施：01 责令整改 02 约谈 03 立案查处 04 动用保证金 05 移送公安 09 其他"
OUTCOME = {"01": "属实：存在欠薪", "02": "属实：违规但未欠薪", "03": "不属实", "04": "无法核实（停工/失联）"}
ACTION = {
    "01": "责令整改",
    "02": "约谈",
    "03": "立案查处",
    "04": "动用保证金",
    "05": "移送公安",
    "09": "其他",
}
LATE_PAID = "{}万元（{}）"  # polars format: amount in 万元, pay months and when paid
YES = "是"
# 整改清单: one row per project and rule, grouped by the general contractor (总包)
RECTIFICATION_COLUMNS = {
    "contractor_corp_name": "总承包单位",
    "n_projects": "该单位项目数",
    "warning_id": "预警编号",
    "project_code": "项目编码",
    "project_name": "项目名称",
    "area_name": "所在区县",
    "rule_label": "问题",
    "evidence": "证据",
    "legal_basis": "依据",
    "change": "变化",
}
LEGAL_BASIS = {
    "R01": "《保障农民工工资支付条例》第二十九条：建设单位应按约定将人工费用及时足额拨付至农民工工资专用账户",
    "R02": "《保障农民工工资支付条例》第二十九条：人工费用应及时足额拨付至农民工工资专用账户",
    "R09": "《建筑施工项目经理质量安全责任十项规定（试行）》（建质〔2014〕123号）：项目经理应在岗履职；本地到岗率要求",
    "R11": "《保障农民工工资支付条例》第二十四条；住房城乡建设部《关于加快推进实行工程款支付担保制度的意见》（建市〔2019〕68号）",
    "R12": "《保障农民工工资支付条例》第三十二条；《工程建设领域农民工工资保证金规定》（人社部发〔2021〕65号）",
}
WORKER_COLUMNS = {
    "project_code": "项目编码",
    "project_name": "项目名称",
    "rule_label": "触发规则",
    "id_card_number_masked": "身份证号（脱敏）",
    "worker_name_masked": "姓名（脱敏）",
    "pay_month": "工资月份",
    "amount_owed_yuan": "欠发金额（元）",
    "is_owed_now": "计入当前欠发",
    "sheet": "所在清单",
}
# 涉及工人 sheet: a worker-month owed now that no rule has judged yet (its pay deadline passed, R05's make-good days
# not yet over), and the 计入当前欠发 column's words
WORKER_NO_RULE = "已过发放期限，补发期内"
WORKER_COUNTED = {True: "是", False: "否（离场结清，未到发放期限）"}
FINDING_COLUMNS = {
    "severity": "级别",
    "title_zh": "问题",
    "area_name": "范围",
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
    "rule_labels": "触发规则（本期或上期）",
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

# ── indicators (indicators.md) ─────────────────────────────────────────────────────────────────────────────
INDICATOR = {
    "rn_update_rate": "实名制更新率",
    "avg_attendance": "平均考勤人数",
    "pm_onsite_rate": "项目经理到岗率",
    "chief_supervisor_onsite_rate": "总监到岗率",
    "key_staff_onsite_rate": "项目经理和总监到岗率",
    "platform_share": "一体化平台占比",
    "account_open_rate": "专用账户开设率",
    "tripartite_rate": "三方协议签订率",
    "labor_cost_monthly_rate": "人工费按月拨付率",
    "labor_cost_sufficiency": "人工费拨付充足度",
    "payroll_on_time_rate": "工资按月足额发放率",
    "payroll_via_account_rate": "专户代发率",
    "paid_vs_attended": "发放人数覆盖率",
    "guarantee_coverage": "工程款支付担保覆盖率",
    "guarantee_adequacy": "支付担保足额率",
    "deposit_coverage": "工资保证金缴存率",
    "contract_rate": "劳动合同签订率",
    "case_closure_rate": "结案率",
    "open_cases": "未结案件数",
    "open_cases_over_30d": "超期未结案件数",
    "days_to_close": "平均办结天数",
}
PERSON_UNIT = "人"
CASE_UNIT = "件"
DAY_UNIT = "天"
MISS_VERB = {">=": "低于", ">": "未超过"}  # ≥ targets are missed below, > targets at or below
TARGET_SIGN = {">=": "≥", ">": ">"}
MET = "达标"
NOT_MET = "未达标"
NO_DATA = "无数据"

# ── the dashboard ──────────────────────────────────────────────────────────────────────────────────────────
DASHBOARD_TITLE = "{city}农民工工资支付监测看板"
DASHBOARD_SUBTITLE = "数据截至 {as_of}　指标月份 {month}{month_note}　本文件离线可打开，不访问网络"
MONTH_NOTE_COMPLETE = "（最近完整月）"
DASHBOARD_FOOTER = (
    "口径：国考指标按国办发〔2023〕33号考核口径的公开解读计算，目标值为系统设置（{targets}）；"
    "区县排名后{bottom_n}名按“一次通报、二次约谈、三次问责”递进。"
)
CITY_LINE = "全市"
TARGET_LINE = "目标 {target}"
SECTION = {  # numbered in page order by the dashboard (一、二、…)
    "agenda": "本月会议议程（通报 → 约谈 → 问责）",
    "firms": "重点企业（总包 / 建设单位）",
    "guokao": "国考实名制指标（区县对比）",
    "trends": "近12个月趋势",
    "ranking": "区县排名与通报",
    "compliance": "《保障农民工工资支付条例》合规（六制一金一表）",
    "cases": "欠薪案件",
    "warnings": "预警项目",
    "quality": "数据质量",
    "disposition": "预警核查与处置（闭环）",
}
NUMERALS = "一二三四五六七八九十"
CLOSED_LOOP = (
    "累计开出核查 {n} 条，处置率 {handling}，核实率 {verification}，已销号 {closed} 条，"
    "超期未核查 {overdue} 条；查实欠薪 {wan:.1f} 万元、涉及 {workers} 人"
)
CLOSED_LOOP_NONE = "尚无核查清单记录"
# the 数据质量通报's closed-loop section (pipelines/quality/bulletin.py)
BULLETIN_LOOP_TITLE = "附：预警核查闭环（处置率、核实率、销号）"
BULLETIN_LOOP_BY_LEVEL = "全市核实率：按预警开出月份、预警等级和区县内排名"
BULLETIN_LOOP_MONTH_COLUMNS = ("预警开出月份", "开出核查", "处置率", "核实率")
BULLETIN_LOOP_RATES = {  # disposition_area_month column → header
    "verification_rate_red": "红色核实率",
    "verification_rate_orange": "橙色核实率",
    "verification_rate_yellow": "黄色核实率",
    "verification_rate_top5": "排名前5核实率",
    "verification_rate_rank6_20": "排名6–20核实率",
    "verification_rate_rest": "排名20以后核实率",
}
BULLETIN_LOOP_NOTE = (
    "处置率＝15日内有核查结论的条数÷开出条数；核实率＝核查属实且存在欠薪（01）÷有核查结论（01–03），"
    "无法核实（04）不计入；月份为预警开出月份，同一预警以最新反馈为准；排名为开出当晚在区县核查清单中的序号。"
)
CLOSED_LOOP_COLUMNS = (
    "区县",
    "开出核查",
    "处置率",
    "核实率",
    "销号（销号率）",
    "平均销号天数",
    "在办",
    "超期未核查",
    "查实欠薪（万元）",
    "涉及人数",
)
CARD_TARGET = "目标 {target}"
CARD_TARGET_ZERO = "目标 动态清零（{target} 件）"
MOM = "环比"  # against the previous month
YOY = "同比"  # against the same month last year
NO_COMPARISON = "—"  # no value to compare with
MET_ALREADY = "已达标"
TO_TARGET = "按近{k}个月趋势约 {n} 个月达标"
TO_TARGET_BEYOND = "按近{k}个月趋势{years}年内无法达标"
TO_TARGET_NEVER = "按近{k}个月趋势无法达标"
TO_TARGET_NO_TREND = "历史数据不足，无法估算达标时间"
NOT_DELIVERED = "数据未报送"  # a null indicator: its source was not delivered
CARD_NOT_DELIVERED = "本月源数据未报送，无法计算"
CARD_WARNING_CHANGE = "新增 {new} · 升级 {escalated}"
CARD_BLOCKING_NOTE = "存在阻断级问题时预警清单暂停发布"
PRINT_BUTTON = "打印版"
PRINT_HINT = "按 A4 打印或另存为 PDF"
IMAGE_CAPTION = (
    "{city}　指标月份：{month}　数据来源：农民工工资支付监管平台（数据截至 {as_of}）　生成日期：{generated}"
)
CARD_WARNINGS = "{level}预警"
CARD_PROJECTS = "个"
CARD_OPEN_CASES = "未结案件"
CARD_CLOSURE = "年内结案率"
CARD_BLOCKING = "阻断级数据问题"
CARD_ITEMS = "类"
CARD_MISSING_SOURCES = "未报送的数据源"
CARD_NOT_DELIVERED_NOTE = "{sources}：相关指标不计算"

# finding sentences: chart titles state what the data show
GUOKAO_MISSED = "{n} 个区县{name}{verb}{target}（全市 {city}{change}，{status}）"
GUOKAO_ALL_MET = "各区县{name}均达到目标{target}（全市 {city}{change}）"
CITY_CHANGE = "，较上月 {change}"
GUOKAO_NO_DATA = "{name}：本月无指标数据"
TREND = "{name}近{n}个月：全市 {met} 个月达标"
TREND_CHANGE = "，{month} 较上月{direction} {delta}"
TREND_UP = "上升"
TREND_DOWN = "下降"
TREND_FLAT = "持平"
PERCENT_POINTS = "{value:.1f} 个百分点"
RANKING = (
    "{n} 个区县有指标排名后{bottom_n}：问责 {l3} 项、约谈 {l2} 项、通报 {l1} 项；{area}涉及最多（{k} 项）"
)
RANKING_NONE = "本月无区县指标排名后{bottom_n}，无需通报"
RANKING_NO_DATA = "本月无区县排名数据"
RANK_CELL = "第{rank}/{n}名"
LADDER_MARK = {1: "①", 2: "②", 3: "③"}
LADDER_LEGEND = "色块：①通报（提示函）②约谈（督办函）③问责（问责建议函）；数字为本月名次（第1名最好）"
RANKING_TABLE_AREA = "区县"
RANKING_TABLE_LEVEL = "{mark}{action}（{letter}）"  # column heads: ③问责（问责建议函）…
RANKING_TABLE_ITEM = "{name}（{value}，连续{months}个月）"
COMPLIANCE = "条例合规：全市{name}最低（{value}）；{area}有 {k} 项指标低于全市水平"
COMPLIANCE_CITY_ONLY = "条例合规：全市{name}最低（{value}）"
COMPLIANCE_NO_DATA = "条例合规：本月无指标数据"
CASES = "欠薪案件：全市未结 {open} 件（超期 {over} 件），年内结案率 {rate}（目标≥{target}，{status}）"
CASES_CHANGE = "；较上月：结案率 {rate}，未结案件 {open}"
CASES_DAYS = "；本月平均办结 {days} 天"
CASES_CLEARED = "欠薪案件：本月末无未结案件，已动态清零；年内结案率 {rate}"
CASES_OPEN_WITHIN = "30天内未结"
CASES_OPEN_OVER = "超期未结（>30天）"
CASES_SUBPLOTS = ("未结案件（件）", "年内结案率")
WARNINGS = "本期预警 {n} 个项目：红色 {red}、橙色 {orange}、黄色 {yellow}；新增 {new}、升级 {escalated}；{area}最多（{k} 个）"
WARNINGS_NONE = "本期无预警项目"
RULES = "触发最多的规则：{rule}（{k} 个项目）"
RULES_NONE = "本期无规则触发"
QUALITY = "数据质量：{k} 类问题，其中阻断级 {blocking} 类{names}；最多为“{title}”（{n} 处）"
QUALITY_BLOCKING_NAMES = "（{names}）"
QUALITY_NONE = "数据质量：本期未发现问题"
QUALITY_AXIS = "发现处数（项目/单位）"
PROJECTS_AXIS = "项目数"
STATIC_FOLDER = "通报图"  # beside the dashboard: the key charts as images for the monthly 通报 document
HOVER_GUOKAO = "%{x}：%{text}<br>达标项目占比 %{customdata}<extra></extra>"
HOVER_GUOKAO_H = "%{y}：%{text}<br>达标项目占比 %{customdata}<extra></extra>"
MONTH_TICK = "%Y-%m"  # month axes: 2025-07 (never "Jul 2025")
RULES_RED_SAME = "，其中红色 {k} 个"
RULES_RED = "；产生红色预警最多的规则：{rule}（{k} 个）"
HOVER_QUALITY = "%{y}：%{x} 处，涉及 %{customdata} 条记录<extra></extra>"
CHART_NAME = {  # short names: PNG file names of the 通报 export
    "ranking": "区县排名",
    "compliance": "条例合规",
    "cases": "欠薪案件",
    "warnings": "预警分布",
    "rules": "触发规则",
    "quality": "数据质量",
}
TREND_NAME = "{name}趋势"
CARD_OVERDUE = "其中超期 {n} 件"

# ── meeting agenda and firm view ───────────────────────────────────────────────────────────────────────────
AGENDA = "本月议程 {n} 项：区县问责 {l3} 项、约谈 {l2} 项、通报 {l1} 项，企业 {firms} 家（投诉阶梯）"
AGENDA_FIRST = "；首项：{action} {who}"
AGENDA_NONE = "本月无区县或企业进入通报、约谈、问责程序"
AGENDA_KIND_LINE = "{kind} · {document}"
AGENDA_KIND_AREA = "区县"
AGENDA_KIND_FIRM = "企业"
AGENDA_AREA_REASON = "{name} {value}，连续{months}个月排名后{bottom_n}"
AGENDA_FIRM_REASON = (
    "本月欠薪投诉 {n} 件（第{rank}名，涉及 {projects} 个项目），连续{months}个月列投诉前{top_n}"
)
AGENDA_AREA_REASON_FIRST = "{name} {value}，本月首次排名后{bottom_n}"
AGENDA_FIRM_REASON_FIRST = (
    "本月欠薪投诉 {n} 件（第{rank}名，涉及 {projects} 个项目），本月首次列投诉前{top_n}"
)
AGENDA_FIRM_DOCUMENT = "约谈通知书"
FIRMS = (
    "{n} 家企业的项目有红色或橙色预警；{name}（{role}）居首：红色 {red} 个、橙色 {orange} 个项目，"
    "未结投诉 {cases} 件（列出前 {shown} 家，共 {total} 家）"
)
FIRMS_NONE = "本期无企业涉及预警、未结投诉、整改事项或信用记录"
FIRM_ROLE = {"contractor": "总包", "build": "建设单位"}
FIRM_COLUMNS = (
    "序号", "企业名称", "角色", "红色预警项目", "橙色预警项目", "未结投诉", "整改事项", "信用记录", "投诉阶梯",
)  # fmt: skip
FIRM_COLUMN_CLASSES = ("n", "name", "role", "n", "n", "n", "n", "n", "step")
FIRM_LADDER_CELL = "{mark}{action}（连续{months}个月）"
FIRM_LADDER_CELL_FIRST = "{mark}{action}（本月首次）"
FIRMS_NOTE = (
    "整改事项：该企业项目上可发函整改的规则（{rules}）触发次数；信用记录：近{years}年失信、扣分等记录数；"
    "投诉阶梯：连续进入投诉前{top_n}的月数，按 约谈 → 更换项目经理 → 黑榜 递进。按红色、橙色预警项目数排序。"
)

# ── analyst notebooks (notebooks/*.py, pipelines/investigate.py) ───────────────────────────────────────────
NB_MONTH_AXIS = "月份"
NB_MONEY_AXIS = "金额（万元）"
NB_PEOPLE_AXIS = "人数（人）／投诉（件）"
NB_RATE_AXIS = "比率"
NB_PROJECTS_AXIS = "项目数（个）"
NB_ROWS_AXIS = "记录数（条）"
NB_AREA = "{name}（{code}）"
NB_TIMELINE_SERIES = {
    "labor_cost_inflow_yuan": "人工费拨付（万元）",
    "payroll_due_yuan": "应发工资（万元）",
    "payroll_paid_yuan": "实发工资（万元）",
    "avg_daily_workers": "日均考勤人数（人）",
    "n_complaints": "欠薪投诉（件）",
}
NB_UNKNOWN_PROJECT = (
    "未找到项目编码“{code}”：数据仓库中没有这个项目。请核对项目编码（共 {width} 位，例如 {example}），"
    "或不指定项目编码，默认核查预警清单第一位的项目。"
)
NB_UNKNOWN_AREA = "未找到区县代码“{code}”：数据仓库中没有这个区县的指标。可选的区县：{choices}。"
NB_NO_WARNINGS = "数据仓库中没有预警清单：请先运行每晚任务（wagewatch run），或指定{what}。"
NB_NO_WAREHOUSE = "未找到数据仓库文件 {path}：请先运行每晚任务（wagewatch run），或用 --warehouse 指定。"
NB_FAILED = "笔记本“{name}”执行失败：{reason}（已保存到 {path}，可打开查看出错的单元格）"
NB_UNKNOWN_NOTEBOOK = "没有名为“{name}”的笔记本；可选：{choices}。"
NB_IMAGES = "{stem}_图片"  # folder of the static images beside the executed notebook
NB_FIELD = {  # column → heading of the tables the notebooks show
    "project_code": "项目编码",
    "project_name": "项目名称",
    "area_code": "区县代码",
    "area_name": "所在区县",
    "prj_status": "项目状态",
    "contract_amount": "合同金额（万元）",
    "contractor_corp_name": "总承包单位",
    "build_corp_name": "建设单位",
    "start_date": "开工日期",
    "complete_date": "竣工日期",
    "level": "预警等级",
    "score": "风险分",
    "rules": "触发规则",
    "reasons": "触发原因",
    "factors": "主要风险因素",
    "suggested_checks": "建议核查事项",
    "rule_id": "规则",
    "reason_zh": "触发原因",
    "evidence_value": "证据值",
    "month": "月份",
    "n_working_days": "施工天数",
    "avg_daily_workers": "日均考勤人数",
    "labor_cost_inflow_yuan": "人工费拨付（万元）",
    "outflow_yuan": "专户支出（万元）",
    "month_end_balance_yuan": "月末余额（万元）",
    "payroll_due_yuan": "应发工资（万元）",
    "payroll_paid_yuan": "实发工资（万元）",
    "n_paid_workers": "发放人数",
    "n_complaints": "投诉件数",
    "id_card_number_masked": "身份证号（脱敏）",
    "worker_name_masked": "姓名（脱敏）",
    "pay_month": "工资月份",
    "amount_owed_yuan": "欠发金额（元）",
    "is_owed_now": "计入当前欠发",
    "rn_update_rate": "实名制更新率",
    "avg_attendance": "平均考勤人数",
    "pm_onsite_rate": "项目经理到岗率",
    "status": "状态",
    "n_files": "文件数",
    "n_rows": "记录数",
    "entity": "数据来源",
    "reason_code": "原因代码",
    "reason": "原因",
    "check_id": "检查项",
    "title_zh": "问题",
    "severity": "级别",
    "n_projects": "涉及项目数",
    "first_seen": "首次发现",
    "n": "项目数",
}
NB_FILE_STATUS = {
    "loaded": "已入库",
    "failed": "读取失败",
    "unknown_entity": "无法识别的文件",
    "already_loaded": "已入库过",
    "unpacked": "压缩包（已解压）",
}
NB_CARD_AREA = "所在区县"


def code_label(entity: str, column: str, code: str | None) -> str | None:
    """A code's Chinese name from the input standard's code table (data/contracts), e.g. prj_status 003 → 在建."""
    from pipelines.contracts import all_contracts

    if code is None:
        return None
    for c in all_contracts()[entity].columns:
        if c.name == column and c.codes:
            return c.codes.get(str(code), str(code))
    return str(code)


# which ranking orders the list (issue 17; docs/decisions.md "Own-history training"): the run summary and the title
# row of the 核查清单 sheet name it
RANKING_ZH = {
    "own_model": "本地历史训练模型",
    "prior": "内置先验模型",
    "rules": "预警规则计数",
    "untrained": "预警规则计数（风险模型未训练）",
    "stale": "预警规则计数（风险模型与当前特征不一致）",
}
RANKING_BASIS = "排序依据：{}"
RULES_RANKING_NOTE = "本地回测中风险模型不及预警规则计数，按预警规则计数排序"
