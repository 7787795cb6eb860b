"""(f) The gateway build (no DJL PyTorch engine, no ONNX Runtime) serves the API and says
clearly which features it lacks."""

import unittest

import support

import grpc

from plumbline_client import Client, pb


class GatewayTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        support.require_jar(support.GATEWAY_JAR, "gateway server")
        cls.server = support.ServerProcess(support.GATEWAY_JAR, name="gateway").start()
        cls.client = Client("127.0.0.1", cls.server.port)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.stop()

    def test_list_plugins_and_health(self):
        self.assertIsInstance(self.client.list_plugins(), list)
        self.assertTrue(all(p.kind == pb.PLUGIN_KIND_JUDGE for p in self.client.list_plugins(kind="judge")))
        self.assertEqual("SERVING", self.client.health())
        self.assertEqual(200, support.http_status(self.server.url("/q/health")))

    def test_compute_loss_failed_precondition_names_the_engine(self):
        request = pb.ComputeLossRequest(algorithm="dpo", tensors=[
            pb.NamedTensor(name="policy_chosen_logps", shape=[1], float_values=[-1.0])])
        with self.assertRaises(grpc.RpcError) as e:
            self.client.loss.ComputeLoss(request, timeout=10)
        self.assertEqual(grpc.StatusCode.FAILED_PRECONDITION, e.exception.code(), e.exception.details())
        self.assertIn("PyTorch engine", e.exception.details())

    def test_runs_are_persisted_in_the_gateway_too(self):
        with self.assertRaises(grpc.RpcError) as e:
            self.client.get_training_run("no-such-run")
        self.assertEqual(grpc.StatusCode.NOT_FOUND, e.exception.code(), e.exception.details())


if __name__ == "__main__":
    unittest.main()
