#!/usr/bin/env python3
"""Render ANSI-coloured terminal text (stdin) as an SVG "screenshot" (stdout).

Understands the SGR codes apitrace emits (reset, bold, dim, the 8 + 8 foreground colours,
default foreground); long lines are cut at --width columns. Standard library only.

    apitrace get ... --color always | python3 scripts/ansi2svg.py --title 'apitrace get' > shot.svg
"""
import argparse
import html
import re
import sys

PALETTE = {
    30: "#3b4252", 31: "#e06c75", 32: "#98c379", 33: "#e5c07b", 34: "#61afef", 35: "#c678dd",
    36: "#56b6c2", 37: "#dcdfe4", 90: "#7f848e", 91: "#ff7a85", 92: "#b5e890", 93: "#ffd68a",
    94: "#8cc8ff", 95: "#e09cff", 96: "#7fd6e0", 97: "#ffffff",
}
DEFAULT = "#dcdfe4"
SGR = re.compile(r"\x1b\[([0-9;]*)m")


def spans(line):
    """(text, colour, bold, dim) runs of one line."""
    colour, bold, dim = DEFAULT, False, False
    pos = 0
    for m in SGR.finditer(line):
        if m.start() > pos:
            yield line[pos:m.start()], colour, bold, dim
        for code in [int(c) for c in (m.group(1) or "0").split(";") if c]:
            if code == 0:
                colour, bold, dim = DEFAULT, False, False
            elif code == 1:
                bold = True
            elif code == 2:
                dim = True
            elif code == 22:
                bold = dim = False
            elif code == 39:
                colour = DEFAULT
            elif code in PALETTE:
                colour = PALETTE[code]
        pos = m.end()
    if pos < len(line):
        yield line[pos:], colour, bold, dim


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--title", default="apitrace")
    ap.add_argument("--width", type=int, default=150, help="columns")
    args = ap.parse_args()
    lines = sys.stdin.read().rstrip("\n").split("\n")
    cw, lh, pad, top = 7.8, 18, 14, 34
    width = int(args.width * cw + 2 * pad)
    height = int(len(lines) * lh + top + pad)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" rx="8" fill="#1e2127"/>',
        '<circle cx="18" cy="16" r="5" fill="#e06c75"/><circle cx="36" cy="16" r="5" fill="#e5c07b"/>'
        '<circle cx="54" cy="16" r="5" fill="#98c379"/>',
        f'<text x="{width / 2}" y="20" fill="#7f848e" font-family="monospace" font-size="12" '
        f'text-anchor="middle">{html.escape(args.title)}</text>',
        '<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="13" xml:space="preserve">',
    ]
    for i, line in enumerate(lines):
        y = top + (i + 1) * lh - 4
        parts, col = [], 0
        for text, colour, bold, dim in spans(line.replace("\t", "    ")):
            if col >= args.width:
                break
            text = text[: args.width - col]
            col += len(text)
            attrs = f'fill="{colour}"'
            if bold:
                attrs += ' font-weight="bold"'
            if dim:
                attrs += ' opacity="0.6"'
            parts.append(f"<tspan {attrs}>{html.escape(text)}</tspan>")
        out.append(f'<text x="{pad}" y="{y}">{"".join(parts)}</text>')
    out.append("</g></svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
