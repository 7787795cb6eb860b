"""Python client for the Plumbline gRPC API (package plumbline.v1).

    from plumbline_client import Client, pb

    with Client("127.0.0.1", 8080, api_key="k1") as c:
        print(c.health())                     # "SERVING"
        for p in c.list_plugins(kind="algorithm"):
            print(p.id, p.description)
        c.loss.ComputeLoss(pb.ComputeLossRequest(algorithm="dpo", ...))

Generate the stubs first with clients/python/generate.sh; run with /usr/bin/python3.
"""

from . import pb
from .client import MAX_MESSAGE_BYTES, Client, parameter_value, parameter_values, plugin_kind

__all__ = ["Client", "MAX_MESSAGE_BYTES", "pb", "parameter_value", "parameter_values", "plugin_kind"]
__version__ = "0.1.0"
