"""Text from outside (a link's values, a file's name, title or track names) made safe to
keep and to show.

Two steps, each in one place:

- `clean` is for text the project *keeps* (a melody's title, a file name it writes, a line
  it prints): control characters (a raw ``\\x01`` makes MusicXML ill-formed and reaches the
  terminal) and the invisible bidirectional controls (a right-to-left override reverses
  what follows it on screen) are removed, runs of white space become one space, and the
  text is cut to ``limit`` characters with an ellipsis. `melody.Melody` cleans its title with
  it, so every title read from a file is clean wherever it goes (score, files, terminal).
- `shown` is for text the studio *displays* through Streamlit's Markdown (``st.error``,
  ``st.warning``, ``st.caption``): it cleans the text, then escapes every character that
  Markdown, Streamlit's colour and icon directives or LaTeX give a meaning, and puts a
  zero-width space after ``www``, ``:`` and ``@`` (GitHub Markdown turns a bare
  ``https://...``, ``www....`` or e-mail address into a link whatever its escapes), so a link
  value like ``[log in](https://evil.example)`` or ``![](http://host/pixel.png)`` is shown as
  those characters, never as a link or an image, and the project's own ``'_'`` stays an
  underscore instead of starting italics.

    >>> clean("Sch\\u00f6ne\\u202e M\\u00fcllerin\\x01")
    'Schöne Müllerin'
    >>> text = "[log in](https://evil.example) $x$ '_' www.a.b c@d.e"
    >>> print(shown(text).replace("\\u200b", "|"))
    \\[log in\\]\\(https\\:|//evil\\.example\\) \\$x\\$ '\\_' www|\\.a\\.b c@|d\\.e
    >>> unescaped(shown(text)) == text
    True
"""

from __future__ import annotations

import re
import unicodedata

TITLE_CHARS = 120  # longest title kept (a score's heading, a file's name)
SHOWN_CHARS = 300  # longest piece of outside text repeated on the page
# bidirectional embeddings, overrides and isolates, and the marks: invisible, and they reorder text
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BREAK = "\u200b"  # a zero-width space: GitHub Markdown's bare links (www., https://, a@b) need no escape to link
_AUTOLINK = re.compile(r"(?i)www|:|@")  # a break after each, so that no bare link is found
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&^])")  # ':' and '.': no "https://" or "www." links


def clean(text: object, limit: int = TITLE_CHARS) -> str:
    """``text`` without control, format or bidirectional characters, white space runs made
    one space, at most ``limit`` characters (cut with "…")."""
    kept = []
    for char in str(text):
        if char in "\t\n\r\x0b\x0c" or unicodedata.category(char) == "Zs":
            kept.append(" ")
        elif char in _BIDI or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    text = " ".join("".join(kept).split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def unescaped(markdown: str) -> str:
    """What `shown` text looks like on the page (its escapes and zero-width breaks undone): for tests."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(_BREAK, "")


def shown(text: object, limit: int = SHOWN_CHARS) -> str:
    """``text`` cleaned (`clean`) and escaped for Streamlit's Markdown: what the person sees
    is exactly these characters (no link, image, emphasis, HTML, LaTeX, colour or icon)."""
    escaped = _MARKDOWN.sub(r"\\\1", clean(text, limit))
    return _AUTOLINK.sub(lambda found: found.group(0) + _BREAK, escaped)
