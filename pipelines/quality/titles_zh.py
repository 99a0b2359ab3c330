"""Every Chinese text of the data-quality checks: check titles, rule templates, severities, bulletin and Data Docs.

One dictionary per kind of text, keyed by stable English ids; code never writes Chinese for people elsewhere.
"""

from __future__ import annotations

SEVERITY = {"blocking": "阻断", "warning": "提示"}

SOURCE = {"load": "数据接收", "gx": "单表校验（GX）", "cross_source": "跨源核查"}
# 校验范围 of the single-table (GX) checks tonight (pipelines/quality/scope.py)
SCOPE = {"full": "全量", "incremental": "当日新增"}
SCOPE_REASON = {
    "no_state": "首次校验",
    "earlier_date": "重跑或补跑历史日期",
    "after_blocked": "上次校验存在阻断级问题，全部记录复核",
    "rules_changed": "校验规则有变更，全部记录按新规则复核",
    "month_end": "月末全量复核",
    "scheduled": "距上次全量校验已满{days}天",
    "new_rows": "上次校验以来新到的记录",
}
SCOPE_TEXT = {
    "full": "校验范围：全量。单表校验检查全部已入库记录{n_rows}条（{reason}）；跨源核查和数据接收检查每晚均为全量。",
    "incremental": "校验范围：当日新增。单表校验只检查上次校验以来新到的记录{n_rows}条（含迟到补报的文件；"
    "主键唯一性与同月已入库记录比对），已检查过的记录不重复通报，在下次全量校验时复核（上次全量校验：{last_full}）；"
    "跨源核查和数据接收检查每晚均为全量。",
}

# Fixed check ids → title. Generated GX checks are titled from RULE below with the contract's Chinese names.
CHECK_TITLES: dict[str, str] = {
    # load-level facts (ledger and quarantine)
    "file_unreadable": "文件无法读取（截断、编码错误或格式不符）",
    "file_unknown_entity": "文件名无法识别数据类型，未加载",
    "file_unreadable_share": "当晚无法读取的文件比例过高",
    "quarantine_share": "当晚数据源隔离记录比例过高",
    "duplicate_rows": "重复记录（同一文件内重复，已去重；跨期重复交付属正常重叠，不计）",
    "volume_low": "交付数据量异常偏少（远少于近期交付，可能漏传或文件不完整）",
    "volume_high": "交付数据量异常偏多（远多于近期交付，可能重复导出或日期错误）",
    "file_cut_last_line": "文件最后一行被截断（文件可能未传输完整）",
    "file_unknown_columns": "文件含数据标准以外的列（其值仅保存在原始层，不参与计算）",
    "file_entity_from_header": "文件名未标明数据实体，已按表头识别后加载",
    "hidden_sheet_not_loaded": "工作簿中的隐藏工作表含数据表头，未加载（如为有效数据，请取消隐藏后重新报送）",
    "file_date_differs_from_folder": "文件名日期与交付目录日期不一致（按目录日期入库，可能放错了目录）",
    "event_correction_not_taken": "重复报送的考勤、工资或交易记录与已入库记录内容不同（以首次报送为准，未采用）",
    "quarantine_broken_line": "隔离：行格式错误（字段数与表头不符）",
    "quarantine_missing_required": "隔离：必填字段为空",
    "quarantine_bad_date": "隔离：日期格式无法识别",
    "quarantine_bad_number": "隔离：数值格式无法识别",
    "quarantine_bad_bool": "隔离：是/否字段取值无法识别",
    "quarantine_out_of_range_date": "隔离：日期超出合理范围",
    "quarantine_out_of_range_number": "隔离：金额或数值超出合理范围（如为负数）",
    "quarantine_unknown_code": "隔离：代码不在标准代码表中",
    "quarantine_id_check_digit": "隔离：身份证号码校验位错误（GB 11643）",
    "quarantine_uscc_check_digit": "隔离：统一社会信用代码校验位错误（GB 32100）",
    "quarantine_too_long": "隔离：字段长度超过标准",
    "quarantine_bad_area": "隔离：行政区划代码不是6位数字",
    "quarantine_other": "隔离：其他原因",
    # cross-source checks
    "attendance_not_on_roster": "考勤人员不在项目花名册",
    "payroll_without_attendance": "工资发放人员当月无考勤",
    "attendees_without_payroll": "出勤人员无工资发放记录",
    "pm_not_set": "未设置项目经理",
    "pm_not_on_roster": "项目经理不在花名册",
    "chief_supervisor_not_set": "未设置总监理工程师",
    "chief_supervisor_not_on_roster": "总监理工程师不在花名册",
    "shared_wage_card": "多名工人共用同一工资卡",
    "shared_phone": "多名工人共用同一手机号",
    "punch_two_projects": "同一人员60分钟内在两个项目打卡",
    "payroll_not_via_wage_account": "工资代发账户不是项目专用账户",
    "attendance_unknown_project": "项目平台信息不匹配（考勤项目在项目库中不存在）",
    # the checker itself
    "gx_check_errored": "检查执行出错（结果不可信）",
}

