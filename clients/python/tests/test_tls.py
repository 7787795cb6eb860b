"""(e) TLS on the unified server: a self-signed certificate made in the test, a secure channel
trusting it, and plaintext refused. The server also requires an API key, so the client's
TLS + call-credentials path is covered too.

Server keys used (verified with Quarkus 3.31.3, unified server):
  quarkus.http.ssl.certificate.files / key-files   PEM certificate and key (TLS for HTTP and gRPC)
  quarkus.http.ssl-port                            the TLS port (gRPC is served there too)
  quarkus.http.insecure-requests=disabled          closes the plaintext port
quarkus.grpc.server.plain-text=false is not needed with the unified server.
"""

import shutil
import tempfile
import unittest
from pathlib import Path

import support

import grpc

from plumbline_client import Client

KEY = "tls-test-key"


class TlsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        support.require_jar(support.APP_JAR, "full server")
        cls.certdir = Path(tempfile.mkdtemp(prefix="plumbline-pytest-cert-"))
        cls.cert, key = support.make_self_signed_cert(cls.certdir)
        cls.server = support.ServerProcess(support.APP_JAR, {
            "quarkus.http.ssl.certificate.files": str(cls.cert),
            "quarkus.http.ssl.certificate.key-files": str(key),
            "quarkus.http.insecure-requests": "disabled",
            "plumbline.api-keys": KEY,
        }, tls_cert=cls.cert, name="tls")
        try:
            cls.server.start()
        except BaseException:
            shutil.rmtree(cls.certdir, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.certdir, ignore_errors=True)

    def test_secure_channel_by_ip(self):
        with Client("127.0.0.1", self.server.ssl_port, root_certificates=self.cert, api_key=KEY) as c:
            self.assertTrue(c.secure)
            self.assertIsInstance(c.list_plugins(), list)
            self.assertEqual("SERVING", c.health())

    def test_secure_channel_by_name_with_pem_bytes(self):
        with Client("localhost", self.server.ssl_port, root_certificates=self.cert.read_bytes(), api_key=KEY) as c:
            self.assertIsInstance(c.list_plugins(kind="algorithm"), list)
            self.assertIn("plumbline.v1.PluginService", c.list_services())

    def test_secure_channel_without_key_unauthenticated(self):
        with Client("127.0.0.1", self.server.ssl_port, root_certificates=self.cert) as c:
            self.assertEqual("SERVING", c.health())
            with self.assertRaises(grpc.RpcError) as e:
                c.list_plugins()
            self.assertEqual(grpc.StatusCode.UNAUTHENTICATED, e.exception.code(), e.exception.details())

    def test_plaintext_call_to_tls_port_fails(self):
        with Client("127.0.0.1", self.server.ssl_port, api_key=KEY, timeout=5) as c:
            with self.assertRaises(grpc.RpcError) as e:
                c.list_plugins()
            self.assertEqual(grpc.StatusCode.UNAVAILABLE, e.exception.code(), e.exception.details())

    def test_plaintext_port_is_closed(self):
        with Client("127.0.0.1", self.server.port, api_key=KEY, timeout=5) as c:
            with self.assertRaises(grpc.RpcError) as e:
                c.list_plugins()
            self.assertEqual(grpc.StatusCode.UNAVAILABLE, e.exception.code(), e.exception.details())

    def test_untrusted_certificate_fails(self):
        with Client("127.0.0.1", self.server.ssl_port, root_certificates=True, api_key=KEY, timeout=5) as c:  # system roots
            with self.assertRaises(grpc.RpcError) as e:
                c.list_plugins()
            self.assertEqual(grpc.StatusCode.UNAVAILABLE, e.exception.code(), e.exception.details())

    def test_https_health(self):
        self.assertEqual(200, support.http_status(self.server.url("/q/health"), context=self.server.ssl_context()))


if __name__ == "__main__":
    unittest.main()
