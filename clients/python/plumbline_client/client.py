"""A small gRPC client for a Plumbline server.

One :class:`Client` owns one channel to the server's single port (gRPC shares it with
/q/health and /q/metrics) and exposes a typed stub for every ``plumbline.v1`` service plus the
standard health and reflection services. API keys travel as ``x-api-key`` metadata on every call.
"""

from __future__ import annotations

import os
from typing import Iterable, List, Optional, Sequence, Tuple, Union

import grpc

from ._generated import (
    common_pb2,
    evaluation_pb2_grpc,
    health_pb2,
    health_pb2_grpc,
    judge_pb2_grpc,
    leaderboard_pb2_grpc,
    loss_pb2_grpc,
    model_pb2_grpc,
    plugin_pb2,
    plugin_pb2_grpc,
    reflection_pb2,
    reflection_pb2_grpc,
    training_pb2,
    training_pb2_grpc,
)

#: The server accepts messages up to 64 MiB (quarkus.grpc.server.max-inbound-message-size);
#: the client mirrors it in both directions.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

Metadata = Sequence[Tuple[str, str]]

_KINDS = {
    "algorithm": plugin_pb2.PLUGIN_KIND_ALGORITHM,
    "judge": plugin_pb2.PLUGIN_KIND_JUDGE,
    "model_provider": plugin_pb2.PLUGIN_KIND_MODEL_PROVIDER,
    "model-provider": plugin_pb2.PLUGIN_KIND_MODEL_PROVIDER,
}


def parameter_value(value: Union[bool, int, float, str]) -> common_pb2.ParameterValue:
    """A ``plumbline.v1.ParameterValue`` typed as the Python value is: bool, int (integer_value),
    float (number_value) or str."""
    if isinstance(value, bool):
        return common_pb2.ParameterValue(bool_value=value)
    if isinstance(value, int):
        return common_pb2.ParameterValue(integer_value=value)
    if isinstance(value, float):
        return common_pb2.ParameterValue(number_value=value)
    if isinstance(value, str):
        return common_pb2.ParameterValue(string_value=value)
    raise TypeError(f"a parameter value is a bool, int, float or str, got {type(value).__name__}")


def parameter_values(values: Optional[dict] = None, **kwargs) -> dict:
    """``{name: ParameterValue}`` for a request's parameter map, e.g.
    ``pb.StartTrainingRequest(trainer=parameter_values(learning_rate=1e-4, max_steps=50))``."""
    merged = dict(values or {})
    merged.update(kwargs)
    return {name: parameter_value(v) for name, v in merged.items()}


def plugin_kind(kind: Union[None, str, int]) -> int:
    """Maps ``None``, ``"algorithm"``/``"judge"``/``"model_provider"``, ``"PLUGIN_KIND_JUDGE"`` or an
    enum number to a ``plumbline.v1.PluginKind`` value."""
    if kind is None:
        return plugin_pb2.PLUGIN_KIND_UNSPECIFIED
    if isinstance(kind, int):
        plugin_pb2.PluginKind.Name(kind)  # ValueError for an unknown number
        return kind
    key = kind.strip().lower()
    if key in _KINDS:
        return _KINDS[key]
    try:
        return plugin_pb2.PluginKind.Value(kind.strip().upper())
    except ValueError:
        raise ValueError(
            f"unknown plugin kind {kind!r}; expected one of algorithm, judge, model_provider"
        ) from None


class _ApiKeyAuth(grpc.AuthMetadataPlugin):
    """Adds the API key to every call made over a secure channel."""

    def __init__(self, api_key: str):
        self._metadata = (("x-api-key", api_key),)

    def __call__(self, context, callback):
        callback(self._metadata, None)


class _ApiKeyInterceptor(
    grpc.UnaryUnaryClientInterceptor,
    grpc.UnaryStreamClientInterceptor,
    grpc.StreamUnaryClientInterceptor,
    grpc.StreamStreamClientInterceptor,
):
    """Adds the API key to every call made over a plaintext channel (call credentials need TLS)."""

    def __init__(self, api_key: str):
        self._api_key = api_key

    def _details(self, details):
        metadata = list(details.metadata or [])
        if not any(k.lower() in ("x-api-key", "authorization") for k, _ in metadata):
            metadata.append(("x-api-key", self._api_key))
        return _CallDetails(details.method, details.timeout, metadata, details.credentials,
                            getattr(details, "wait_for_ready", None), getattr(details, "compression", None))

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)

    def intercept_stream_stream(self, continuation, details, request_iterator):
        return continuation(self._details(details), request_iterator)


class _CallDetails(grpc.ClientCallDetails):
    def __init__(self, method, timeout, metadata, credentials, wait_for_ready, compression):
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