# Generated GX rules: "{entity}：" + template; {column}/{columns}/{other} are the contract's Chinese column names.
RULE: dict[str, str] = {
    "key_not_null": "主键（{columns}）为空",
    "key_unique": "主键（{columns}）重复",
    "not_null": "{column}为空",
    "type": "{column}数据类型不符",
    "in_set": "{column}不在标准代码表中",
    "range": "{column}超出合理范围",
    "positive": "{column}应大于0",
    "uscc": "{column}校验位错误（GB 32100）",
    "id_shape": "{column}不符合18位居民身份证格式",
    "not_future": "{column}晚于数据日期",
    "in_project_life": "{column}不在项目工期内（开工前或超出计划竣工日期过久）",
    "date_order": "{column}早于{other}",
    "closed_without_date": "已办结但无办结日期",
}

# The same rules phrased as what is expected: the text each expectation shows in the Data Docs.
EXPECT: dict[str, str] = {
    "key_not_null": "主键（{columns}）不为空",
    "key_unique": "主键（{columns}）唯一",
    "not_null": "{column}不为空",
    "type": "{column}的数据类型为{type}",
    "in_set": "{column}取值在标准代码表中",
    "range": "{column}在合理范围内（{bounds}）",
    "positive": "{column}大于0",
    "uscc": "{column}校验位正确（GB 32100）",
    "id_shape": "{column}为18位居民身份证格式（仅查脱敏后的格式；校验位在接收时检查）",
    "not_future": "{column}不晚于数据日期",
    "in_project_life": "{column}在项目工期内（开工前{early}天至计划竣工后{overrun}天）",
    "date_order": "{column}不早于{other}",
    "closed_without_date": "已办结案件填写了办结日期",
}

TYPE_ZH = {
    "String": "文本",
    "Date": "日期",
    "DateTime": "日期时间",
    "Float": "数值",
    "Integer": "整数",
    "Boolean": "是/否",
}

# Quarantine reason codes of the loader (pipelines/ingest/validate.py) → check id; out_of_range is split by column type.
QUARANTINE_CHECK = {
    "broken_line": "quarantine_broken_line",
    "missing_required": "quarantine_missing_required",
    "bad_date": "quarantine_bad_date",
    "bad_number": "quarantine_bad_number",
    "bad_bool": "quarantine_bad_bool",
    "unknown_code": "quarantine_unknown_code",
    "id_check_digit": "quarantine_id_check_digit",
    "uscc_check_digit": "quarantine_uscc_check_digit",
    "too_long": "quarantine_too_long",
    "bad_area": "quarantine_bad_area",
}

