#!/usr/bin/python3
"""Independent model of the remote-agents/v2 key schedule and envelope (core/src/crypto/README.md),
written from the specification with other libraries than the C++ code uses: argon2-cffi (the
Argon2 reference C implementation), the Python standard library's hmac/hashlib for HKDF and
pyca/cryptography (OpenSSL) for AES-256-GCM. Its output is pinned in key_schedule_test.cpp and
room_crypto_test.cpp as cross-implementation vectors.

Debian packages: python3-argon2 python3-cryptography. Run: /usr/bin/python3 make_vectors.py
Not run by CI; rerun only if the protocol changes (which then needs a new envelope version).
"""
import hashlib
import hmac
import struct

from argon2.low_level import Type, hash_secret_raw
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ROOM_SALT_LABEL = b"remote-agents/v2 room salt"
ROUTING_LABEL = b"remote-agents/v2 relay-routing-id"
ROOM_KEY_LABEL = b"remote-agents/v2 e2e-room-key"
SESSION_LABEL = b"remote-agents/v2 sender-session"
VERSION = 2


def hkdf_sha256(ikm, salt, info, length):
    prk = hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def room_keys(token, room, m_kib, t, p):
    salt = hashlib.sha256(ROOM_SALT_LABEL + room).digest()[:16]
    secret = hash_secret_raw(token, salt, time_cost=t, memory_cost=m_kib, parallelism=p,
                             hash_len=32, type=Type.ID, version=19)
    return salt, hkdf_sha256(secret, b"", ROUTING_LABEL, 32), hkdf_sha256(secret, b"", ROOM_KEY_LABEL, 32)


def session_key(room_key, sender, session_salt):
    return hkdf_sha256(room_key, session_salt, SESSION_LABEL + bytes([len(sender)]) + sender, 32)


def seal(room_key, kind, flags, sender, recipient, session_salt, seq, plaintext):
    header = (bytes([VERSION, kind, flags, len(sender)]) + sender + bytes([len(recipient)]) + recipient +
              session_salt + struct.pack(">Q", seq) + bytes([0]))
    nonce = b"\0\0\0\0" + struct.pack(">Q", seq)
    return header + AESGCM(session_key(room_key, sender, session_salt)).encrypt(nonce, plaintext, header)


def main():
    token, room = b"correct horse battery staple", b"lab-room"
    salt, routing, key = room_keys(token, room, 8, 1, 1)
    print("room salt        ", salt.hex())
    print("cheap routing id ", routing.hex())
    print("cheap room key   ", key.hex())
    session_salt = bytes(range(16))
    print("session key      ", session_key(key, b"peer-a", session_salt).hex())
    print("frame a->b       ", seal(key, 1, 0, b"peer-a", b"peer-b", session_salt, 7, b'{"tool":"exec"}').hex())
    print("frame a->all     ", seal(key, 4, 0x80, b"peer-a", b"", session_salt, 8, b"").hex())
    _, routing, key = room_keys(token, room, 64 * 1024, 3, 1)
    print("default routing  ", routing.hex())
    print("default room key ", key.hex())


if __name__ == "__main__":
    main()
