"""Render a page in headless Chromium with the network off; read back its DOM, screenshot and every request.

Requests come from Chromium's NetLog: a request the page made carries the page's origin as initiator (`null`
for a file:// page); the browser's own background calls carry "not an origin" and are not the page's doing.
"""

from __future__ import annotations

import html
import json
import re
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: nothing can leave the machine
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--virtual-time-budget=3000",
)
NETWORK_SCHEMES = ("http:", "https:", "ws:", "wss:", "ftp:")


@dataclass(frozen=True)
class Rendering:
    """What Chromium made of a page."""

    dom: str
    screenshot: Path
    requests: list[str]  # network URLs the page asked for


def chromium(page: Path, profile: Path, *args: str) -> str:
    """Open `page` from disk in headless Chromium with no network; returns what Chromium printed (stdout)."""
    assert CHROMIUM.exists(), "Debian chromium is missing: `make system-deps` installs it"
    return subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def dom(page: Path, work: Path) -> str:
    """The page's DOM after its scripts ran."""
    return chromium(page, work / "profile", "--dump-dom")


def render(page: Path, work: Path, window: tuple[int, int] = (1600, 3000)) -> Rendering:
    """Load `page` from disk once: DOM after scripts ran, a screenshot, and the page's network requests."""
    work.mkdir(parents=True, exist_ok=True)
    shot, netlog = work / "screenshot.png", work / "netlog.json"
    page_dom = chromium(
        page,
        work / "profile",
        f"--window-size={window[0]},{window[1]}",
        f"--screenshot={shot}",
        f"--log-net-log={netlog}",
        "--dump-dom",
    )
    return Rendering(dom=page_dom, screenshot=shot, requests=page_requests(netlog))


