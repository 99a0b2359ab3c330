"""Render a page in headless Chromium with the network off; read back its DOM, screenshot and every request.

Requests come from Chromium's NetLog: a request the page made carries the page's origin as initiator (`null`
for a file:// page); the browser's own background calls carry "not an origin" and are not the page's doing.
"""

from __future__ import annotations

import json
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
