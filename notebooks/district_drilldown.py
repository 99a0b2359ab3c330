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
# One district's 国考 indicators over time and the projects behind them. Parameters: `WAREHOUSE` and `AREA_CODE`
# (default: the district with the most red and orange lines).

# %% tags=["parameters"]
WAREHOUSE = "../data/warehouse/wagewatch.duckdb"
AREA_CODE = None

# %%
from pipelines import investigate as inv

con = inv.open_warehouse(WAREHOUSE)
area_code = AREA_CODE or inv.worst_district(con)
indicators = inv.district_indicators(con, area_code)
last_month = indicators["month"].max()
print(f"区县 {area_code}，最新月份 {last_month}")

# %% [markdown]
# ## 国考指标趋势

# %%
inv.indicator_trend_figure(
    indicators,
    {
        "rn_update_rate": "实名制更新率",
        "pm_onsite_rate": "项目经理到岗率",
        "chief_supervisor_onsite_rate": "总监到岗率",
    },
    f"{area_code} 国考指标（近12个月）",
)

# %% [markdown]
# ## 本月在管项目（实名制更新最差在前）

# %%
projects = inv.district_projects(con, area_code, last_month)
projects.select("project_code", "rn_update_rate", "avg_attendance", "pm_onsite_rate", "level", "rules").head(
    20
)

# %% [markdown]
# ## 本区县预警清单

# %%
district_lines = inv.warning_list(con, area_code)
inv.bar_figure(
    district_lines.group_by("level").len().rename({"len": "n"}),
    "level",
    "n",
    f"{area_code} 预警项目数（按等级）",
)
