"""What a job's payload carries from one job to the next, and what it must not keep."""

from __future__ import annotations

from typing import Any

from sellers.fields import fernet

# Payload keys a handler writes to record its progress on one change (the email handler's
# recipients already sent to). They never carry over to a job for a newer change.
PROGRESS_KEYS = ("sent_to", "message_ids", "delivered_by", "pinned")


# Payload keys holding secrets (the manage URL carries the plaintext manage token, which the
# booking itself stores only hashed): sealed with the field-encryption keys while the job
# waits, and dropped from the job once it is done.
SECRET_KEYS = ("manage_url",)
SEALED = "sealed"


def carried_payload(payload: dict) -> dict:
    """``payload`` without the progress keys: what a newer job for the same work inherits."""
    return {k: v for k, v in payload.items() if k not in PROGRESS_KEYS}


def seal(payload: dict) -> dict:
    """``payload`` with every secret value encrypted (FIELD_ENCRYPTION_KEYS, newest key), so
    the outbox table, its backups and the admin never hold a usable manage link."""
    return {
        k: {SEALED: fernet().encrypt(v.encode()).decode()}
        if k in SECRET_KEYS and isinstance(v, str) and v
        else v
        for k, v in payload.items()
    }


def secret(payload: dict, key: str) -> str:
    """The plaintext of a sealed ``key`` ("" when absent). Any key of the ring decrypts, so
    jobs sealed before a key rotation stay readable while the old key is in the ring."""
    value: Any = payload.get(key) or ""
    if isinstance(value, dict):
        return fernet().decrypt(str(value[SEALED]).encode()).decode()
    return str(value)  # a job written before payloads were sealed
