"""`codebook draft` sets an open question that asks what someone learned to ``analysis: vormen``, so
`informeel citaten` and the report's table per form work on the draft without editing it (the acceptance
test found every open question drafted as ``woorden`` and `citaten` refusing)."""

import pytest

from informeel_lib.io.draft import open_question_analysis


@pytest.mark.parametrize(("text", "analysis"), [
    ("Wat heb je deze week in je werk geleerd, en hoe?", "vormen"),
    ("Kun je een voorbeeld noemen van iets wat je vandaag of gisteren hebt geleerd?", "vormen"),
    ("Wat heb je opgestoken van een collega?", "vormen"),
    ("Beschrijf een leermoment van de afgelopen week.", "vormen"),
    ("In hoeverre is informeel leren een thema in jouw organisatie, en hoe wordt erover gecommuniceerd?", "woorden"),
    ("Heb je nog opmerkingen over deze vragenlijst?", "woorden"),
])
def test_a_question_about_something_learned_is_coded_into_forms(text, analysis):
    assert open_question_analysis(text) == analysis
