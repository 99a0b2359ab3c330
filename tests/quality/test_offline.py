"""Data Docs made offline: no remote tag, no script, the index's tables written out, labels in Chinese."""

from __future__ import annotations

from pipelines.quality.offline import make_offline, offline_page, remote_references

GX_LIKE_INDEX = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css">
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<link href="//unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css" rel="stylesheet">
<style>.x{background:url(https://example.org/a.png)}</style>
</head><body>
<nav><a href="https://greatexpectations.io/"><img src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo.png"></a></nav>
<h5>Validation Results</h5>
<table
  id="section-1-table"
  class="table-sm"
  data-toggle="table"
>
</table>
<script>
  $('#section-1-table').bootstrapTable(
    Object.assign(
      {
        columns: [{'field': 'validation_success', 'title': 'Status'}],
        data: [{'validation_success': '<i class="fas fa-check-circle"></i>', 'run_time': '2025-06-30 02:31:00 UTC', 'asset_name': 'payroll', '_expectation_suite_name_sort': 'payroll', '_table_row_link_path': 'validations/payroll/x/warehouse-payroll.html', '_validation_success_text': 'Failed'}],
        toolbar: '#t'
      },
      {'search': 'true'}
    )
  );
</script>
<footer><p>Stay current on everything GX with our newsletter <a href="https://greatexpectations.io/newsletter">Subscribe</a></p></footer>
</body></html>"""


def test_remote_references_are_found_in_tags_and_css():
    assert len(remote_references(GX_LIKE_INDEX)) == 7  # 3 CDN tags, 1 CSS url, 2 links, the logo


def test_index_page_becomes_static_chinese_html_without_network():
    page, removed = offline_page(GX_LIKE_INDEX, is_index=True)
    assert removed >= 7
    assert remote_references(page) == []
    assert "<script" not in page
    assert "newsletter" not in page
    assert "✘ 未通过" in page  # the validation list, written out from the script's data
    assert "href='validations/payroll/x/warehouse-payroll.html'" in page
    assert "<h5>校验结果</h5>" in page
    assert "数据质量检查明细" in page
    assert 'lang="zh-CN"' in page


def test_make_offline_rewrites_every_page_and_stylesheet(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "index.html").write_text(GX_LIKE_INDEX, encoding="utf-8")
    (tmp_path / "static" / "a.css").write_text(
        "@import url('https://x.org/f.css');p{color:red}", encoding="utf-8"
    )
    sub = tmp_path / "validations"
    sub.mkdir()
    (sub / "v.html").write_text(
        '<html><head></head><body><img src="http://x.org/t.gif">ok</body></html>', "utf-8"
    )
    assert make_offline(tmp_path) >= 8
    for path in tmp_path.rglob("*.*"):
        assert remote_references(path.read_text(encoding="utf-8")) == [], path
    assert "数据质量检查明细" not in (sub / "v.html").read_text(
        encoding="utf-8"
    )  # the banner is the index's only