def page_requests(netlog: Path) -> list[str]:
    """Network URLs requested by pages (not by the browser itself) in a Chromium NetLog."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted(
        {
            e["params"]["url"]
            for e in log["events"]
            if e["type"] == start
            and e.get("params", {}).get("url", "").startswith(NETWORK_SCHEMES)
            and e["params"].get("initiator") != "not an origin"
        }
    )


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG header."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def png_colours(path: Path) -> int:
    """Distinct colours in the rows of an 8-bit RGB(A) PNG that decode without the Average/Paeth filters.

    Rows filtered None/Sub stand alone and Up rows follow a decoded row; that is most of a screenshot and
    plenty to tell a drawn page (hundreds of colours) from a blank one (a handful), in numpy, in milliseconds.
    """
    data = path.read_bytes()
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, colour_type = struct.unpack(">IIBB", body[:10])
            assert depth == 8, "8-bit channels expected"
            assert colour_type in (2, 6), "RGB or RGBA expected"
            channels = 3 if colour_type == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width * channels + 1)
    rows, prev = [], None
    for line in raw:
        kind, pixels = line[0], line[1:].astype(np.int64)
        if kind == 0:
            prev = pixels
        elif kind == 1:
            prev = np.cumsum(pixels.reshape(width, channels), axis=0).reshape(-1) % 256
        elif kind == 2 and prev is not None:
            prev = (pixels + prev) % 256
        else:
            prev = None
        if prev is not None:
            rows.append(prev.reshape(width, channels)[:, :3])
    if not rows:
        return 0
    packed = np.concatenate(rows) @ np.array([1 << 16, 1 << 8, 1])
    return int(np.unique(packed).size)


# Measures the laid-out page in the browser and writes the result as JSON into <pre id="layout-probe">, which
# --dump-dom then returns. A box counts where it is visible: clipped by every ancestor that hides overflow (a
# table or chart that scrolls inside its own box is measured as the box shows it), skipped when hidden.
PROBE = r"""
<script>
(function () {
  function clipped(el, r) {
    var b = {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    for (var a = el.parentElement; a && a !== document.body && a !== document.documentElement; a = a.parentElement) {
      var cs = getComputedStyle(a), ar = a.getBoundingClientRect();
      if (cs.overflowX !== 'visible') { b.left = Math.max(b.left, ar.left); b.right = Math.min(b.right, ar.right); }
      if (cs.overflowY !== 'visible') { b.top = Math.max(b.top, ar.top); b.bottom = Math.min(b.bottom, ar.bottom); }
    }
    return b;
  }
  function visible(el) {
    return el.checkVisibility({opacityProperty: true, visibilityProperty: true});
  }
  function describe(el) {
    var cls = (el.getAttribute('class') || '').split(' ').slice(0, 2).join('.');
    return el.tagName.toLowerCase() + (cls ? '.' + cls : '') + ' ' + (el.textContent || '').trim().slice(0, 30);
  }
  function run() {
    var vw = document.documentElement.clientWidth, out = {viewport: vw, scrollWidth:
      document.documentElement.scrollWidth, past_right: [], texts: [], overlaps: [], locales: [], modebar: []};
    document.body.querySelectorAll('*').forEach(function (el) {
      if (el.id === 'layout-probe' || !visible(el)) return;
      var r = el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) return;
      var b = clipped(el, r);
      if (b.right - b.left > 0.5 && b.bottom - b.top > 0.5 && b.right > vw + 1)
        out.past_right.push(describe(el) + ' right=' + Math.round(b.right));
    });
    var boxes = [];
    function add(el, r, text) {
      var b = clipped(el, r);
      if (b.right - b.left > 0.5 && b.bottom - b.top > 0.5) boxes.push({b: b, text: text});
    }
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var parent = node.parentElement;
      if (!node.textContent.trim() || !parent || parent.closest('svg, script, style, #layout-probe')) continue;
      if (!visible(parent)) continue;
      var range = document.createRange();
      range.selectNodeContents(node);
      Array.prototype.forEach.call(range.getClientRects(), function (r) { add(parent, r, node.textContent.trim()); });
    }
    document.querySelectorAll('svg text').forEach(function (t) {
      if (!t.textContent.trim() || !visible(t)) return;
      var lines = t.querySelectorAll('tspan.line');
      var parts = lines.length ? Array.prototype.slice.call(lines) : [t];
      parts.forEach(function (p) {
        if (p.textContent.trim()) add(t, p.getBoundingClientRect(), p.textContent.trim());
      });
    });
    boxes.sort(function (x, y) { return x.b.top - y.b.top; });
    for (var i = 0; i < boxes.length; i++) {
      for (var j = i + 1; j < boxes.length && boxes[j].b.top < boxes[i].b.bottom; j++) {
        var a = boxes[i].b, c = boxes[j].b;
        var w = Math.min(a.right, c.right) - Math.max(a.left, c.left);
        var h = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
        if (w > 2 && h > 2) out.overlaps.push(boxes[i].text.slice(0, 30) + ' × ' + boxes[j].text.slice(0, 30));
      }
    }
    out.texts = boxes.length;
    document.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
      out.locales.push(gd._context ? gd._context.locale : null);
    });
    document.querySelectorAll('.modebar-btn[data-title]').forEach(function (b) {
      if (out.modebar.indexOf(b.getAttribute('data-title')) < 0) out.modebar.push(b.getAttribute('data-title'));
    });
    var pre = document.createElement('pre');
    pre.id = 'layout-probe';
    pre.style.display = 'none';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
  window.addEventListener('load', function () { setTimeout(run, 1500); });
})();
</script>
"""


def layout(page: Path, work: Path, width: int, height: int = 2000) -> dict:
    """Lay `page` out at `width` px in headless Chromium and measure it (PROBE): elements whose visible box ends
    past the viewport's right edge, pairs of visible text boxes (HTML text and SVG text) that overlap, each
    plotly chart's locale and the modebar's tooltips."""
    work.mkdir(parents=True, exist_ok=True)
    probed = work / f"probed_{width}.html"
    source = page.read_text(encoding="utf-8")
    probed.write_text(source.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    page_dom = chromium(probed, work / f"profile_{width}", f"--window-size={width},{height}", "--dump-dom")
    found = re.search(r'<pre id="layout-probe"[^>]*>(.*?)</pre>', page_dom, re.DOTALL)
    assert found, "the layout probe did not run (no #layout-probe in the DOM)"
    return json.loads(html.unescape(found.group(1)))
