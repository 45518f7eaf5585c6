"""Scale-out: the batch runner renders reports on a dask.distributed cluster through ``executor=``.

A LocalCluster with worker processes stands in for a cluster of machines: the report jobs, the team
pages and the network models are pickled to the workers and run there, as they would on remote ones.
"""

import pytest

from informeel_lib.report import batch as reports
from tests.support.ci import in_ci
from tests.support.rendered import ROUND
from tests.support.report_reader import read_report

pytestmark = pytest.mark.slow


def test_render_round_on_a_dask_local_cluster(rendered_round, tmp_path):
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # the dev extra installs it; a user installs informeel[dask]
        pytest.fail(str(exc)) if in_ci() else pytest.skip(str(exc))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        ok = reports.render_round(ROUND, data_dir=rendered_round.data, out_dir=tmp_path, organisation="ZINN",
                                  executor=client.get_executor(), progress=False, teams=True,
                                  reuse_kernel=False)  # a kernel per notebook: none outlives the cluster's workers
    assert ok
    report = read_report((tmp_path / ROUND / "zinn.html").read_text(encoding="utf-8"))
    assert report.sections[0] == "Kernboodschappen" and report.sections[-1] == "Verantwoording"
    assert report.tables == read_report(rendered_round.html("zinn.html")).tables  # the same report as the pool's
    assert list((tmp_path / ROUND / "teams" / "zinn").glob("*.html"))
