"""`informeel report` wherever the package is installed: without a registered kernel, this interpreter."""

import os
import sys

from informeel_lib.report import batch


def test_a_missing_kernel_is_provided_by_the_running_interpreter(monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    monkeypatch.setenv("JUPYTER_PATH", os.environ.get("JUPYTER_PATH", ""))  # restored afterwards
    name = "informeel-niet-geregistreerd"
    try:
        KernelSpecManager().get_kernel_spec(name)
        raise AssertionError("this kernel name must not be registered for the test")
    except NoSuchKernel:
        pass
    assert batch.ensure_report_kernel(name) == name
    spec = KernelSpecManager().get_kernel_spec(name)
    assert spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    km = batch.new_kernel_manager(name)
    km.start_kernel()
    try:
        kc = km.blocking_client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        seen = []
        kc.execute_interactive("import sys; print(sys.executable)", timeout=60,
                               output_hook=lambda m: seen.append(m["content"].get("text", "")))
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert "".join(seen).strip() == sys.executable


def test_a_registered_kernel_is_left_alone(monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", os.environ.get("JUPYTER_PATH", ""))
    before = os.environ["JUPYTER_PATH"]
    assert batch.ensure_report_kernel(batch.KERNEL_NAME) == batch.KERNEL_NAME  # `make venv` registered it
    assert os.environ["JUPYTER_PATH"] == before
