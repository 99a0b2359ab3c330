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
# # 项目核查：这个项目为什么是红色？
# One project's attendance, wage-account flows, payroll and complaints on one timeline, next to the rules that
# fired. Parameters: `WAREHOUSE` (the DuckDB file of the nightly run) and `PROJECT_CODE` (default: the top line of
# the current warning list). Run `wagewatch run …` first; open the warehouse while no nightly run is writing it.

# %% tags=["parameters"]
WAREHOUSE = "../data/warehouse/wagewatch.duckdb"
PROJECT_CODE = None

# %%
from pipelines import investigate as inv

con = inv.open_warehouse(WAREHOUSE)
lines = inv.warning_list(con)
project_code = PROJECT_CODE or (lines["project_code"][0] if lines.height else None)
print(f"清单日期 {inv.latest_as_of(con)}，预警项目 {lines.height} 个；核查项目 {project_code}")

# %% [markdown]
# ## 项目概况与触发规则

# %%
card = inv.project_card(con, project_code)
for field, value in card.row(0, named=True).items():
    print(f"{field:>22}: {value}")

# %%
firings = inv.frame(
    con, "select rule_id, level, reason_zh from rule_firing where project_code = ?", [project_code]
)
firings

# %% [markdown]
# ## 一条时间线：考勤、专户拨付、工资发放、投诉

# %%
timeline = inv.project_timeline(con, project_code)
timeline.tail(12)

# %%
inv.timeline_figure(timeline, f"{project_code}：人工费拨付、工资发放与考勤人数")

# %% [markdown]
# ## 涉及工人（脱敏）

# %%
inv.frame(
    con,
    "select * from rule_worker where project_code = ? order by pay_month, amount_owed_yuan desc",
    [project_code],
)
