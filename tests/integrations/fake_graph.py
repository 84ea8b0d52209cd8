"""Microsoft identity platform (OpenID configuration + client-credentials token endpoint)
and Microsoft Graph users + online meetings, in one fake served over HTTPS.

What it enforces, and where that comes from:
- Graph v1.0 "Get user" (learn.microsoft.com/graph/api/user-get, HTTP request):
  ``GET /users/{id | userPrincipalName}``; an unknown user is 404 with
  ``Request_ResourceNotFound``.
- "onlineMeeting: createOrGet" (learn.microsoft.com/graph/api/onlinemeeting-createorget,
  HTTP request + Request body): ``POST /users/{userId}/onlineMeetings/createOrGet``;
  ``externalId`` required; ``startDateTime``/``endDateTime`` ISO 8601. "Update onlineMeeting"
  (PATCH) and "Delete onlineMeeting" (DELETE, 204) on ``/users/{userId}/onlineMeetings/{id}``.
  With application permissions the path's userId is the organizer's object id (a GUID);
  the answer Graph gives to an email there is not documented — this fake answers 404, as
  the issue reports from production.
- "Configure application access policy" (learn.microsoft.com/graph/cloud-communication-
  online-meeting-application-access-policy, Errors): without a policy granted to the user,
  app-only calls get 403 ``{"error": {"code": "Forbidden", "message": "No application access
  policy found for this app"}}``.
- Every Graph call needs ``Authorization: Bearer <token>``; otherwise 401
  ``InvalidAuthenticationToken`` (Graph "Microsoft Graph error responses", Code property).

msal insists on an https authority, so this fake wraps its socket in TLS with a
self-signed certificate made on the fly; tests trust it through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
import tempfile
import uuid
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integrations.fakeserver import FakeProvider, Request, Response

TENANT_ID = "tenant-1"
CLIENT_ID = "ms-client"
CLIENT_SECRET = "ms-secret"
GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _graph_error(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}})


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class FakeGraph(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.meetings: dict[str, dict[str, Any]] = {}
        self.tokens_issued: list[str] = []
        self.users: dict[str, str] = {}  # UPN (lower case) -> object id
        self.policy_granted: set[str] = set()  # object ids
        self._tmp = tempfile.TemporaryDirectory()
        self.ca_bundle, self._key = _self_signed(Path(self._tmp.name))

    def add_user(self, upn: str, *, policy: bool = True) -> str:
        """A tenant user; ``policy`` grants the app's access policy to them."""
        object_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, upn.lower()))
        self.users[upn.lower()] = object_id
        if policy:
            self.policy_granted.add(object_id)
        return object_id

    def start(self) -> FakeGraph:
        super().start()
        assert self._server is not None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_bundle, self._key)
        # Same file descriptor, so the running accept loop keeps polling it.
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        return self

    def stop(self) -> None:
        super().stop()
        self._tmp.cleanup()

    @property
    def url(self) -> str:
        return super().url.replace("http://", "https://", 1)

    @property
    def authority_url(self) -> str:
        return self.url

    @property
    def graph_url(self) -> str:
        return f"{self.url}/v1.0"

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == f"/{TENANT_ID}/v2.0/.well-known/openid-configuration":
            base = f"{self.url}/{TENANT_ID}"
            return Response(
                200,
                {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                },
            )
        if path == f"/{TENANT_ID}/oauth2/v2.0/token" and request.method == "POST":
            return self._token(request)
        authorization = request.headers.get("authorization") or ""
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens_issued:
            return _graph_error(401, "InvalidAuthenticationToken", "Access token is empty.")
        match = re.fullmatch(r"/v1\.0/users/([^/]+)", path)
        if match and request.method == "GET":
            return self._get_user(match.group(1))
        match = re.fullmatch(r"/v1\.0/users/([^/]+)/onlineMeetings(/.*)?", path)
        if match:
            user_id = match.group(1)
            if not GUID.match(user_id) or user_id not in self.users.values():
                return _graph_error(404, "NotFound", f"user {user_id} not found")
            if user_id not in self.policy_granted:
                return _graph_error(
                    403, "Forbidden", "No application access policy found for this app"
                )
            return self._meetings(request, user_id, match.group(2) or "")
        return _graph_error(404, "NotFound", f"no route {request.method} {path}")

    def _get_user(self, key: str) -> Response:
        object_id = key if key in self.users.values() else self.users.get(key.lower())
        if object_id is None:
            return _graph_error(
                404,
                "Request_ResourceNotFound",
                f"Resource '{key}' does not exist or one of its queried reference-property "
                "objects are not present.",
            )
        return Response(200, {"id": object_id})

    def _meetings(self, request: Request, user_id: str, rest: str) -> Response:
        if rest == "" and request.method == "GET":
            return Response(200, {"value": []})  # $filter by JoinWebUrl: none match
        if rest == "/createOrGet" and request.method == "POST":
            body = request.json()
            if not isinstance(body.get("externalId"), str) or not body["externalId"]:
                return _graph_error(400, "BadRequest", "externalId is required")
            for key in ("startDateTime", "endDateTime"):
                if key in body and not ISO.match(str(body[key])):
                    return _graph_error(400, "BadRequest", f"{key} is not ISO 8601")
            for meeting in self.meetings.values():
                if meeting["externalId"] == body["externalId"] and meeting["organizer"] == user_id:
                    return Response(200, meeting)
            meeting_id = f"MSo{len(self.meetings) + 1}_{user_id[:8]}"
            self.meetings[meeting_id] = {
                **body,
                "id": meeting_id,
                "organizer": user_id,
                "joinWebUrl": f"https://teams.example/l/meetup-join/{meeting_id}",
            }
            return Response(201, self.meetings[meeting_id])
        meeting = self.meetings.get(rest.removeprefix("/"))
        if meeting is None or meeting["organizer"] != user_id:
            return _graph_error(404, "NotFound", "meeting not found")
        if request.method == "PATCH":
            body = request.json()
            for key in ("startDateTime", "endDateTime"):
                if key in body and not ISO.match(str(body[key])):
                    return _graph_error(400, "BadRequest", f"{key} is not ISO 8601")
            meeting.update(body)
            return Response(200, meeting)
        if request.method == "DELETE":
            del self.meetings[meeting["id"]]
            return Response(204)
        return _graph_error(405, "MethodNotAllowed", request.method)

    def _token(self, request: Request) -> Response:
        from urllib.parse import parse_qs

        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return Response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret.",
                },
            )
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        token = f"graph-token-{len(self.tokens_issued) + 1}"
        self.tokens_issued.append(token)
        return Response(
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            },
        )
