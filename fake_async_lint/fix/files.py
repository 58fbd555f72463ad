"""Files for the fixer: decode keeping what the bytes said, write back atomically.

The text is decoded with the file's own encoding (PEP 263 cookie or BOM) and
without newline translation, so encoding it again gives the original bytes
wherever no edit was made: CRLF, latin-1 and BOMs survive a fix.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import tokenize
from dataclasses import dataclass

from ..source import SourceError, read_bytes


@dataclass(frozen=True)
class SourceFile:
    path: str
    data: bytes
    text: str
    encoding: str  # "utf-8-sig" when the file starts with a BOM


def read_source(path: str) -> SourceFile:
    data = read_bytes(path)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as e:
        raise SourceError(f"cannot decode: {e}") from None
    return SourceFile(path, data, text, encoding)


def encode(src: SourceFile, text: str) -> bytes:
    """The new text in the file's encoding (a BOM stays a BOM); raises UnicodeEncodeError."""
    return text.encode(src.encoding)


def write_atomic(path: str, data: bytes) -> None:
    """Write through a temporary file in the same directory, then rename over the target:
    readers see the old file or the new one, never half of it. Permissions are kept."""
    target = os.path.realpath(path)  # a symlink keeps pointing at the (updated) file
    directory = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        shutil.copymode(target, tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
