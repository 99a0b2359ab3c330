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
# # 区县下钻：国考指标与预警项目
# 一个区县的国考实名制指标逐月走势，以及指标背后的在管项目和本区县的预警清单。
#
# 参数：`WAREHOUSE`（每晚任务写入的数据仓库文件）和 `AREA_CODE`（区县代码；不指定时为红色、橙色预警项目最多的区县）。
# 命令行：`wagewatch notebook district_drilldown --area 区县代码`。

# %% tags=["parameters"]
WAREHOUSE = "../data/warehouse/wagewatch.duckdb"
AREA_CODE = None

# %%
from pipelines import investigate as inv
from pipelines.reports import labels_zh as zh
from pipelines.settings import Settings

con = inv.open_warehouse(WAREHOUSE)
area_code = inv.require_area(con, AREA_CODE or inv.worst_district(con))
area = inv.area_label(area_code)
indicators = inv.district_indicators(con, area_code)
last_month = indicators["month"].max()
print(f"{area}，最新指标月份 {inv.month_zh(last_month)}")

# %% [markdown]
# ## 国考指标趋势
# 纵轴为比率（0%–100%），虚线为实名制更新率的目标值。

# %%
target = Settings().indicators.target_rn_update_rate
inv.indicator_trend_figure(
    indicators,
    {c: zh.INDICATOR[c] for c in ("rn_update_rate", "pm_onsite_rate", "chief_supervisor_onsite_rate")},
    f"{area}：国考实名制指标逐月走势（目标 {target:.0%}）",
    target=target,
)

# %% [markdown]
# ## 本月在管项目（实名制更新最差的在前）

# %%
projects = inv.district_projects(con, area_code, last_month)
inv.in_chinese(
    projects.select(
        "project_code", "rn_update_rate", "avg_attendance", "pm_onsite_rate", "level", "rules"
    ).head(20)
)

# %% [markdown]
# ## 本区县预警清单

# %%
district_lines = inv.warning_list(con, area_code)
inv.level_figure(district_lines, f"{area}：预警项目 {district_lines.height} 个（按预警等级）")

# %%
inv.in_chinese(
    district_lines.select("rank", "project_code", "project_name", "level", "score", "rules")
).rename({"rank": "排名"})
