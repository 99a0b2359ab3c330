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
# 入库时被隔离的记录和各项数据质量检查发现的问题，用来决定哪些问题退回企业或平台整改。
#
# 参数：`WAREHOUSE`（每晚任务写入的数据仓库文件）。命令行：`wagewatch notebook data_quality`。

# %% tags=["parameters"]
WAREHOUSE = "../data/warehouse/wagewatch.duckdb"

# %%
from IPython.display import display

from pipelines import investigate as inv
from pipelines.reports import labels_zh as zh

con = inv.open_warehouse(WAREHOUSE)
files = inv.frame(
    con,
    "select status, count(*) as n_files, sum(rows_read) as n_rows from load_file group by status order by 1",
)
inv.in_chinese(files)

# %% [markdown]
# ## 隔离记录（按数据来源和原因）

# %%
quarantined = inv.quarantine_reasons(con)
if quarantined.height:
    shown = quarantined.with_columns(
        (
            quarantined["entity"].replace_strict(zh.ENTITY, default=quarantined["entity"])
            + "："
            + quarantined["reason"]
        ).alias("问题")
    )
    display(
        inv.bar_figure(
            shown, "问题", "n_rows", f"隔离记录 {quarantined['n_rows'].sum()} 条（按数据来源和原因）"
        )
    )
else:
    print("本次没有被隔离的记录。")
inv.in_chinese(quarantined)

# %% [markdown]
# ## 数据质量检查结果

# %%
findings = inv.quality_overview(con)
inv.in_chinese(findings)

# %%
if findings.height:
    display(
        inv.bar_figure(
            findings.group_by("title_zh").agg(inv.pl.col("n_rows").sum()),
            "title_zh",
            "n_rows",
            f"数据质量问题 {findings['title_zh'].n_unique()} 类（按涉及记录数）",
        )
    )
