"""A drawn figure as an SVG for the dashboard: scalable, titled, and free of inline CSS.

matplotlib's SVG backend wraps what an artist draws in ``<a xlink:href=URL>`` when the
artist has a URL (``Artist.set_url``), and each item of a collection in its own link when
the collection has URLs (``Collection.set_urls``). The drawing code gives the bars, cells,
edges and nodes it wants titled a token as URL (``Sheet.hover``); here each link to a token
becomes a ``<g>`` holding the token's ``<title>``, which browsers show as a tooltip (SVG 1.1,
section 5.4). Four more changes:

- ``width`` and ``height`` (in pt) are removed and the ``viewBox`` kept, so the graph scales
  to the box it is shown in instead of keeping a print size;
- the backend writes its styles as ``style`` attributes and one ``<style>`` element; a page
  whose Content-Security-Policy forbids inline styles (the dashboard's, applied to the SVG
  too when it is opened on its own) would draw it black. They become presentation
  attributes (``fill="#fff"``), which no policy blocks and which mean the same;
- nothing is rasterised: a colorbar of 50 shades or more is a PNG in a ``data:`` URL for
  matplotlib (``Colorbar.n_rasterize``), which the policy's ``img-src 'self'`` blocks once
  the dashboard has put the SVG in its page; its shades are drawn as vector quads instead
  (some 55 KB more for a heat map's 256 shades, before compression);
- the date and random ids the backend would write are pinned, so the same data gives the
  same bytes (``svg.hashsalt``, no ``Date`` metadata).

Glyphs are drawn as paths (``svg.fonttype = "path"``, the default): the reader needs no font.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from io import BytesIO

from matplotlib import rc_context
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_GLOBAL_STYLE = {"stroke-linejoin": "round", "stroke-linecap": "butt"}
"""What the backend's one ``<style>`` element says (``*{stroke-linejoin: round; ...}``); as
attributes of the root they are inherited by every shape instead."""
SEAM_WIDTH = 0.5
"""Points of edge around a vector mesh's quads, enough to cover the seams between them."""
_LINK = f"{{{SVG_NS}}}a"
_HREF = f"{{{XLINK_NS}}}href"
_DECLARATION = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")


def svg_bytes(fig: Figure, titles: Mapping[str, str]) -> bytes:
    """The figure as SVG, each link to a token of ``titles`` made a group with that title."""
    # Written out with the prefixes matplotlib uses, not ElementTree's ns0 (idempotent).
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    _vector_only(fig)
    buffer = BytesIO()
    with rc_context({"svg.fonttype": "path", "svg.hashsalt": "squadtime"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    # Bytes matplotlib has just written, with no DTD of its own; member names in them are
    # only in comments, which matplotlib escapes and the parser drops.
    root = ET.fromstring(buffer.getvalue())  # noqa: S314
    for size in ("width", "height"):
        root.attrib.pop(size, None)
    root.attrib.update(_GLOBAL_STYLE)
    _drop_style_elements(root)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style is not None:
            element.attrib.update(_presentation(style))
        if element.tag == _LINK and element.get(_HREF) in titles:
            token = element.attrib.pop(_HREF)
            element.tag = f"{{{SVG_NS}}}g"
            title = ET.Element(f"{{{SVG_NS}}}title")
            title.text = titles[token]
            element.insert(0, title)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written


def _vector_only(fig: Figure) -> None:
    """Every rasterised artist drawn as vectors. Such a mesh's quads (a colorbar's shades)
    are edged in their own colour: side by side, two antialiased fills leave a pale seam."""
    for rasterised in fig.findobj(lambda artist: bool(artist.get_rasterized())):
        rasterised.set_rasterized(False)
        if isinstance(rasterised, QuadMesh):
            rasterised.set_edgecolor("face")
            rasterised.set_linewidth(SEAM_WIDTH)


def _drop_style_elements(root: ET.Element) -> None:
    # The metadata (matplotlib's name and version, as RDF) goes too: nobody reads it.
    dropped = {f"{{{SVG_NS}}}style", f"{{{SVG_NS}}}metadata"}
    for parent in root.iter():
        for child in list(parent):
            if child.tag in dropped:
                parent.remove(child)


def _presentation(style: str) -> dict[str, str]:
    """``"fill: #fff; stroke-width: 0.8"`` as attributes; every property the backend writes
    (fill, stroke and their opacity, width, dashes, joins and caps, clip paths, opacity) is
    also an SVG presentation attribute of the same name."""
    return {match[1]: match[2] for match in _DECLARATION.finditer(style)}
