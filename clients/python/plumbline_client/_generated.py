"""Imports the generated stubs, with a clear message when generate.sh has not been run."""

try:
    from .generated.health_v1 import health_pb2, health_pb2_grpc
    from .generated.plumbline_v1 import (
        common_pb2,
        evaluation_pb2,
        evaluation_pb2_grpc,
        judge_pb2,
        judge_pb2_grpc,
        leaderboard_pb2,
        leaderboard_pb2_grpc,
        loss_pb2,
        loss_pb2_grpc,
        model_pb2,
        model_pb2_grpc,
        plugin_pb2,
        plugin_pb2_grpc,
        training_pb2,
        training_pb2_grpc,
    )
    from .generated.reflection_v1 import reflection_pb2, reflection_pb2_grpc
except ImportError as e:  # pragma: no cover - depends on the checkout
    raise ImportError(
        "plumbline_client: the generated gRPC stubs are missing or stale ("
        + str(e)
        + "). Run clients/python/generate.sh (needs protobuf-compiler, protobuf-compiler-grpc, grpc-proto) "
        "and use /usr/bin/python3 with python3-grpcio and python3-protobuf."
    ) from e
