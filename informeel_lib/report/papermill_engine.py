"""``papermill --engine informeel``: papermill with our kernels, for a researcher who runs a notebook herself.

papermill's default engine uses jupyter_client's own kernel client, which can miss the reply of a cell with
ipywidgets (notebook 02 with ``interactief = True`` then hangs; see
:mod:`informeel_lib.report.kernel_client`). This engine is papermill's nbclient engine with the kernel
manager the report batch uses (:func:`informeel_lib.report.batch.local_kernel_manager_class`): local
sockets and a client that cannot miss that reply. It is registered under the name ``informeel`` through
the ``papermill.engine`` entry point of this package.

Examples
--------
From the command line::

    papermill --engine informeel notebooks/02_vragenlijstanalyse.ipynb uit.ipynb -p organisatie ZINN

or from Python: ``papermill.execute_notebook(..., engine_name="informeel")``.
"""

from __future__ import annotations

from papermill.engines import NBClientEngine


class InformeelEngine(NBClientEngine):
    """papermill's nbclient engine with the report batch's kernel manager (unless the caller passes one)."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        from .batch import local_kernel_manager_class

        if "km" not in kwargs:
            kwargs.setdefault("kernel_manager_class", local_kernel_manager_class(asynchronous=True))
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
