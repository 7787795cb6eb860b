"""Round trips against the packaged full server (one server for the class): plugins, health,
reflection, error codes, message size, and the one-shot CLI next to a running server."""

import json
import os
import signal
import subprocess
import unittest

import support

import grpc

from plumbline_client import Client, pb
from plumbline_client.generated.reflection_v1 import reflection_pb2

SERVICES = {f"plumbline.v1.{s}" for s in (
    "PluginService", "LossService", "JudgeService", "ModelService", "TrainingService",
    "EvaluationService", "LeaderboardService")}


def raw_unary(channel, method):
    """A unary call with an empty body to any method name, bypassing the stubs."""
    return channel.unary_unary(method, request_serializer=lambda b: b, response_deserializer=lambda b: b)(
        b"", timeout=10)


class FullServerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        support.require_jar(support.APP_JAR, "full server")
        cls.server = support.ServerProcess(support.APP_JAR, name="full").start()
        cls.client = Client("127.0.0.1", cls.server.port)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        cls.server.stop()

    # (a) plugins and health ---------------------------------------------------------------------

    def test_health_check_serving(self):
        self.assertEqual("SERVING", self.client.health())
        self.assertEqual("SERVING", self.client.health("plumbline.v1.PluginService"))

    def test_http_health_up(self):
        self.assertEqual(200, support.http_status(self.server.url("/q/health")))

    def test_list_plugins_round_trip(self):
        everything = self.client.list_plugins()
        raw = self.client.plugins.ListPlugins(pb.ListPluginsRequest(), timeout=10).plugins
        self.assertEqual([p.id for p in everything], [p.id for p in raw])
        # Sorted by kind, then id; ids are unique.
        keys = [(p.kind, p.id) for p in everything]
        self.assertEqual(sorted(keys), keys)
        self.assertEqual(len(keys), len(set(p.id for p in everything)))
        for p in everything:
            self.assertNotEqual(pb.PLUGIN_KIND_UNSPECIFIED, p.kind, p.id)
            self.assertRegex(p.id, r"^[a-z0-9]+(-[a-z0-9]+)*$")
            self.assertTrue(p.description, p.id)

    def test_list_plugins_kind_filter(self):
        everything = self.client.list_plugins()
        union = []
        for name, kind in (("algorithm", pb.PLUGIN_KIND_ALGORITHM), ("judge", pb.PLUGIN_KIND_JUDGE),
                           ("model_provider", pb.PLUGIN_KIND_MODEL_PROVIDER)):
            with self.subTest(kind=name):
                some = self.client.list_plugins(kind=name)
                self.assertTrue(all(p.kind == kind for p in some), [p.id for p in some])
                self.assertEqual([p.id for p in everything if p.kind == kind], [p.id for p in some])
                raw = self.client.plugins.ListPlugins(pb.ListPluginsRequest(kind=kind), timeout=10).plugins
                self.assertEqual([p.id for p in some], [p.id for p in raw])
                union += some
        self.assertEqual(sorted(p.id for p in everything), sorted(p.id for p in union))

    # (b) reflection -----------------------------------------------------------------------------

    def test_reflection_lists_every_service(self):
        services = set(self.client.list_services())
        self.assertLessEqual(SERVICES | {"grpc.health.v1.Health"}, services)

    def test_reflection_serves_descriptors(self):
        request = reflection_pb2.ServerReflectionRequest(file_containing_symbol="plumbline.v1.PluginService")
        response = next(iter(self.client.reflection.ServerReflectionInfo(iter([request]), timeout=10)))
        self.assertFalse(response.HasField("error_response"), response.error_response)
        from google.protobuf import descriptor_pb2
        names = set()
        for blob in response.file_descriptor_response.file_descriptor_proto:
            names.add(descriptor_pb2.FileDescriptorProto.FromString(blob).name)
        self.assertIn("plumbline/v1/plugin.proto", names)

    # (c) error codes ----------------------------------------------------------------------------

    def test_unknown_method_unimplemented(self):
        with self.assertRaises(grpc.RpcError) as e:
            raw_unary(self.client.channel, "/plumbline.v1.PluginService/NoSuchMethod")
        self.assertEqual(grpc.StatusCode.UNIMPLEMENTED, e.exception.code(), e.exception.details())

    def test_unknown_service_unimplemented(self):
        with self.assertRaises(grpc.RpcError) as e:
            raw_unary(self.client.channel, "/plumbline.v1.NoSuchService/Anything")
        self.assertEqual(grpc.StatusCode.UNIMPLEMENTED, e.exception.code(), e.exception.details())

    def test_get_run_unknown_id_not_found(self):
        with self.assertRaises(grpc.RpcError) as e:
            self.client.get_training_run("no-such-run")
        self.assertEqual(grpc.StatusCode.NOT_FOUND, e.exception.code(), e.exception.details())
        self.assertIn("no-such-run", e.exception.details())

    def test_list_runs_empty_on_fresh_data_dir(self):
        reply = self.client.training.ListRuns(pb.TrainingServiceListRunsRequest(), timeout=10)
        self.assertEqual([], list(reply.runs))
        self.assertEqual("", reply.next_page_token)

    def test_large_request_within_the_mirrored_limit(self):
        # ~5.7 MiB: over grpc's 4 MiB and the unified server's 256 KB defaults, under 64 MiB.
        tensor = pb.NamedTensor(name="policy_chosen_logps", shape=[1_500_000])
        tensor.float_values.extend([0.0] * 1_500_000)
        request = pb.ComputeLossRequest(algorithm="no-such-algorithm", tensors=[tensor])
        self.assertGreater(request.ByteSize(), 5 * 1024 * 1024)
        try:
            self.client.loss.ComputeLoss(request, timeout=30)
        except grpc.RpcError as e:
            self.assertNotEqual(grpc.StatusCode.RESOURCE_EXHAUSTED, e.code(), e.details())
            self.assertNotEqual(grpc.StatusCode.UNAVAILABLE, e.code(), e.details())

    # (g) one-shot CLI while serve runs ----------------------------------------------------------

    def test_cli_plugins_json_while_serving(self):
        launcher = support.REPO / "plumbline"
        launcher_jar = support.REPO / "platform/server/target/quarkus-app/quarkus-run.jar"
        if not launcher_jar.is_file():
            self.skipTest(f"the launcher's jar {launcher_jar} is not built")
        env = support.java_env()
        env["PLUMBLINE_SKIP_BUILD"] = "1"
        proc = subprocess.Popen([str(launcher), "--data-dir", str(self.server.data_dir), "plugins", "--json"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                env=env, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            self.fail("plumbline plugins --json did not finish in 120 s")
        self.assertEqual(0, proc.returncode, err.decode(errors="replace")[-3000:])
        listed = json.loads(out)
        self.assertIsInstance(listed, list)
        for entry in listed:
            self.assertTrue({"id", "kind", "description"} <= set(entry), entry)
        if support.APP_JAR.resolve() == launcher_jar.resolve():
            self.assertEqual(sorted(p.id for p in self.client.list_plugins()), sorted(e["id"] for e in listed))
        # The server kept its port and its database.
        self.assertEqual("SERVING", self.client.health())
        self.client.list_plugins()
        with self.assertRaises(grpc.RpcError) as e:
            self.client.get_training_run("still-no-such-run")
        self.assertEqual(grpc.StatusCode.NOT_FOUND, e.exception.code())


if __name__ == "__main__":
    unittest.main()
