"""WCAG contrast of a rating's colour where the pages draw it: badges, chips, highlights."""

from __future__ import annotations

AA_NORMAL = 4.5
INK = "#1f2328"  # the text colour of the reader and the workspace (--ink, --text)
PAPER = "#ffffff"
DARK_PAPER = "#0d1117"  # the reader pages' background in dark mode (--paper in reader.css)
# The reader's strongest highlight mixes the rating colour into the white page at 32%
# (.hl-multi in reader.css); plain highlights (16%) are lighter and read better still.
HIGHLIGHT_SHARE = 0.32


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: str) -> float:
    """The WCAG 2 relative luminance of a #rrggbb colour."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(colour: str, share: float, base: str = PAPER) -> str:
    """`colour` laid over `base` at `share` opacity, as CSS color-mix(in srgb) draws it."""
    mixed = (
        round(c * share + b * (1 - share))
        for c, b in zip(_channels(colour), _channels(base), strict=True)
    )
    return "#" + "".join(f"{c:02x}" for c in mixed)


def best_text(background: str) -> str:
    """Black or white, whichever reads better on `background` (the reader's chips)."""
    return "#ffffff" if ratio("#ffffff", background) >= ratio("#000000", background) else "#000000"


def checks(colour: str) -> list[dict]:
    """Each place a rating's colour is drawn under text, with the contrast there.

    `[{"place", "ratio", "ok"}]`, `ok` meaning WCAG AA for normal text (4.5:1).
    """
    places = [
        ("the label on the workspace badge (white text)", "#ffffff", colour),
        ("the label on the reader's chip", best_text(colour), colour),
        ("the article text in a reader highlight", INK, mix(colour, HIGHLIGHT_SHARE)),
    ]
    return [
        {
            "place": place,
            "ratio": round(ratio(text, ground), 2),
            "ok": ratio(text, ground) >= AA_NORMAL,
        }
        for place, text, ground in places
    ]
