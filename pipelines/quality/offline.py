"""Make GX Data Docs readable with no network: drop CDN stylesheets, scripts and images, add a local stylesheet."""

from __future__ import annotations

import re
from pathlib import Path

_REMOTE_TAG = re.compile(
    r"<(?:link|script|img)\b[^>]*(?:href|src)\s*=\s*[\"']?(?:https?:)?//[^>]*>(?:\s*</script>)?",
    re.IGNORECASE,
)
_REMOTE_LINK = re.compile(r"""href\s*=\s*["'](?:https?:)?//[^"']*["']""", re.IGNORECASE)
_REMOTE_URL = re.compile(r"""url\(\s*["']?(?:https?:)?//[^)]*\)""", re.IGNORECASE)
LOCAL_CSS = """<style>
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:16px;color:#222}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
.navbar,nav{background:#f2f2f2;padding:8px}a{color:#2F75B5}.hide{display:none}
.badge-success,.text-success{color:#2E7D32}.badge-danger,.text-danger{color:#C00000}
</style>"""


def make_offline(folder: Path) -> int:
    """Rewrite every HTML file under `folder` in place; returns how many remote references were removed."""
    removed = 0
    for path in folder.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        text, n_tags = _REMOTE_TAG.subn("", text)
        text, n_urls = _REMOTE_URL.subn("none", text)
        text, n_links = _REMOTE_LINK.subn('href="#"', text)  # links out of an intranet page go nowhere
        n_urls += n_links
        if n_tags or n_urls:
            text = text.replace("</head>", LOCAL_CSS + "</head>", 1)
        removed += n_tags + n_urls
        path.write_text(text, encoding="utf-8")
    return removed
