"""The characters of the Symbol font as Unicode, for documents that insert them by font code."""

# ruff: noqa: RUF001, RUF003 (the table is made of look-alike characters, on purpose)

# Adobe's Symbol encoding, the font Word's Insert Symbol dialog defaults to: codes 0x20-0x7E
# and 0xA0-0xFE, each row of sixteen written out ("\0" where the font has none). Its
# Greek letters, degree sign, plus-minus, multiplication and comparison signs turn up in
# claims' figures ("25 °C", "± 3 %", "3 × 10⁶"), and read as Latin letters or nothing
# without this table. The pieces of tall brackets, braces and radicals (0x60, 0xBD-0xBE,
# 0xE6-0xEF, 0xF4, 0xF6-0xFE) are parts of drawn formulas, not text, and are left out.
_LOW = (
    " !∀#∃%&∋()∗+,−./"
    "0123456789:;<=>?"
    "≅ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟ"
    "ΠΘΡΣΤΥςΩΞΨΖ[∴]⊥_"
    "\0αβχδεφγηιϕκλμνο"
    "πθρστυϖωξψζ{|}∼"
)
_HIGH = (
    "€ϒ′≤⁄∞ƒ♣♦♥♠↔←↑→↓"
    "°±″≥×∝∂•÷≠≡≈…\0\0↵"
    "ℵℑℜ℘⊗⊕∅∩∪⊃⊇⊄⊂⊆∈∉"
    "∠∇®©™∏√⋅¬∧∨⇔⇐⇑⇒⇓"
    "◊〈®©™∑\0\0\0\0\0\0\0\0\0\0"
    "\0〉∫⌠\0⌡\0\0\0\0\0\0\0\0\0"
)
SYMBOL_FONT = {
    code: char
    for start, row in ((0x20, _LOW), (0xA0, _HIGH))
    for code, char in enumerate(row, start)
    if char != "\0"
}


def symbol_character(font: str, code: int) -> str:
    """The character a document shows for `code` in `font`, as Unicode; "" for a picture.

    Word stores a character inserted from a symbol font by its code in that font, moved to
    the private-use range U+F020-U+F0FF. Symbol's are translated; other fonts' private-use
    codes (Wingdings' check marks and arrows) are pictures with no letter of their own,
    while a plain Unicode code point is that character whatever the font.
    """
    in_font = code - 0xF000 if 0xF000 <= code <= 0xF0FF else code
    if font.strip().casefold() == "symbol":
        return SYMBOL_FONT.get(in_font, "")
    if 0xE000 <= code <= 0xF8FF or not 0x20 <= code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return ""
    return chr(code)