DETAIL = {
    "gx_rows": "{n}条记录{title}",
    "gx_errored": "检查“{title}”执行出错，结果不可信：{message}",
    "file_unreadable": "{path}：{reason}",
    "file_unknown_entity": "{path}：{reason}",
    "quarantine": "{n}条记录被隔离（{files}个文件；字段：{columns}）",
    "duplicate_rows": "{n}条同一文件内的重复记录已去重（{files}个文件）",
    "volume_events": "{day}交付{n}条新记录，折合每天{rate:.0f}条（距上次交付{days}天），为此前{k}次交付中位数"
    "（每天{median:.0f}条）的{ratio:.0%}；文件：{files}",
    "volume_snapshot": "{day}交付{n}条记录，为此前{k}次交付中位数（{median:.0f}条）的{ratio:.0%}；文件：{files}",
    "file_cut_last_line": "{path}：{note}",
    "file_unknown_columns": "{path}：{note}",
    "file_entity_from_header": "{path}：{note}",
    "hidden_sheet_not_loaded": "{path}：隐藏工作表{note}未加载",
    "file_date_differs_from_folder": "{path}：文件名日期为{named}，交付目录日期为{folder}，已按{folder}入库",
    "event_correction_not_taken": "{path}：{note} 行与已入库记录主键相同但内容不同",
    "unreadable_share": "当晚{total}个文件中{failed}个无法读取（{share:.0%}，上限{limit:.0%}）",
    "quarantine_share": "当晚{read}条记录中{quarantined}条被隔离（{share:.1%}，上限{limit:.0%}）",
    "attendance_not_on_roster": "{n_people}人不在本项目花名册，共{n}条考勤记录",
    "payroll_without_attendance": "{month}{n}人发放工资但当月无考勤",
    "attendees_without_payroll": "{month}{n}名出勤工人无工资发放记录",
    "pm_not_set": "总承包单位未登记项目经理",
    "pm_not_on_roster": "登记的项目经理不在本项目花名册",
    "chief_supervisor_not_set": "监理单位未登记总监理工程师",
    "chief_supervisor_not_on_roster": "登记的总监理工程师不在本项目花名册",
    "shared_wage_card": "{n}名工人与他人共用工资卡",
    "shared_phone": "{n}名工人与他人共用手机号",
    "punch_two_projects": "{n}人在60分钟内于本项目和其他项目打卡",
    "payroll_not_via_wage_account": "{n}条工资记录的代发账户不是本项目专用账户",
    "attendance_unknown_project": "项目库中无此项目编码，{n}条考勤记录",
}