class Client:
    """A connection to a Plumbline server.

    >>> with Client("127.0.0.1", 8080, api_key="k1") as c:
    ...     for p in c.list_plugins(kind="judge"):
    ...         print(p.id, p.description)

    Arguments:
        host, port: the server's HTTP port (gRPC, health and metrics share it).
        api_key: sent as ``x-api-key`` on every call when set (the server's ``plumbline.api-keys``).
        root_certificates: enables TLS. PEM bytes, or a path to a PEM file, of the certificate(s)
            to trust; ``True`` uses the system trust store.
        server_name: overrides the TLS host name check (e.g. ``"localhost"`` when connecting to an IP
            whose certificate names only localhost).
        timeout: default deadline in seconds for the convenience methods.
        options: extra channel options, appended after the message-size options.

    The generated stubs are available as :attr:`plugins`, :attr:`loss`, :attr:`judge`,
    :attr:`models`, :attr:`training`, :attr:`evaluation`, :attr:`leaderboard`, :attr:`health_stub`
    and :attr:`reflection`; message classes live in ``plumbline_client.pb``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8080,
        api_key: Optional[str] = None,
        root_certificates: Union[None, bool, bytes, str, os.PathLike] = None,
        server_name: Optional[str] = None,
        timeout: Optional[float] = 30.0,
        options: Iterable[Tuple[str, object]] = (),
    ):
        self.target = f"{host}:{port}"
        self.timeout = timeout
        channel_options: List[Tuple[str, object]] = [
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ]
        if server_name:
            channel_options.append(("grpc.ssl_target_name_override", server_name))
        channel_options.extend(options)

        if root_certificates is None or root_certificates is False:
            channel = grpc.insecure_channel(self.target, options=channel_options)
            if api_key:
                channel = grpc.intercept_channel(channel, _ApiKeyInterceptor(api_key))
        else:
            pem = None if root_certificates is True else _read_pem(root_certificates)
            credentials = grpc.ssl_channel_credentials(root_certificates=pem)
            if api_key:
                credentials = grpc.composite_channel_credentials(
                    credentials, grpc.metadata_call_credentials(_ApiKeyAuth(api_key)))
            channel = grpc.secure_channel(self.target, credentials, options=channel_options)
        self.channel = channel
        self.secure = root_certificates not in (None, False)

        self.plugins = plugin_pb2_grpc.PluginServiceStub(channel)
        self.loss = loss_pb2_grpc.LossServiceStub(channel)
        self.judge = judge_pb2_grpc.JudgeServiceStub(channel)
        self.models = model_pb2_grpc.ModelServiceStub(channel)
        self.training = training_pb2_grpc.TrainingServiceStub(channel)
        self.evaluation = evaluation_pb2_grpc.EvaluationServiceStub(channel)
        self.leaderboard = leaderboard_pb2_grpc.LeaderboardServiceStub(channel)
        self.health_stub = health_pb2_grpc.HealthStub(channel)
        self.reflection = reflection_pb2_grpc.ServerReflectionStub(channel)

    # -- convenience ---------------------------------------------------------------------------

    def list_plugins(self, kind: Union[None, str, int] = None, timeout: Optional[float] = None):
        """The server's plugins (``plumbline.v1.Plugin``), optionally of one kind
        (``"algorithm"``, ``"judge"``, ``"model_provider"``)."""
        request = plugin_pb2.ListPluginsRequest(kind=plugin_kind(kind))
        return list(self.plugins.ListPlugins(request, timeout=self._t(timeout)).plugins)

    def health(self, service: str = "", timeout: Optional[float] = None) -> str:
        """``grpc.health.v1`` status name of the server (or of one service): ``"SERVING"``, ..."""
        reply = self.health_stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=self._t(timeout))
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)

    def list_services(self, timeout: Optional[float] = None) -> List[str]:
        """Fully qualified service names the server exposes (gRPC reflection v1)."""
        responses = self.reflection.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=self._t(timeout))
        for response in responses:
            if response.HasField("error_response"):
                raise RuntimeError(f"reflection error {response.error_response.error_code}: "
                                   f"{response.error_response.error_message}")
            return sorted(s.name for s in response.list_services_response.service)
        return []

    def get_training_run(self, run_id: str, timeout: Optional[float] = None) -> common_pb2.Run:
        """A training run by id (NOT_FOUND for an unknown id)."""
        request = training_pb2.TrainingServiceGetRunRequest(run_id=run_id)
        return self.training.GetRun(request, timeout=self._t(timeout)).run

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Blocks until the channel is connected (raises grpc.FutureTimeoutError otherwise)."""
        grpc.channel_ready_future(self.channel).result(timeout=timeout)

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        self.channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.target!r}, secure={self.secure})"

    def _t(self, timeout: Optional[float]) -> Optional[float]:
        return self.timeout if timeout is None else timeout


def _read_pem(value: Union[bytes, str, os.PathLike]) -> bytes:
    if isinstance(value, bytes):
        return value
    text = os.fspath(value)
    if text.lstrip().startswith("-----BEGIN"):
        return text.encode("ascii")
    with open(text, "rb") as f:
        return f.read()
