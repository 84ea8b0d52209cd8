"""Write use cases of the waitlist, one module per concern (``monitoring``: external
calendars; ``calendar_config``: a business's calendar settings; ``handoff``: where a freed
or expired slot is handed to the offer flow)."""
