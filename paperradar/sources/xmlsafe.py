"""Safe XML parsing for every XML source, with errors that say which input and where.

All feeds go through defusedxml: a document that declares entities (the entity-expansion
"billion laughs" bomb) or references external ones is refused, never expanded. Parse failures
become ``ParseError`` carrying the origin and the line/column expat reported.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.etree.ElementTree import Element

import defusedxml
import defusedxml.ElementTree as DET

from paperradar.errors import ParseError


def parse_xml(data: bytes, origin: str) -> Element:
    """Parse a whole XML document or raise ``ParseError`` naming ``origin``."""
    if not data.strip():
        raise ParseError("empty response (no XML at all)", origin=origin)
    try:
        root: Element = DET.fromstring(data, forbid_dtd=False)
    except defusedxml.DefusedXmlException as exc:
        raise ParseError(
            f"refused unsafe XML ({type(exc).__name__}: entity declarations or external "
            "references are not accepted)",
            origin=origin,
        ) from exc
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise ParseError(f"unknown encoding in the XML declaration ({exc})", origin=origin) from exc
    except ET.ParseError as exc:
        line, column = exc.position
        raise ParseError(
            f"malformed XML at line {line}, column {column}: {_reason(exc)}", origin=origin
        ) from exc
    return root


def _reason(exc: ET.ParseError) -> str:
    # expat's message repeats the position; keep only the reason.
    return str(exc).split(":", 1)[0]


def local(tag: str) -> str:
    """The tag name without its ``{namespace}``: some feeds omit namespaces, others use them."""
    return tag.rsplit("}", 1)[-1]


def child(elem: Element, name: str) -> Element | None:
    """First direct child whose local name is ``name``, whatever its namespace."""
    for sub in elem:
        if local(sub.tag) == name:
            return sub
    return None


def children(elem: Element, name: str) -> list[Element]:
    return [sub for sub in elem if local(sub.tag) == name]


def text(elem: Element | None, name: str | None = None) -> str:
    """Whitespace-collapsed text of ``elem`` (or of its first child called ``name``)."""
    if elem is not None and name is not None:
        elem = child(elem, name)
    if elem is None:
        return ""
    return " ".join("".join(elem.itertext()).split())