BULLETIN = {
    "title": "数据质量通报",
    "as_of": "数据截至 {as_of}",
    "published": "本期无阻断级问题，预警清单正常发布。",
    "blocked": "存在阻断级问题（{checks}），本期预警清单暂停发布，上一期清单保持不变。请尽快核实整改。",
    "overview": "本期共执行{n_checks}项检查（单表校验{n_gx}项、跨源核查{n_cross}项、数据接收检查{n_load}项），"
    "发现{n_problems}类问题、{n_findings}处，涉及{n_projects}个项目、{n_firms}家企业。",
    "by_problem": "一、按问题类型",
    "by_area": "二、按区县",
    "by_firm": "三、按企业（问题最多的在前）",
    "load": "四、数据接收情况",
    "not_delivered": "数据未报送：{sources}（截至{as_of}未收到任何数据）。",
    "not_delivered_effect": "以下指标显示为“数据未报送”，不计算、不按0%计：{indicators}；"
    "依赖这些数据的预警规则本期不触发。",
    "not_delivered_rules": "依赖这些数据的预警规则本期不触发。",
    "notes": "说明",
    "col_problem": "问题",
    "col_severity": "级别",
    "col_source": "数据来源",
    "col_kind": "检查类别",
    "col_projects": "涉及项目数",
    "col_findings": "问题处数",
    "col_rows": "记录数",
    "col_last_month": "上月记录数",
    "col_change": "较上月",
    "col_area": "区县",
    "col_rank": "序号",
    "col_firm": "企业名称",
    "col_uscc": "统一社会信用代码",
    "col_problems": "主要问题",
    "col_detail": "说明",
    "col_first_seen": "首次发现",
    "none": "无",
    "unknown_area": "未能归属区县",
    "new": "新增",
    "no_previous": "上月无通报数据",
    "previous": "对比上月通报（{as_of}）",
    "note_severity": "阻断级问题出现时当晚预警清单不发布，上一期清单保持不变；提示级问题随清单发布并注明。",
    "note_firm": "企业指项目的总承包单位；“问题处数”为项目×问题类型的个数，记录数为涉及的记录或人数。",
    "note_docs": "逐表校验明细见 Great Expectations 数据文档：",
    "note_privacy": "本通报不含个人身份信息；人员以脱敏形式在系统内核查。",
    # 更正: a late file for an earlier extract date changed months already reported (pipelines/quality/corrections.py)
    "corrected": "更正：{months} 的指标因补报的往期数据而更正，与此前发布的通报数值不同，以本期为准。",
    "corrected_mark": "更正",
    "corrections": "五、已发布月份更正",
    "col_month": "月份",
    "col_file": "补报文件",
    "col_extract_date": "数据批次日期",
    "col_rows_changed": "新增或变更记录数",
    "col_loaded_on": "接收日期",
    "note_corrected": "各月指标按该月月末前报送的数据计算，以后的报送不改变已发布月份；"
    "只有在该月之后才送达、批次日期不晚于该月月末的补报文件会更正该月，列于上表。",
}

# Data Docs: GX's English boilerplate → Chinese (exact text of an element, after trimming).
DOCS_TEXT = {
    "Data Docs": "数据文档",
    "Validation Results": "校验结果",
    "Expectation Suites": "校验套件",
    "Expectation Suite": "校验套件",
    "Expectation Validation Result": "校验结果",
    "Evaluates whether a batch of data matches expectations.": "逐条检查本表数据是否符合规则。",
    "Overview": "概览",
    "Statistics": "统计",
    "Evaluated Expectations": "检查项数",
    "Successful Expectations": "通过",
    "Unsuccessful Expectations": "未通过",
    "Success Percent": "通过率",
    "Table of Contents": "目录",
    "Table-Level Expectations": "表级检查",
    "Status": "状态",
    "Expectation": "检查内容",
    "Observed Value": "观察值",
    "Actions": "操作",
    "Show more info...": "更多信息",
    "Info": "信息",
    "Batch Markers": "批次标记",
    "Batch Spec": "批次说明",
    "Home": "首页",
    "Run Time": "运行时间",
    "Run Name": "运行名称",
    "Succeeded": "通过",
    "Failed": "未通过",
    "Data asset:": "数据表：",
    "Validation Filter:": "",
    "Status:": "状态：",
    "Expectation Suite:": "校验套件：",
    "Data Docs created by Great Expectations": "数据质量校验明细",
    "Data documentation compiled by Great Expectations": "数据质量校验明细",
    "A collection of Expectations defined for batches of data.": "本表的全部校验规则（由数据标准生成）。",
    "Expectation Suite Name": "校验套件名称",
    "Great Expectations Version": "Great Expectations 版本",
    "Notes": "说明",
    "Show All": "全部",
    "Failed Only": "仅未通过",
    "Clear Filters": "清除筛选",
    "local": "本地",
    "| local": "｜本地",
    "batch_identifiers": "批次标识",
    "data_asset_name": "数据表",
    "schema_name": "模式",
    "table_name": "表名",
    "type": "类型",
    "table": "整表",
    "ge_load_time": "载入时间",
    "__none__": "—",
    "None": "—",
    # observed column types (GX's generic SQLAlchemy names and DuckDB's)
    "String": "文本",
    "VARCHAR": "文本",
    "FLOAT": "数值",
    "DOUBLE": "数值",
    "Float": "数值",
    "DATE": "日期",
    "Date": "日期",
    "TIMESTAMP": "日期时间",
    "DateTime": "日期时间",
    "INTEGER": "整数",
    "BIGINT": "整数",
    "Integer": "整数",
    "BOOLEAN": "是/否",
    "Boolean": "是/否",
}
# GX sentences with numbers or names in them: (pattern over a whole text node, Chinese replacement)
DOCS_PATTERNS = (
    (
        r"This Expectation suite currently contains (\d+) total Expectations across (\d+) columns\.",
        r"本套件共 \1 项校验规则，涉及 \2 列。",
    ),
    (r"(\d+(?:\.\d+)?)% unexpected", r"不符合 \1%"),
    (r"Data asset: (.+)", r"数据表：\1"),
    (r"Expectations / (.+)", r"校验套件 / \1"),
    (r"Validations / ([^/]+?) / [^/]+? / [^/]+? / (.+)", r"校验结果 / \1 / \2"),  # run name and suite dropped
    (r"Validations / (.+)", r"校验结果 / \1"),
)
LOCAL_TIME = "{time}（北京时间）"  # GX writes UTC; the pages show the run's local time (Settings.timezone)

