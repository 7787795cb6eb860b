"""Client package checks that need no server: generated stubs, kind mapping, options."""

import unittest

import support  # noqa: F401  (generates the stubs, sets sys.path)

import grpc

import plumbline_client
from plumbline_client import MAX_MESSAGE_BYTES, Client, pb, plugin_kind


class ClientUnitTest(unittest.TestCase):

    def test_generated_services_cover_the_contract(self):
        from plumbline_client.generated.plumbline_v1 import (
            evaluation_pb2, judge_pb2, leaderboard_pb2, loss_pb2, model_pb2, plugin_pb2, training_pb2)
        services = set()
        for module in (evaluation_pb2, judge_pb2, leaderboard_pb2, loss_pb2, model_pb2, plugin_pb2, training_pb2):
            self.assertEqual("plumbline.v1", module.DESCRIPTOR.package)
            services.update(s.full_name for s in module.DESCRIPTOR.services_by_name.values())
        self.assertEqual({f"plumbline.v1.{s}" for s in (
            "PluginService", "LossService", "JudgeService", "ModelService", "TrainingService",
            "EvaluationService", "LeaderboardService")}, services)

    def test_parameter_values_are_typed_like_the_python_values(self):
        from plumbline_client import parameter_values
        values = parameter_values({"beta": 0.1}, max_steps=50, flag=True, kind="sigmoid")
        self.assertEqual("number_value", values["beta"].WhichOneof("kind"))
        self.assertEqual(50, values["max_steps"].integer_value)
        self.assertEqual("integer_value", values["max_steps"].WhichOneof("kind"))
        self.assertEqual("bool_value", values["flag"].WhichOneof("kind"))
        self.assertEqual("sigmoid", values["kind"].string_value)
        request = pb.StartTrainingRequest(algorithm="dpo", trainer=parameter_values(learning_rate=1e-4))
        self.assertAlmostEqual(1e-4, request.trainer["learning_rate"].number_value)
        with self.assertRaises(TypeError):
            parameter_values(bad=[1])

    def test_proto3_optional_fields_have_presence(self):
        spec = pb.ParameterSpec(name="beta")
        self.assertFalse(spec.HasField("minimum"))
        spec.minimum = 0.0
        self.assertTrue(spec.HasField("minimum"))
        self.assertTrue(pb.GenerationSettings(seed=0).HasField("seed"))

    def test_standard_services_are_generated(self):
        from plumbline_client.generated.health_v1 import health_pb2
        from plumbline_client.generated.reflection_v1 import reflection_pb2
        self.assertEqual("grpc.health.v1.Health", health_pb2.DESCRIPTOR.services_by_name["Health"].full_name)
        self.assertEqual("grpc.reflection.v1.ServerReflection",
                         reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"].full_name)
        # The leaf -I keeps grpcio's own package intact.
        self.assertTrue(hasattr(grpc, "insecure_channel"))

    def test_plugin_kind_mapping(self):
        self.assertEqual(pb.PLUGIN_KIND_UNSPECIFIED, plugin_kind(None))
        self.assertEqual(pb.PLUGIN_KIND_ALGORITHM, plugin_kind("algorithm"))
        self.assertEqual(pb.PLUGIN_KIND_JUDGE, plugin_kind("Judge"))
        self.assertEqual(pb.PLUGIN_KIND_MODEL_PROVIDER, plugin_kind("model_provider"))
        self.assertEqual(pb.PLUGIN_KIND_MODEL_PROVIDER, plugin_kind("model-provider"))
        self.assertEqual(pb.PLUGIN_KIND_JUDGE, plugin_kind("PLUGIN_KIND_JUDGE"))
        self.assertEqual(pb.PLUGIN_KIND_JUDGE, plugin_kind(pb.PLUGIN_KIND_JUDGE))
        with self.assertRaisesRegex(ValueError, "unknown plugin kind"):
            plugin_kind("optimizer")
        with self.assertRaises(ValueError):
            plugin_kind(42)

    def test_client_exposes_every_stub_and_mirrors_the_message_limit(self):
        self.assertEqual(64 * 1024 * 1024, MAX_MESSAGE_BYTES)
        with Client("127.0.0.1", 1, api_key="k") as c:
            for attr in ("plugins", "loss", "judge", "models", "training", "evaluation", "leaderboard",
                         "health_stub", "reflection"):
                self.assertIsNotNone(getattr(c, attr), attr)
            self.assertEqual("127.0.0.1:1", c.target)
            self.assertFalse(c.secure)

    def test_unreachable_server_is_unavailable(self):
        with Client("127.0.0.1", support.free_port(), timeout=3) as c:
            with self.assertRaises(grpc.RpcError) as e:
                c.health()
            self.assertEqual(grpc.StatusCode.UNAVAILABLE, e.exception.code())

    def test_version(self):
        self.assertTrue(plumbline_client.__version__)


if __name__ == "__main__":
    unittest.main()
