"""A purchase order mailed over STARTTLS with a login, to a real SMTP server (aiosmtpd) holding a
self-signed certificate made for the test (both backends): the mailer trusts it through its CA file,
refuses a server it cannot verify, and the server refuses plain text and a wrong password."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests import order_factories as o
from tests.purchase_factories import two_suppliers
from tests.smtp_server import attachments, smtp_server
from truecount.adapters.db.engine import Database
from truecount.services.common.scope import Scope
from truecount.services.purchasing import records
from truecount.services.purchasing.sending import SendFailed, send_purchase_order


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A self-signed certificate for 127.0.0.1 (and its key), PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    yield cert_file, key_file


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def test_a_purchase_order_goes_over_starttls_with_a_login_to_a_server_the_mailer_verifies(
    db: Database, scope: Scope, certificate: tuple[Path, Path]
) -> None:
    two_suppliers(db, scope)
    o.order(db, scope, "W1", ("SNK", 3))
    (po,) = records.list_purchase_orders(db, scope)
    with smtp_server(login=("shop", "s3cret"), tls=server_context(certificate)) as (inbox, plain):
        secure = replace(plain, starttls=True, ca_file=str(certificate[0]), user="shop", password="s3cret")
        with pytest.raises(SendFailed) as in_clear:  # no login offered before STARTTLS
            send_purchase_order(db, scope, po.id, replace(plain, user="shop", password="s3cret"))
        assert "AUTH extension not supported" in in_clear.value.message
        with pytest.raises(SendFailed) as anonymous:  # nor mail taken
            send_purchase_order(db, scope, po.id, plain)
        assert "530" in anonymous.value.message
        with pytest.raises(SendFailed) as unverified:  # the system's CAs do not vouch for it
            send_purchase_order(db, scope, po.id, replace(secure, ca_file=""))
        assert "CERTIFICATE_VERIFY_FAILED" in unverified.value.message
        with pytest.raises(SendFailed) as wrong:
            send_purchase_order(db, scope, po.id, replace(secure, password="guess"))
        assert "535" in wrong.value.message
        assert inbox.messages == []
        sent = send_purchase_order(db, scope, po.id, secure)
    assert sent.state == "sent"
    (mail,) = inbox.messages
    assert mail["To"] == "po@acme.example" and mail["Subject"] == f"Purchase order {po.number}"
    files = attachments(mail)
    assert files[f"{po.number}.pdf"][0] == "application/pdf" and files[f"{po.number}.pdf"][1].startswith(b"%PDF")
