"""The encrypted backup file: AES-256-GCM in chunks, written and read as a stream, so a
national-scale backup never sits whole in memory, plain or sealed.

    header  "SBBACKUP", version 2, key id (8 bytes), salt (16), chunk size (4, big-endian)
    chunks  AES-256-GCM(chunk of plaintext), each followed by its 16-byte tag

The file's own key is HKDF-SHA256(backup key, salt): new for every file, so a chunk's nonce
can be its counter (11 bytes) and a last-chunk flag (1 byte), and the header is every
chunk's associated data. A changed byte, a chunk moved or dropped, a cut at a chunk boundary
(no chunk flagged last) or bytes after the last chunk all fail the check. The key id (a
keyed hash of the backup key, which reveals nothing of it) picks the key among those listed
and names the one a file needs.

Why not Fernet: it authenticates a whole message at once, so the file would be held whole
in memory twice (plain and sealed) on both sides.
"""

import base64
import binascii
import hashlib
import hmac
import io
import os
import secrets
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"SBBACKUP"
VERSION = 2
KEY_BYTES = 32
ID_BYTES = 8
SALT_BYTES = 16
TAG_SIZE = 16
HEADER_SIZE = len(MAGIC) + 1 + ID_BYTES + SALT_BYTES + 4
CHUNK = 1 << 20
MAX_CHUNK = 1 << 26  # a damaged header must not make the reader allocate gigabytes
COUNTER_BYTES = 11


class BackupKeyError(ValueError):
    """A backup key that is missing or not a key; the message never shows a key."""


class SealedFileError(ValueError):
    """A file that cannot be opened: wrong key, damaged, truncated, or not a backup."""


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise BackupKeyError(f"a backup key is {KEY_BYTES} bytes in URL-safe base64 "
                             "(`flask --app placement keys generate-backup` makes one)")
    return key


def key_id(key: bytes) -> str:
    digest = hmac.new(key, b"shelter-bridge backup key id", hashlib.sha256).digest()
    return digest[:ID_BYTES].hex()


def _file_cipher(key: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt,
                info=b"shelter-bridge backup/2 chunks")
    return AESGCM(hkdf.derive(key))


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(COUNTER_BYTES, "big") + (b"\x01" if last else b"\x00")


class SealingWriter(io.RawIOBase):
    """Encrypts what is written to it into `raw`, a chunk at a time; `close()` writes the
    last chunk (and leaves `raw` open: its owner syncs and closes it)."""

    def __init__(self, raw: BinaryIO, key: bytes, chunk_size: int = CHUNK):
        super().__init__()
        if not 0 < chunk_size <= MAX_CHUNK:
            raise ValueError("chunk size out of range")
        self._raw, self._chunk_size = raw, chunk_size
        salt = os.urandom(SALT_BYTES)
        self._header = (MAGIC + bytes([VERSION]) + bytes.fromhex(key_id(key)) + salt
                        + chunk_size.to_bytes(4, "big"))
        self._cipher = _file_cipher(key, salt)
        self._buffer = bytearray()
        self._counter = 0
        raw.write(self._header)

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        # A full chunk is held back until more follows: the last chunk must be flagged.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[:self._chunk_size]), last=False)
            del self._buffer[:self._chunk_size]
        return len(data)

    def _seal(self, chunk: bytes, last: bool) -> None:
        self._raw.write(self._cipher.encrypt(_nonce(self._counter, last), chunk, self._header))
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
        super().close()


class OpeningReader(io.RawIOBase):
    """Decrypts a sealed file as it is read, chunk by chunk; only authenticated bytes come
    out. The whole file is known sound only once `check_end()` has passed: act on what was
    read (a restore's transaction) only after it."""

    def __init__(self, raw: BinaryIO, keys: list[bytes]):
        super().__init__()
        self._raw = raw
        header = raw.read(HEADER_SIZE)
        if (len(header) < HEADER_SIZE or not header.startswith(MAGIC)
                or header[len(MAGIC)] != VERSION):
            raise SealedFileError("not a Shelter Bridge backup (or not an encrypted one)")
        start = len(MAGIC) + 1
        wanted = header[start:start + ID_BYTES].hex()
        salt = header[start + ID_BYTES:start + ID_BYTES + SALT_BYTES]
        chunk_size = int.from_bytes(header[-4:], "big")
        if not 0 < chunk_size <= MAX_CHUNK:
            raise SealedFileError("not a Shelter Bridge backup (its header is damaged)")
        key = next((k for k in keys if key_id(k) == wanted), None)
        if key is None:
            raise SealedFileError(f"made with backup key {wanted}, which is not in BACKUP_KEYS")
        self._header, self._cipher = header, _file_cipher(key, salt)
        self._sealed_size = chunk_size + TAG_SIZE
        self._pending = b""  # sealed bytes read ahead to learn whether a chunk is the last
        self._plain = b""
        self._counter = 0
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._plain and not self._ended:
            self._plain = self._open_next()
        size = min(len(buffer), len(self._plain))
        buffer[:size] = self._plain[:size]
        self._plain = self._plain[size:]
        return size

    def _read_sealed(self, size: int) -> bytes:
        parts, wanted = [self._pending], size - len(self._pending)
        self._pending = b""
        while wanted > 0:
            part = self._raw.read(wanted)
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def _open_next(self) -> bytes:
        sealed = self._read_sealed(self._sealed_size)
        if not sealed:
            raise SealedFileError("truncated: its last part is missing")
        ahead = self._read_sealed(1) if len(sealed) == self._sealed_size else b""
        last = not ahead
        self._pending = ahead
        nonce = _nonce(self._counter, last)
        try:
            plain = self._cipher.decrypt(nonce, sealed, self._header)
        except InvalidTag:
            raise self._why_not(sealed, last) from None
        self._counter += 1
        self._ended = last
        return plain

    def _why_not(self, sealed: bytes, last: bool) -> SealedFileError:
        if last:  # sound as a chunk in the middle: the file was cut right after it
            try:
                self._cipher.decrypt(_nonce(self._counter, False), sealed, self._header)
                return SealedFileError("truncated: its last part is missing")
            except InvalidTag:
                pass
            return SealedFileError(f"damaged or truncated (part {self._counter + 1} fails "
                                   "its check)")
        return SealedFileError(f"damaged (part {self._counter + 1} fails its check)")

    def check_end(self) -> None:
        """Raise unless the reader has come to the last chunk with nothing left unread."""
        while not self._ended:
            self._plain += self._open_next()
        if self._plain:
            raise SealedFileError("damaged: it holds data after the backup's end")
