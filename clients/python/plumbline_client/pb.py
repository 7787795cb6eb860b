"""Every plumbline.v1 message and enum in one namespace, e.g. ``pb.ListPluginsRequest``,
``pb.PLUGIN_KIND_JUDGE``, ``pb.ComputeLossRequest``, ``pb.NamedTensor``."""

from ._generated import common_pb2 as _common_pb2  # noqa: F401  (fails early with a clear message)
from .generated.plumbline_v1.common_pb2 import *  # noqa: F401,F403
from .generated.plumbline_v1.evaluation_pb2 import *  # noqa: F401,F403
from .generated.plumbline_v1.judge_pb2 import *  # noqa: F401,F403
from .generated.plumbline_v1.leaderboard_pb2 import *  # noqa: F401,F403
from .generated.plumbline_v1.loss_pb2 import *  # noqa: F401,F403
from .generated.plumbline_v1.model_pb2 import *  # noqa: F401,F403
from .generated.plumbline_v1.plugin_pb2 import *  # noqa: F401,F403
from .generated.plumbline_v1.training_pb2 import *  # noqa: F401,F403

del DESCRIPTOR  # noqa: F821  (the last module's file descriptor; meaningless here)
