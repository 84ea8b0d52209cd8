"""Microsoft identity platform (OpenID configuration + client-credentials token endpoint)
and Microsoft Graph online meetings, in one fake served over HTTPS.

msal insists on an https authority, so this fake wraps its socket in TLS with a
self-signed certificate made on the fly; tests trust it through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
import tempfile
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
        self._tmp = tempfile.TemporaryDirectory()
        self.ca_bundle, self._key = _self_signed(Path(self._tmp.name))

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
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ")
        if token not in self.tokens_issued:
            return Response(
                401,
                {
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token is empty.",
                    }
                },
            )
        match = re.fullmatch(r"/v1\.0/users/([^/]+)/onlineMeetings/createOrGet", path)
        if match and request.method == "POST":
            body = request.json()
            if not body.get("externalId") or not body.get("startDateTime"):
                return Response(400, {"error": {"code": "BadRequest", "message": "externalId"}})
            for meeting in self.meetings.values():
                if meeting["externalId"] == body["externalId"]:
                    return Response(200, meeting)
            meeting_id = f"MSo{len(self.meetings) + 1}_{match.group(1)}"
            self.meetings[meeting_id] = {
                **body,
                "id": meeting_id,
                "organizer": match.group(1),
                "joinWebUrl": f"https://teams.example/l/meetup-join/{meeting_id}",
            }
            return Response(201, self.meetings[meeting_id])
        match = re.fullmatch(r"/v1\.0/users/([^/]+)/onlineMeetings/([^/]+)", path)
        if match:
            meeting = self.meetings.get(match.group(2))
            if meeting is None or meeting["organizer"] != match.group(1):
                return Response(404, {"error": {"code": "NotFound", "message": "not found"}})
            if request.method == "PATCH":
                meeting.update(request.json())
                return Response(200, meeting)
            if request.method == "DELETE":
                del self.meetings[match.group(2)]
                return Response(204)
        return Response(404, {"error": {"code": "NotFound", "message": f"no route {path}"}})

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