DOCS_INDEX = {
    "title": "数据质量检查明细（Great Expectations 数据文档）",
    "intro": "每张暂存表一套校验规则（由数据标准生成），在数据仓库（DuckDB）中直接执行。"
    "本页离线可读，不访问任何外部网络资源。",
    "status": "结果",
    "table": "数据表",
    "suite": "校验套件",
    "result": "校验结果",
    "run_time": "运行时间",
    "passed": "通过",
    "failed": "未通过",
    "open": "查看",
}

# The Chinese index page of the Data Docs (pipelines/quality/docs_index.py): what each suite checks, its links
DOCS_HOME = {
    "title": "数据质量校验明细",
    "subtitle": "数据截至 {as_of}　校验时间 {run_at}（北京时间）　本页离线可读，不访问任何外部网络资源",
    "summary": "本次共校验 {n_tables} 张表、{n_rules} 项规则：通过 {n_passed} 项，未通过 {n_failed} 项，执行出错 {n_errored} 项。",
    "intro": "每张暂存表（已入库、已去重的平台数据）有一套校验规则，由数据标准（data/contracts）自动生成，"
    "用开源工具 Great Expectations 在数据仓库中直接执行。规则分为以下几类：",
    "how": "“规则明细”列出一张表的全部规则；“校验结果”列出每条规则本次的结果和不符合的记录数。"
    "未通过的规则同时作为数据质量问题写入数据质量通报，并按项目和企业拆分。",
    "table": "数据表",
    "checks": "本表检查内容",
    "n_rules": "规则数",
    "result": "本次结果",
    "links": "明细",
    "suite_link": "规则明细",
    "result_link": "校验结果",
    "all_passed": "✔ 全部通过",
    "failed": "✘ 未通过 {n} 项：{titles}",
    "errored": "⚠ 执行出错 {n} 项：{titles}",
    "kinds_sep": "、",
    "gx_index": "Great Expectations 原始索引页（已汉化）",
    "footer": "由 wagewatch 生成；校验引擎 Great Expectations {version}。",
}
RULE_KINDS = {  # Rule.kind → what it checks, as the index page lists it
    "key_not_null": "主键不为空",
    "key_unique": "主键不重复",
    "not_null": "必填字段不为空",
    "type": "字段数据类型",
    "in_set": "代码在代码表内",
    "range": "数值在合理范围内",
    "positive": "金额为正数",
    "uscc": "统一社会信用代码校验位（GB 32100）",
    "id_shape": "证件号码脱敏格式",
    "sql": "业务规则（日期先后、工期内、不晚于数据日期、跨表一致等）",
}
