"""HTML of inbound mail made safe to show inside the agent's page (nh3, the Rust ammonia
sanitiser), and plain text derived from it.

What survives: formatting and structure tags (paragraphs, lists, tables, quotes, headings,
links, images) with a few layout attributes. What goes: scripts, styles, forms, frames, every
event handler, ``style``/``class``/``id`` attributes, and every URL scheme but http(s),
mailto and tel in links. Images: only the mail's own inline images (``cid:``) are shown,
through the stored attachment's URL; a remote image (a tracking pixel, or a picture the
sender hosts) is never loaded from the agent's browser: its ``src`` is dropped and counted.
Links open in a new tab with ``rel="noopener noreferrer nofollow"``.

The result is stored in ``Message.payload["html"]`` and rendered with ``|safe``: it is
sanitised here, once, when the mail is stored (see ``_message.html``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "address", "b", "bdi", "bdo", "blockquote", "br", "caption", "center", "cite",
        "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption",
        "figure", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
        "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "tt", "u", "ul", "var",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "table": {"summary"},
    "ol": {"start", "type"},
    "abbr": {"title"},
    "time": {"datetime"},
    "p": {"align"},
    "div": {"align"},
    "font": {"color"},
}
# Removed with their content (not only the tag).
REMOVED_WITH_CONTENT = frozenset({"script", "style", "title", "head", "template", "noscript", "textarea"})
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid"})
LINK_REL = "noopener noreferrer nofollow"
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def html_sanitize(html: str, *, cid_urls: Mapping[str, str] | None = None) -> tuple[str, int]:
    """The safe HTML of a mail and how many remote images were blocked. ``cid_urls`` maps an
    inline part's Content-ID (without brackets) to the URL the stored attachment is served at."""
    cid_urls = cid_urls or {}
    blocked = 0

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and attribute == "src":
            if value.lower().startswith("cid:"):
                return cid_urls.get(value[4:].strip().strip("<>"))
            blocked += 1
            return None
        if tag == "a" and attribute == "href":
            lowered = value.strip().lower()
            if lowered.startswith("#"):
                return None  # in-page anchors point at ids we removed
            if ":" in lowered.split("/", 1)[0] and not lowered.startswith(_LINK_SCHEMES):
                return None  # cid: links and anything nh3's scheme list let through
        return value

    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(REMOVED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=attribute_filter,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
        strip_comments=True,
    )
    return cleaned.strip(), blocked


_BLOCK_TAGS = frozenset(
    {"p", "div", "table", "tr", "ul", "ol", "dl", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5",
     "h6", "hr", "address", "figure", "center", "caption"}
)  # fmt: skip
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in REMOVED_WITH_CONTENT:
            self.skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in REMOVED_WITH_CONTENT:
            self.skip = max(self.skip - 1, 0)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(_SPACES.sub(" ", data.replace("\r", "").replace("\n", " ")))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body: line breaks at blocks, ``•`` before list items."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(parser.parts).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
