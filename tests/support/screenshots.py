"""Screenshots of the staff console for the staff guide (docs/henkilokunnalle.md), taken by
the browser tests while they drive the real console.

Nothing is written unless PERHENEUVO_SCREENSHOT_DIR names a folder: `make screenshots` sets it
to docs/kuvat, and a normal `make test` leaves the repository untouched. The images are
reduced to a 256-colour palette (text on flat colours loses nothing visible) to keep them
small in git."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any, Optional

SCREENSHOT_DIR = "PERHENEUVO_SCREENSHOT_DIR"
COLOURS = 256
# A page longer than the window is captured down to this many CSS pixels: enough to show a
# form and its buttons, short enough to read in the guide.
MAX_HEIGHT = 1400


def screenshot_dir() -> Optional[Path]:
    """The folder screenshots go to, or None when none are wanted."""
    value = os.environ.get(SCREENSHOT_DIR, "").strip()
    return Path(value) if value else None


def screenshot(driver: Any, name: str, start: str = "") -> Optional[Path]:
    """Saves the page in the browser now as `<name>.png` in PERHENEUVO_SCREENSHOT_DIR: the
    window's width, from the top of the page (or a little above the element with the id
    `start`) down to the page's end or MAX_HEIGHT; returns the file, or None when no folder
    is set."""
    folder = screenshot_dir()
    if folder is None:
        return None
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    image = Image.open(io.BytesIO(_capture(driver, start))).convert("RGB")
    image.quantize(colors=COLOURS).save(target, optimize=True)
    return target


def _capture(driver: Any, start: str) -> bytes:
    """PNG bytes of part of the page, through Chromium's DevTools (beyond the window)."""
    width, height, top = driver.execute_script(
        "const start = arguments[0] && document.getElementById(arguments[0]);"
        "return [document.documentElement.clientWidth,"
        " Math.max(document.documentElement.scrollHeight, window.innerHeight),"
        " start ? Math.max(0, start.getBoundingClientRect().top + window.scrollY - 24) : 0]",
        start,
    )
    clip = {"x": 0, "y": top, "width": width, "height": min(height - top, MAX_HEIGHT), "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {"format": "png", "captureBeyondViewport": True, "clip": clip},
    )
    return base64.b64decode(shot["data"])
