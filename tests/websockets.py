"""``WebsocketCommunicator`` for websocket tests through the real ASGI application.

``channels.testing``'s ``__init__`` also imports the live-server test case, which needs Daphne
— not one of our dependencies (uvicorn serves the websockets). Without Daphne the package is
put together from its other modules, so the tests use Channels' real communicator."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any


def _channels_testing() -> Any:
    try:
        import channels.testing

        return channels.testing
    except ModuleNotFoundError as error:
        if error.name is None or not error.name.startswith("daphne"):
            raise
    import channels

    package = ModuleType("channels.testing")
    package.__path__ = [str(Path(channels.__file__).parent / "testing")]
    sys.modules["channels.testing"] = package
    from channels.testing.application import ApplicationCommunicator
    from channels.testing.http import HttpCommunicator
    from channels.testing.websocket import WebsocketCommunicator as Communicator

    package.ApplicationCommunicator = ApplicationCommunicator  # type: ignore[attr-defined]
    package.HttpCommunicator = HttpCommunicator  # type: ignore[attr-defined]
    package.WebsocketCommunicator = Communicator  # type: ignore[attr-defined]
    return package


WebsocketCommunicator = _channels_testing().WebsocketCommunicator
