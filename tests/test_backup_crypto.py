"""The backup file's encryption: AES-256-GCM in chunks, each bound to its place in the file
and to the header, so a wrong key, a changed byte, a cut or a reordering is refused."""

import io

import pytest

from placement.backup_crypto import (
    HEADER_SIZE,
    TAG_SIZE,
    BackupKeyError,
    OpeningReader,
    SealedFileError,
    SealingWriter,
    generate_key,
    key_id,
    parse_key,
)

CHUNK = 64


def seal(data: bytes, key: bytes, chunk_size: int = CHUNK) -> bytes:
    raw = io.BytesIO()
    with SealingWriter(raw, key, chunk_size=chunk_size) as writer:
        for start in range(0, len(data), 7):  # writes that do not line up with chunks
            writer.write(data[start:start + 7])
    return raw.getvalue()


def unseal(sealed: bytes, keys: list[bytes]) -> bytes:
    reader = OpeningReader(io.BytesIO(sealed), keys)
    data = reader.read()
    reader.check_end()
    return data


@pytest.fixture
def key() -> bytes:
    return parse_key(generate_key())


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5])
def test_what_is_sealed_opens_whole_whatever_its_size(key, size):
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    sealed = seal(data, key)
    assert unseal(sealed, [key]) == data
    chunks = max(1, -(-size // CHUNK))
    assert len(sealed) == HEADER_SIZE + size + chunks * TAG_SIZE


def test_the_sealed_bytes_hold_none_of_the_plain_ones(key):
    secret = b"CASE-7Q4K2 ground floor please " * 20
    sealed = seal(secret, key)
    assert b"CASE-7Q4K2" not in sealed and b"ground floor" not in sealed
    assert seal(secret, key) != sealed  # a fresh salt per file: no two files alike


def test_any_listed_key_opens_and_the_newest_seals(key):
    newer = parse_key(generate_key())
    old_file = seal(b"made under the old key", key)
    assert unseal(old_file, [newer, key]) == b"made under the old key"
    new_file = seal(b"made under the new key", newer)
    with pytest.raises(SealedFileError, match=f"backup key {key_id(newer)}"):
        unseal(new_file, [key])


def test_a_wrong_key_is_named_by_its_id_never_shown(key):
    other = parse_key(generate_key())
    with pytest.raises(SealedFileError) as refused:
        unseal(seal(b"x" * 200, key), [other])
    message = str(refused.value)
    assert key_id(key) in message and "not in BACKUP_KEYS" in message
    assert generate_key()[:10] not in message


@pytest.mark.parametrize("where", ["header", "first chunk", "middle chunk", "last tag"])
def test_a_changed_byte_anywhere_is_refused(key, where):
    sealed = bytearray(seal(b"y" * (3 * CHUNK + 10), key))
    position = {"header": HEADER_SIZE - 1,  # the chunk size (the key id would be "wrong key")
                "first chunk": HEADER_SIZE + 3,
                "middle chunk": HEADER_SIZE + CHUNK + TAG_SIZE + 5,
                "last tag": len(sealed) - 1}[where]
    sealed[position] ^= 0x01
    with pytest.raises(SealedFileError, match="damaged|not a Shelter Bridge backup"):
        unseal(bytes(sealed), [key])


def test_chunks_swapped_are_refused(key):
    sealed = seal(b"a" * CHUNK + b"b" * CHUNK + b"c" * 10, key)
    size = CHUNK + TAG_SIZE
    first = slice(HEADER_SIZE, HEADER_SIZE + size)
    second = slice(HEADER_SIZE + size, HEADER_SIZE + 2 * size)
    rest = sealed[HEADER_SIZE + 2 * size:]
    swapped = sealed[:HEADER_SIZE] + sealed[second] + sealed[first] + rest
    with pytest.raises(SealedFileError, match="damaged"):
        unseal(swapped, [key])


def test_a_file_cut_between_chunks_is_truncated(key):
    sealed = seal(b"z" * (3 * CHUNK + 10), key)
    cut = sealed[:HEADER_SIZE + 2 * (CHUNK + TAG_SIZE)]
    with pytest.raises(SealedFileError, match="truncated"):
        unseal(cut, [key])
    with pytest.raises(SealedFileError, match="truncated"):
        unseal(sealed[:HEADER_SIZE], [key])


def test_a_file_cut_inside_a_chunk_or_lengthened_is_refused(key):
    sealed = seal(b"z" * (3 * CHUNK + 10), key)
    with pytest.raises(SealedFileError, match="damaged or truncated"):
        unseal(sealed[:-5], [key])
    with pytest.raises(SealedFileError, match="damaged"):
        unseal(sealed + b"more", [key])  # the extra bytes join the last part, which fails


def test_a_file_that_is_not_a_sealed_backup_is_named_so(key):
    for junk in (b"", b"not a backup at all", b"\x1f\x8b\x08 old gzip"):
        with pytest.raises(SealedFileError, match="not a Shelter Bridge backup"):
            OpeningReader(io.BytesIO(junk), [key])


def test_a_header_asking_for_huge_chunks_is_refused_before_reading_them(key):
    sealed = bytearray(seal(b"q", key))
    sealed[HEADER_SIZE - 4:HEADER_SIZE] = (2**31).to_bytes(4, "big")
    with pytest.raises(SealedFileError, match="not a Shelter Bridge backup"):
        OpeningReader(io.BytesIO(bytes(sealed)), [key])


@pytest.mark.parametrize("text", ["", "short", "!" * 44, "YQ==" * 11])
def test_a_key_of_the_wrong_shape_is_refused_without_showing_it(text):
    with pytest.raises(BackupKeyError) as refused:
        parse_key(text)
    assert text not in str(refused.value) or not text
