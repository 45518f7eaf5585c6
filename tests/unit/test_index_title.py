"""The index pages carry the questionnaire's own name (the packaged reports.yaml said 'Informeel leren in de
zorg' for every network, and the index pages hard-coded it)."""

import pytest

from informeel_lib.errors import InformeelError
from informeel_lib.report.batch import index_title, load_config, write_round_index, write_top_index
from tests.support.own_questionnaire import ROUND_1, TRUTH


def test_the_packaged_configuration_titles_the_index_with_the_codebooks_name():
    assert index_title(load_config(), TRUTH[ROUND_1]) == "Werkbeleving in de wijkzorg"
    assert index_title({"titel": "Netwerk Noord — {vragenlijst}"}, TRUTH[ROUND_1]) == \
        "Netwerk Noord — Werkbeleving in de wijkzorg"
    with pytest.raises(InformeelError, match="titel"):
        index_title({"titel": "{netwerk}"}, TRUTH[ROUND_1])


def test_both_index_pages_show_that_title(tmp_path):
    title = index_title(load_config(), TRUTH[ROUND_1])
    round_page = write_round_index(tmp_path, ROUND_1, [], title=title).read_text(encoding="utf-8")
    assert "<h1>Werkbeleving in de wijkzorg: rapporten maart 2024</h1>" in round_page
    top = write_top_index(tmp_path).read_text(encoding="utf-8")
    assert "<h1>Werkbeleving in de wijkzorg</h1>" in top and "Informeel leren" not in top
