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
# # 数据质量探查
# What the loader quarantined and what the checks found, to decide what to send back to firms and platforms.
# Parameter: `WAREHOUSE`.

# %% tags=["parameters"]
WAREHOUSE = "../data/warehouse/wagewatch.duckdb"

# %%
from pipelines import investigate as inv

con = inv.open_warehouse(WAREHOUSE)
files = inv.frame(
    con, "select status, count(*) as n_files, sum(rows_read) as n_rows from load_file group by status"
)
files

# %% [markdown]
# ## 隔离记录（按原因）

# %%
quarantined = inv.quarantine_reasons(con)
quarantined

# %%
inv.bar_figure(
    quarantined.with_columns((quarantined["entity"] + "：" + quarantined["reason"]).alias("问题")),
    "问题",
    "n_rows",
    "隔离记录数（按数据源和原因）",
)

# %% [markdown]
# ## 数据质量检查结果

# %%
findings = inv.quality_overview(con)
findings

# %%
if findings.height:
    inv.bar_figure(findings, "title_zh", "n_rows", "数据质量问题涉及记录数")
