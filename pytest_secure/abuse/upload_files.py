"""Small, valid image files built in memory for upload probes, without an imaging library.

* :func:`png` is a real grayscale PNG of any size (rows of zeros compress to almost nothing,
  so even 4097×1 is a few dozen bytes); ``pad`` adds an ancillary chunk to reach a byte size.
* :func:`jpeg` is a real baseline JPEG (grey, one Huffman code per table) of any size.
* :func:`gif` and :func:`svg_with_script` are files of types an image endpoint should refuse;
  :func:`html_disguised_as_png` is markup with an image name and content type.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["gif", "html_disguised_as_png", "jpeg", "png", "svg_with_script"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int = 1, height: int = 1, pad: int = 0) -> bytes:
    """A valid 8-bit grayscale PNG of ``width``×``height``; ``pad`` extra bytes go into a
    private ancillary chunk (decoders skip it), to build files of an exact size."""
    row = b"\x00" + b"\x00" * width  # filter byte + pixels
    raw = zlib.compress(row * height, 9)
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    body = _chunk(b"IDAT", raw)
    extra = _chunk(b"psEc", b"\x00" * pad) if pad > 0 else b""
    return head + extra + body + _chunk(b"IEND", b"")


def png_of_size(size: int, width: int = 1, height: int = 1) -> bytes:
    """A valid PNG of exactly ``size`` bytes (at least the size of the bare image)."""
    bare = png(width, height)
    if size <= len(bare):
        return bare
    return png(width, height, pad=max(0, size - len(bare) - 12))


def _segment(marker: int, data: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data


def jpeg(width: int = 1, height: int = 1) -> bytes:
    """A valid baseline grayscale JPEG of ``width``×``height`` (every 8×8 block mid-grey).

    Each table has a single one-bit Huffman code: DC difference 0 and end-of-block, so a
    block is the two bits ``00`` and the file stays tiny.
    """
    quant = _segment(0xDB, b"\x00" + b"\x01" * 64)
    frame = _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    counts = b"\x01" + b"\x00" * 15  # one code of length 1
    dc_table = _segment(0xC4, b"\x00" + counts + b"\x00")  # class 0 (DC), id 0: symbol 0 (difference 0)
    ac_table = _segment(0xC4, b"\x10" + counts + b"\x00")  # class 1 (AC), id 0: symbol 0 (end of block)
    scan = _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    bits = blocks * 2
    data = bytearray(b"\x00" * (bits // 8))
    if bits % 8:
        data.append((1 << (8 - bits % 8)) - 1)  # pad the last byte with one-bits, as the format asks
    return b"\xff\xd8" + quant + frame + dc_table + ac_table + scan + bytes(data) + b"\xff\xd9"


def gif() -> bytes:
    """A valid 1×1 GIF (a type most image endpoints do not accept)."""
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
            b"!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def svg_with_script() -> bytes:
    """An SVG image carrying a script: stored XSS when served back."""
    return (b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">'
            b"<script>alert(document.domain)</script></svg>")


def html_disguised_as_png() -> bytes:
    """Markup sent with an image name and type: only a check of the content itself rejects it."""
    return b"<!doctype html><html><body><script>alert(document.domain)</script></body></html>"
