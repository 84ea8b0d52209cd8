"""The back office: the staff's today board (the admin index), analytics, routing what-if
and the seller's own page. In config because it reads every app (the top layer may)."""
