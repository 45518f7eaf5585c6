"""Team names are shown in the reports: a person's name in one is removed at cleaning, a place or house name
stays (the acceptance test asked what is kept; README, privacy)."""

import pytest

from informeel_lib.deidentify import deidentify_label


@pytest.mark.parametrize(("team", "shown"), [
    ("Team Emmen-Zuid", "Team Emmen-Zuid"),               # a place: kept
    ("Wijkteam Assen-Noord", "Wijkteam Assen-Noord"),
    ("De Brink afd. 3", "De Brink afd. 3"),               # a house name (capital article): kept
    ("Het Anker", "Het Anker"),
    ("Team 3 Oost", "Team 3 Oost"),
    ("Team op Zuid", "Team op Zuid"),                     # a direction after a particle: kept
    ("Team Anja", "Team [naam]"),                         # a first name
    ("Team van Marieke de Vries", "Team van [naam]"),     # first name and surname
    ("Team van Dijk", "Team [naam]"),                     # a surname with its particle
    ("Team de Vries", "Team [naam]"),
    ("Team van der Berg", "Team [naam]"),
    ("team Bakker-de Boer", "team [naam]"),               # a double surname, both halves
    ("Team van dokter Bakker", "Team van [naam]"),        # a title with a surname
    ("Afdeling Mw. Jansen", "Afdeling [naam]"),
    ("Team J.H. de Boer", "Team [naam]"),                 # initials with a surname
    ("Team J. Jansen", "Team [naam]"),
])
def test_person_names_in_team_names_are_removed_and_places_kept(team, shown):
    text, counts = deidentify_label(team)
    assert text == shown
    assert bool(counts) == (text != team)                 # what was removed is counted (for the cleaning log)


def test_a_bare_surname_is_kept_as_documented():
    """'Team Jansen' cannot be told from 'Team Bos' or 'Team Haven' (surnames that are also place and house
    words); the README asks the researcher to check the team names."""
    assert deidentify_label("Team Jansen")[0] == "Team Jansen"


def test_teams_that_lose_the_same_name_are_numbered_once_each():
    """Two teams of one organisation that both become 'Team van [naam]' stay two teams: each keeps one number on
    all its rows (the number is not recounted per row); numbering starts again in another organisation."""
    from informeel_lib.io.cleaning import _deidentified_teams

    teams = ["Team van Marieke de Vries", "Team van Jan Bakker", "Team van Jan Bakker", "Team van Marieke de Vries",
             "Team van Jan Bakker", "Team Emmen", None, "Team van Jan Bakker"]
    orgs = ["A", "A", "A", "A", "A", "A", "A", "B"]
    assert _deidentified_teams(teams, orgs) == [
        "Team van [naam]", "Team van [naam] (2)", "Team van [naam] (2)", "Team van [naam]", "Team van [naam] (2)",
        "Team Emmen", None, "Team van [naam]"]
