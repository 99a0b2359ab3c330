# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 项目核查：这个项目为什么亮灯？
# 把一个项目的考勤、农民工工资专用账户的人工费拨付、工资发放和欠薪投诉放在同一条时间线上，并列出触发的预警规则和
# 涉及的工人（个人信息已脱敏）。
#
# 参数：`WAREHOUSE`（每晚任务写入的数据仓库文件）和 `PROJECT_CODE`（项目编码；不指定时核查预警清单第一位的项目）。
# 请先运行每晚任务；打开数据仓库时不要有每晚任务正在写入。命令行：`wagewatch notebook project_investigation --project 项目编码`。

# %% tags=["parameters"]
WAREHOUSE = "../data/warehouse/wagewatch.duckdb"
PROJECT_CODE = None

# %%
from pipelines import investigate as inv

con = inv.open_warehouse(WAREHOUSE)
lines = inv.warning_list(con)
project_code = inv.require_project(con, PROJECT_CODE or lines["project_code"][0])
print(f"清单日期 {inv.latest_as_of(con)}，预警项目 {lines.height} 个；核查项目 {project_code}")

# %% [markdown]
# ## 项目概况与触发规则

# %%
card = inv.project_card(con, project_code)
for field, value in inv.card_lines(card):
    print(f"{field}：{value}")

# %%
firings = inv.frame(
    con,
    "select rule_id, level, reason_zh from rule_firing where project_code = ? order by rule_id",
    [project_code],
)
inv.in_chinese(firings)

# %% [markdown]
# ## 一条时间线：考勤、专户拨付、工资发放、投诉
# 柱形为金额（万元，左轴），折线为日均考勤人数、叉号为欠薪投诉件数（右轴）；两条纵轴都从 0 开始。

# %%
timeline = inv.project_timeline(con, project_code)
inv.in_chinese(timeline.tail(12))

# %%
inv.timeline_figure(timeline, f"项目 {project_code}：人工费拨付、工资发放与考勤人数（按月）")

# %% [markdown]
# ## 涉及工人（已脱敏）

# %%
workers = inv.frame(
    con,
    "select list_filter([rule_id, also_rule_id], lambda r: r is not null) as rules, id_card_number_masked, "
    "worker_name_masked, pay_month, amount_owed_yuan, is_owed_now from rule_worker "
    "where project_code = ? order by pay_month, amount_owed_yuan desc",
    [project_code],
)
inv.in_chinese(workers)
