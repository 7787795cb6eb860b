"""(d) API keys: a server started with plumbline.api-keys=k1,k2."""

import unittest

import support

import grpc

from plumbline_client import Client, pb


class ApiKeyTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        support.require_jar(support.APP_JAR, "full server")
        cls.server = support.ServerProcess(support.APP_JAR, {"plumbline.api-keys": "k1,k2"}, name="apikeys").start()
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def assertCode(self, code, call):
        with self.assertRaises(grpc.RpcError) as e:
            call()
        self.assertEqual(code, e.exception.code(), e.exception.details())
        return e.exception

    # gRPC

    def test_without_key_unauthenticated(self):
        with Client("127.0.0.1", self.port) as c:
            error = self.assertCode(grpc.StatusCode.UNAUTHENTICATED, c.list_plugins)
            self.assertIn("x-api-key", error.details())

    def test_x_api_key_accepted(self):
        for key in ("k1", "k2"):
            with self.subTest(key=key), Client("127.0.0.1", self.port, api_key=key) as c:
                self.assertIsInstance(c.list_plugins(), list)
                self.assertIsInstance(c.list_plugins(kind="judge"), list)

    def test_bearer_accepted(self):
        with Client("127.0.0.1", self.port) as c:
            reply = c.plugins.ListPlugins(pb.ListPluginsRequest(), metadata=[("authorization", "Bearer k2")],
                                          timeout=10)
            self.assertIsNotNone(reply)

    def test_wrong_key_unauthenticated(self):
        with Client("127.0.0.1", self.port, api_key="k3") as c:
            self.assertCode(grpc.StatusCode.UNAUTHENTICATED, c.list_plugins)
        with Client("127.0.0.1", self.port) as c:
            self.assertCode(grpc.StatusCode.UNAUTHENTICATED, lambda: c.plugins.ListPlugins(
                pb.ListPluginsRequest(), metadata=[("authorization", "Bearer k1x")], timeout=10))
            self.assertCode(grpc.StatusCode.UNAUTHENTICATED, lambda: c.plugins.ListPlugins(
                pb.ListPluginsRequest(), metadata=[("x-api-key", "")], timeout=10))

    def test_other_services_need_the_key_too(self):
        with Client("127.0.0.1", self.port) as c:
            self.assertCode(grpc.StatusCode.UNAUTHENTICATED, lambda: c.get_training_run("x"))
        with Client("127.0.0.1", self.port, api_key="k1") as c:
            self.assertCode(grpc.StatusCode.NOT_FOUND, lambda: c.get_training_run("x"))
            # A streaming call (reflection) carries the key as well.
            self.assertIn("plumbline.v1.PluginService", c.list_services())

    def test_health_check_without_key(self):
        with Client("127.0.0.1", self.port) as c:
            self.assertEqual("SERVING", c.health())

    # HTTP

    def test_http_health_without_key(self):
        self.assertEqual(200, support.http_status(self.server.url("/q/health")))
        self.assertEqual(200, support.http_status(self.server.url("/q/health/ready")))

    def test_http_metrics_needs_key(self):
        url = self.server.url("/q/metrics")
        self.assertEqual(401, support.http_status(url))
        self.assertEqual(401, support.http_status(url, {"x-api-key": "nope"}))
        self.assertEqual(200, support.http_status(url, {"x-api-key": "k1"}))
        self.assertEqual(200, support.http_status(url, {"Authorization": "Bearer k2"}))

    def test_http_metrics_grpc_content_type_does_not_bypass_the_key(self):
        self.assertEqual(401, support.http_status(self.server.url("/q/metrics"),
                                                  {"content-type": "application/grpc"}))


if __name__ == "__main__":
    unittest.main()
