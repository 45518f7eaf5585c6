"""A kernel client for papermill/nbclient runs that cannot miss a message (the widget-cell hang).

Why: executing a notebook whose cells show ipywidgets ``interactive`` controls (notebook 02 with
``interactief=True``) through papermill sometimes stalled on such a cell. The kernel had finished
(its ``status: idle`` had arrived) and its ``execute_reply`` was already waiting in the client's
shell socket, but the client never woke up for it. nbclient waits for that reply with one
``await shell_channel.get_msg(timeout=<cell timeout>)``; jupyter_client implements it as a
pyzmq ``zmq.asyncio`` poll on the socket's edge-triggered file descriptor, and that wake-up was
lost. Only when the poll's timeout fired did pyzmq check the socket again (``poll(0)``) and find
the reply: a cell then "completed" after exactly the cell timeout, without error (measured: 120,0 s
and 40,1 s for a cell that takes 1,5 s), and with papermill's default ``execution_timeout=None`` it
waited forever. In our measurements it happened in about one in eight cells that show
``interactive`` widgets with a large output, and never in 96 cells with the same output and no
widget. Versions: nbclient 0.11.0, jupyter_client 8.10.0, pyzmq 27.3.0, ipykernel 7.4.0,
ipywidgets 8.1.9 (upstream reports of the symptom: papermill #723, nbconvert #2029).

The work-around: :class:`SlicedPollChannel` waits in slices of :data:`POLL_SLICE` seconds; every
slice ends with pyzmq's own re-check of the socket, so a lost wake-up costs at most one slice.
:func:`~informeel_lib.report.batch.local_kernel_manager_class` hands out clients with these
channels for the shell and IOPub sockets.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

POLL_SLICE = 0.25
"""Seconds one poll of a kernel socket may wait before the socket is checked again."""


class SlicedPollChannel(AsyncZMQSocketChannel):
    """An async ZMQ channel whose ``get_msg`` re-checks the socket every :data:`POLL_SLICE` seconds."""

    async def get_msg(self, timeout: float | None = None) -> dict:
        """The next message; raises ``queue.Empty`` after ``timeout`` seconds (None: wait for ever)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = POLL_SLICE if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                return await super().get_msg(timeout=min(POLL_SLICE, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise


class SlicedPollKernelClient(AsyncKernelClient):
    """AsyncKernelClient with :class:`SlicedPollChannel` for the shell and IOPub channels."""

    shell_channel_class = Type(SlicedPollChannel)
    iopub_channel_class = Type(SlicedPollChannel)
