"""What a job's payload carries from one job to the next, and what it must not keep."""

# Payload keys a handler writes to record its progress on one change (the email handler's
# recipients already sent to). They never carry over to a job for a newer change.
PROGRESS_KEYS = ("sent_to", "message_ids", "delivered_by", "pinned")


# Payload keys holding secrets (the manage URL carries the plaintext manage token, which the
# booking itself stores only hashed): dropped from a job once it is done.
SECRET_KEYS = ("manage_url",)


def carried_payload(payload: dict) -> dict:
    """``payload`` without the progress keys: what a newer job for the same work inherits."""
    return {k: v for k, v in payload.items() if k not in PROGRESS_KEYS}
