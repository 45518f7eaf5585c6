"""Dutch open answers for the synthetic network, each with its true form of informal learning.

The generator composes every answer from fragments (care situation, source, colleague, moment,
tense, sentence frame, casual spelling), so a text coder cannot simply memorise a few sentences.
Labels follow the three forms of informal learning of the network plus a rest category:

``zelfgestuurd``
    intentional, conscious learning the writer chose to do ("ik heb zelf opgezocht", "ik vroeg",
    "ik wilde weten", "e-learning op eigen initiatief").
``incidenteel``
    not intended, learned while doing something else ("toen ik ... merkte ik", "door een fout",
    "tijdens de overdracht zag ik").
``tacit``
    unconscious, implicit learning ("je merkt gaandeweg", "het gaat vanzelf", "je neemt het over
    van collega's zonder erbij na te denken", "ik kan niet precies zeggen hoe").
``onbekend``
    empty-ish, off-topic or refusing answers ("geen idee", "n.v.t.").

For OPEN_THEMA (how informal learning is a theme and how it is communicated) the same labels are
used: a channel where people deliberately share what they looked up or asked (zelfgestuurd), a
channel where learning comes up in passing (incidenteel), "it is not talked about, it just
happens" (tacit) and non-answers (onbekend). The ``topic`` returned is the care situation
(OPEN_VOORBEELD) or the communication channel (OPEN_THEMA; ``niet besproken`` for answers that
say learning is not discussed).

All names used anywhere in the synthetic data are invented.
"""

from __future__ import annotations

import numpy as np

LABELS = ("zelfgestuurd", "incidenteel", "tacit", "onbekend")

# Care situations: theme noun, a "hoe/wat ..." clause, a moment ("bij ..."), a "dat ..." insight
# clause and a noun phrase that can be the subject of "gaat me makkelijker af".
SITUATIONS = {
    "wondzorg": dict(
        thema="wondzorg", onderwerp=["hoe je een drukverband goed aanlegt", "welk verband je gebruikt bij een natte wond",
                                     "hoe je een decubituswond beoordeelt"],
        moment=["bij het verbinden van een wond", "tijdens de wondzorg bij meneer", "bij de wondcontrole"],
        inzicht=["de wond er beter uitziet als je het verband minder vaak wisselt", "ik het verband te strak had aangelegd",
                 "de huid rond de wond rood werd van de pleister"],
        ding="wondverzorging"),
    "tillift": dict(
        thema="de tillift", onderwerp=["hoe je de tillift veilig gebruikt met twee personen", "welke tilband bij welke bewoner hoort",
                                       "hoe je de passieve lift instelt"],
        moment=["bij het tillen van een bewoner", "bij het uit bed halen van mevrouw", "bij de transfer naar de rolstoel"],
        inzicht=["de tilband een maat te groot was", "je de lift eerst moet controleren voor gebruik",
                 "het met een glijzeil veel makkelijker gaat"],
        ding="werken met de tillift"),
    "medicatie": dict(
        thema="medicatieveiligheid", onderwerp=["hoe je een dubbele controle goed uitvoert", "wat je doet bij een vergeten medicijn",
                                                "welke medicijnen je niet mag fijnmaken"],
        moment=["bij het delen van de medicatie", "tijdens de medicijnronde", "bij het aftekenen van de medicatie"],
        inzicht=["een tablet niet gemalen mocht worden", "de medicatielijst niet klopte met de rol",
                 "de apotheek een wijziging nog niet had doorgevoerd"],
        ding="medicatie delen"),
    "dementie": dict(
        thema="omgaan met dementie", onderwerp=["hoe je rustig reageert op onbegrepen gedrag", "hoe je iemand met dementie geruststelt",
                                                "wat je kunt doen bij onrust in de avond"],
        moment=["bij een bewoner met dementie", "bij een onrustige bewoner", "tijdens het avondeten op de PG-afdeling"],
        inzicht=["muziek van vroeger de onrust wegnam", "mevrouw rustiger werd als ik op ooghoogte ging zitten",
                 "meneer minder boos werd als ik hem zelf liet kiezen"],
        ding="omgaan met onrust bij dementie"),
    "overdracht": dict(
        thema="de overdracht", onderwerp=["hoe je een overdracht volgens SBAR doet", "wat je wel en niet in de overdracht zegt",
                                          "hoe je een overdracht kort en volledig houdt"],
        moment=["tijdens de overdracht", "bij de overdracht naar de nachtdienst", "bij de mondelinge overdracht"],
        inzicht=["belangrijke informatie over de pijn was blijven liggen", "de nachtdienst iets anders had gezien dan wij",
                 "een korte overdracht veel duidelijker is"],
        ding="de overdracht doen"),
    "ecd": dict(
        thema="het ECD", onderwerp=["hoe je een zorgplan bijwerkt in het ECD", "waar je de risicosignalering in het ECD vindt",
                                    "hoe je een rapportage koppelt aan een doel"],
        moment=["bij het rapporteren in het ECD", "bij het bijwerken van het zorgplan", "bij het invullen van het ECD"],
        inzicht=["je in het ECD ook een herinnering kunt zetten", "de rapportage niet aan het doel gekoppeld was",
                 "er een handige sneltoets in het ECD zit"],
        ding="rapporteren in het ECD"),
    "palliatief": dict(
        thema="palliatieve zorg", onderwerp=["hoe je een gesprek over het levenseinde begint", "welke signalen horen bij de stervensfase",
                                             "hoe je mondzorg geeft in de laatste levensfase"],
        moment=["bij een bewoner in de laatste levensfase", "tijdens een gesprek met de familie", "in de palliatieve fase van mevrouw"],
        inzicht=["de familie vooral behoefte had aan uitleg", "stilte soms meer zegt dan woorden",
                 "de pijnscore beter moest worden bijgehouden"],
        ding="de gesprekken met familie"),
    "valpreventie": dict(
        thema="valpreventie", onderwerp=["hoe je een valrisico inschat", "welke maatregelen helpen tegen vallen",
                                         "hoe je een sensormat goed instelt"],
        moment=["bij de nabespreking van een valincident", "bij het lopen met een cliënt", "tijdens de nachtronde"],
        inzicht=["de schoenen van meneer te glad waren", "de sensormat verkeerd lag",
                 "mevrouw 's nachts vaker valt door het licht"],
        ding="valrisico inschatten"),
    "insuline": dict(
        thema="insuline en diabetes", onderwerp=["hoe je de insulinepen instelt", "wat je doet bij een hypo",
                                                 "hoe je een bloedsuiker goed prikt"],
        moment=["bij het prikken van de bloedsuiker", "bij een cliënt met diabetes", "tijdens de ochtendronde in de wijk"],
        inzicht=["de bloedsuiker na het sporten veel lager was", "de pen niet goed ontlucht was",
                 "mevrouw haar eten oversloeg"],
        ding="insuline spuiten"),
    "katheter": dict(
        thema="katheterzorg", onderwerp=["hoe je een katheter steriel inbrengt", "hoe je een blaasspoeling doet",
                                         "wanneer je een katheter moet vervangen"],
        moment=["bij het verzorgen van de katheter", "bij het legen van de urinezak", "tijdens de katheterzorg"],
        inzicht=["de slang geknikt zat", "de urine troebel was en dat een infectie kon zijn",
                 "de fixatie van de katheter beter kon"],
        ding="katheterzorg"),
    "slikken": dict(
        thema="slikproblemen", onderwerp=["hoe je dranken indikt voor iemand met slikproblemen",
                                          "welke houding helpt bij het eten met slikproblemen", "hoe je een verslikking herkent"],
        moment=["bij het eten geven", "tijdens de lunch", "bij het geven van drinken"],
        inzicht=["meneer zich verslikte in dun drinken", "rechtop zitten veel uitmaakt",
                 "de logopedist een ander advies had gegeven"],
        ding="eten geven bij slikproblemen"),
    "familie": dict(
        thema="contact met familie", onderwerp=["hoe je een lastig gesprek met familie voert", "hoe je verwachtingen van familie bespreekt",
                                                "hoe je familie betrekt bij de zorg"],
        moment=["in een gesprek met de dochter van mevrouw", "bij een boos telefoontje van de familie", "tijdens het bezoekuur"],
        inzicht=["de familie zich niet gehoord voelde", "een vast aanspreekpunt veel rust gaf",
                 "de zoon andere informatie had gekregen"],
        ding="gesprekken met familie"),
    "hygiene": dict(
        thema="infectiepreventie", onderwerp=["hoe je beschermende kleding in de goede volgorde uittrekt",
                                              "wanneer je handschoenen moet wisselen", "hoe je een isolatiekamer inricht"],
        moment=["bij een cliënt in isolatie", "tijdens een uitbraak op de afdeling", "bij de ochtendzorg"],
        inzicht=["ik mijn handschoenen te laat wisselde", "de schort anders uit moest",
                 "de handalcohol op de gang leeg was"],
        ding="werken volgens de hygiëneregels"),
    "mondzorg": dict(
        thema="mondzorg", onderwerp=["hoe je een gebitsprothese goed schoonmaakt", "hoe je mondzorg geeft bij iemand die niet meewerkt",
                                     "welke tandpasta je bij een droge mond gebruikt"],
        moment=["bij de mondzorg in de ochtend", "bij het poetsen van het gebit", "tijdens de avondzorg"],
        inzicht=["de prothese niet goed paste", "mevrouw pijn had aan haar tandvlees",
                 "een kleine tandenborstel veel beter werkt"],
        ding="mondzorg geven"),
    "stoma": dict(
        thema="stomazorg", onderwerp=["hoe je een stomaplaat op maat knipt", "hoe je huidproblemen rond een stoma voorkomt",
                                      "hoe vaak je een stomazakje verwisselt"],
        moment=["bij het verwisselen van het stomazakje", "bij de stomazorg", "bij een lekkend stomazakje"],
        inzicht=["de plaat te groot geknipt was", "de huid rond de stoma geïrriteerd was",
                 "het zakje beter zittend geplakt kon worden"],
        ding="stomazorg"),
    "agressie": dict(
        thema="omgaan met agressie", onderwerp=["hoe je de-escalerend reageert", "hoe je grenzen aangeeft zonder boos te worden",
                                                "wat je doet als een cliënt gaat schelden"],
        moment=["bij een boze cliënt", "bij een incident in de huiskamer", "tijdens een huisbezoek"],
        inzicht=["een rustige stem beter werkt dan uitleggen", "ik te dichtbij was gaan staan",
                 "meneer pijn had en daarom boos werd"],
        ding="omgaan met boze cliënten"),
}

COLLEAGUES = ["een collega", "een ervaren collega", "mijn werkbegeleider", "de praktijkopleider", "de wijkverpleegkundige",
              "de specialist ouderengeneeskunde", "de apotheker", "de fysiotherapeut", "mijn leidinggevende",
              "de verpleegkundige van de nachtdienst", "een stagiaire", "de logopedist"]
SOURCES = ["het protocol", "het protocollenboek op intranet", "de Vilans-site", "het ECD", "een filmpje op YouTube",
           "de site van Zorg voor Beter", "de bijsluiter", "de zorgwijzer op intranet", "het kwaliteitshandboek",
           "de app van de apotheek"]
WHEN_START = ["Gisteren", "Vandaag", "Vanochtend", "Vanmiddag", "In de late dienst", "Tijdens mijn dienst gisteren",
              "Afgelopen nacht", "Gisteravond", "Vandaag in de vroege dienst"]
WHEN_MID = ["gisteren", "vandaag", "vanochtend", "in de late dienst", "gisteravond", "afgelopen nacht", "vandaag in de wijk"]
REASONS = ["ik me er onzeker over voelde", "ik het de volgende keer zelf wil kunnen", "het in de overdracht ter sprake kwam",
           "ik er nieuwsgierig naar was", "we een nieuwe cliënt hebben die dat nodig heeft"]

# --- OPEN_VOORBEELD frames per label (a frame is a function of the fragments) ------------------

def _voorbeeld_zelfgestuurd(f):
    return [
        f"{f['WS']} heb ik zelf opgezocht {f['onderwerp']}, in {f['bron']}.",
        f"Ik heb {f['wm']} zelf opgezocht {f['onderwerp']}, omdat {f['reden']}.",
        f"Ik wilde weten {f['onderwerp']}, dus ik heb het aan {f['collega']} gevraagd.",
        f"Ik wil weten {f['onderwerp']}. Daarom vraag ik het aan {f['collega']}.",
        f"{f['WS']} een e-learning gevolgd over {f['thema']}, op eigen initiatief.",
        f"Op eigen initiatief heb ik een e-learning over {f['thema']} gedaan, omdat {f['reden']}.",
        f"Ik vroeg {f['wm']} aan {f['collega']} {f['onderwerp']}.",
        f"Ik heb {f['collega']} gevraagd om mee te kijken {f['moment']}, zodat ik leer {f['onderwerp']}.",
        f"Zelf uitgezocht {f['onderwerp']} via {f['bron']}.",
        f"{f['WS']} ben ik gaan lezen over {f['thema']}, omdat {f['reden']}.",
        f"Ik zocht in {f['bron']} op {f['onderwerp']}, want ik wilde het zeker weten.",
        f"Ik heb bewust gevraagd of ik {f['moment']} mocht meekijken bij {f['collega']}, ik wilde weten {f['onderwerp']}.",
    ]


def _voorbeeld_incidenteel(f):
    return [
        f"Toen ik {f['moment']} bezig was, merkte ik dat {f['inzicht']}.",
        f"{f['WS']} ging er {f['moment']} iets mis. Door die fout weet ik nu {f['onderwerp']}.",
        f"Door een fout {f['moment']} kwam ik erachter {f['onderwerp']}.",
        f"Tijdens de overdracht zag ik dat {f['inzicht']}.",
        f"Ik was {f['moment']} met iets anders bezig en zag ineens dat {f['inzicht']}.",
        f"Eigenlijk per toeval: {f['moment']} bleek dat {f['inzicht']}.",
        f"{f['WS']} merkte ik {f['moment']} dat {f['inzicht']}, dat had ik niet verwacht.",
        f"Toen ik {f['collega']} hielp {f['moment']}, zag ik dat {f['inzicht']}.",
        f"Ik ontdekte {f['wm']} bij toeval {f['onderwerp']}, terwijl ik eigenlijk iets anders deed.",
        f"Doordat er {f['moment']} iets fout ging, leerde ik dat {f['inzicht']}.",
        f"ik zie {f['moment']} opeens dat {f['inzicht']}",
    ]


def _voorbeeld_tacit(f):
    return [
        f"Je merkt gaandeweg {f['onderwerp']}, dat leer je niet uit een boek.",
        f"Het gaat vanzelf. {f['ding'].capitalize()} gaat me steeds makkelijker af, maar ik kan niet precies zeggen hoe.",
        f"Je neemt het over van collega's zonder erbij na te denken, zoals {f['ding']}.",
        f"Ik kan niet precies zeggen hoe, maar {f['ding']} gaat me nu beter af dan vorig jaar.",
        f"Dat zit er na een tijdje gewoon in, bijvoorbeeld {f['ding']}. Je doet het op gevoel.",
        f"Eigenlijk leer je elke dag iets, maar ongemerkt. {f['ding'].capitalize()} doe ik nu anders zonder dat ik weet wanneer dat veranderde.",
        f"Je kijkt het af van collega's zonder dat je het doorhebt, bijvoorbeeld {f['ding']}.",
        f"Dat gaat op de automatische piloot. {f['ding'].capitalize()} heb ik gewoon gaandeweg opgepikt.",
        f"Geen concreet voorbeeld, het gaat vanzelf. Je groeit erin, ook in {f['thema']}.",
        f"Ik weet niet meer wanneer ik het geleerd heb, je merkt gaandeweg wat werkt bij {f['thema']}.",
    ]


ONBEKEND_VOORBEELD = ["geen idee", "Geen idee.", "n.v.t.", "nvt", "Weet ik niet", "-", "Niks bijzonders", "Drukke dienst gehad.",
                      "Ik werk hier pas net.", "Geen tijd voor gehad", "?", "Niets", "Weet niet meer", "Was een gewone dag",
                      "Ik had vrij", "geen", "Goede vraag...", "Het was een gezellige dienst", "Parkeren bij de locatie is lastig."]

# --- OPEN_THEMA: how informal learning is a theme and how it is communicated ---------------------
CHANNELS = {
    "teamoverleg": ["in het teamoverleg", "tijdens het werkoverleg", "in de teamvergadering"],
    "intranet": ["op intranet", "via het intranet", "op de leerpagina van intranet"],
    "nieuwsbrief": ["in de nieuwsbrief", "via de maandelijkse nieuwsbrief", "in de nieuwsbrief van L&O"],
    "intervisie": ["in de intervisie", "tijdens intervisiebijeenkomsten", "in het leerkringoverleg"],
    "app": ["in de teamapp", "via de groepsapp van het team", "in de WhatsApp-groep"],
    "overdracht": ["bij de overdracht", "tussen de bedrijven door bij de overdracht", "in de koffiepauze"],
}
ORG_WORDS = ["onze organisatie", "ons team", "onze locatie", "de organisatie", "het team"]


def _thema_zelfgestuurd(f):
    return [
        f"In {f['org']} wordt {f['kanaal']} bewust tijd gemaakt om te vertellen wat je zelf hebt uitgezocht.",
        f"We delen {f['kanaal']} wat we hebben opgezocht of gevraagd. Iedereen mag iets inbrengen.",
        f"Informeel leren is een thema: je wordt aangemoedigd zelf dingen uit te zoeken en dat {f['kanaal']} te delen.",
        f"Ik breng zelf onderwerpen in {f['kanaal']}, bijvoorbeeld iets wat ik heb opgezocht over {f['thema']}.",
        f"Er staat {f['kanaal']} een rubriek waarin collega's vertellen wat ze op eigen initiatief hebben geleerd.",
        f"Wij hebben een leervraag van de maand; wat je uitzoekt bespreek je {f['kanaal']}.",
    ]


def _thema_incidenteel(f):
    return [
        f"Het komt soms {f['kanaal']} ter sprake, meestal als er iets mis is gegaan.",
        f"Niet echt gepland, maar {f['kanaal']} hoor je wel eens wat een ander heeft meegemaakt.",
        f"Het gebeurt vooral tussendoor. {f['kanaal'].capitalize()} komt een incident voorbij en daar leer je van.",
        f"Als er een fout is gemaakt, wordt het {f['kanaal']} besproken. Verder niet zo.",
        f"Soms staat er {f['kanaal']} iets over een melding, dan leer je daar toevallig van.",
    ]


def _thema_tacit(f):
    return [
        "Er wordt eigenlijk niet over gesproken, het gaat vanzelf.",
        "Het is geen thema. Je leert het van collega's zonder dat het benoemd wordt.",
        f"Niet besproken. In {f['org']} leer je gewoon door mee te draaien.",
        "Wordt niet over gecommuniceerd, je pikt het onderweg op zonder erbij na te denken.",
        f"Ik denk dat het wel gebeurt, maar niemand noemt het leren. Het zit in hoe {f['org']} werkt.",
        "Daar praten we niet over. Je merkt gaandeweg hoe dingen gaan.",
    ]


THEMA_OPENERS = ["Goede vraag.", "Lastig te zeggen.", "In mijn team is dat wisselend.", "Op mijn afdeling:",
                 "Eerlijk gezegd:", "Sinds corona is dat veranderd.", "Het verschilt per locatie.",
                 "Volgens mij wel een beetje.", "Ik werk er nu drie jaar."]
THEMA_CLOSERS = ["Dat zou beter kunnen.", "Daar mag meer aandacht voor komen.", "Ik vind dat prima zo.",
                 "Zeker sinds de nieuwe teamleider.", "Vooral in de nachtdienst is daar weinig tijd voor.",
                 "De werkdruk is wel hoog.", "Ik zou het fijn vinden als dat vaker gebeurt.",
                 "Met de invalkrachten lukt dat minder.", "Het hangt erg af van wie er dienst heeft.",
                 "Dat werkt goed voor nieuwe collega's."]
ONBEKEND_THEMA = ["geen idee", "n.v.t.", "Weet ik niet", "-", "Geen mening", "Daar heb ik geen zicht op", "?",
                  "Te weinig uren om dat te weten", "Ik ben net begonnen", "weet niet", "Geen antwoord"]

_VOORBEELD_FRAMES = {"zelfgestuurd": _voorbeeld_zelfgestuurd, "incidenteel": _voorbeeld_incidenteel,
                     "tacit": _voorbeeld_tacit}
_THEMA_FRAMES = {"zelfgestuurd": _thema_zelfgestuurd, "incidenteel": _thema_incidenteel, "tacit": _thema_tacit}


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))]


def _casual(rng, text: str) -> str:
    """Casual spelling variation: sometimes no capital, no final full stop, double spaces."""
    u = rng.random(3)
    if u[0] < 0.15:
        text = text[:1].lower() + text[1:]
    if u[1] < 0.2:
        text = text.rstrip(".")
    if u[2] < 0.05:
        text = text.replace(", ", ",  ", 1)
    return text


def voorbeeld_answer(rng: np.random.Generator, label: str) -> tuple[str, str]:
    """One OPEN_VOORBEELD answer with true form ``label``; returns (text, topic)."""
    if label == "onbekend":
        return _pick(rng, ONBEKEND_VOORBEELD), "geen"
    topic = _pick(rng, sorted(SITUATIONS))
    sit = SITUATIONS[topic]
    fragments = {
        "thema": sit["thema"], "onderwerp": _pick(rng, sit["onderwerp"]), "moment": _pick(rng, sit["moment"]),
        "inzicht": _pick(rng, sit["inzicht"]), "ding": sit["ding"], "collega": _pick(rng, COLLEAGUES),
        "bron": _pick(rng, SOURCES), "WS": _pick(rng, WHEN_START), "wm": _pick(rng, WHEN_MID),
        "reden": _pick(rng, REASONS),
    }
    text = _pick(rng, _VOORBEELD_FRAMES[label](fragments))
    return _casual(rng, text), topic


def thema_answer(rng: np.random.Generator, label: str) -> tuple[str, str]:
    """One OPEN_THEMA answer with true form ``label``; returns (text, channel)."""
    if label == "onbekend":
        return _pick(rng, ONBEKEND_THEMA), "geen"
    channel = _pick(rng, sorted(CHANNELS))
    fragments = {"kanaal": _pick(rng, CHANNELS[channel]), "org": _pick(rng, ORG_WORDS),
                 "thema": SITUATIONS[_pick(rng, sorted(SITUATIONS))]["thema"]}
    text = _pick(rng, _THEMA_FRAMES[label](fragments))
    if rng.random() < .35:
        text = f"{_pick(rng, THEMA_OPENERS)} {text}"
    if rng.random() < .45:
        text = f"{text} {_pick(rng, THEMA_CLOSERS)}"
    if label == "tacit":
        channel = "niet besproken"
    return _casual(rng, text), channel


# --- identifying content planted in open answers (write_network's dirt) --------------------------
FIRST_NAMES = ["Marieke", "Anouk", "Sanne", "Jeroen", "Henk", "Fleur", "Ilse", "Bart", "Gerda", "Koen", "Lotte", "Wietske",
               "Harm", "Janneke", "Roelof", "Esther", "Sjoerd", "Mirjam", "Tjitske", "Bram"]
LAST_NAMES = ["de Vries", "Bakker", "Jansen", "Hoekstra", "Veenstra", "Mulder", "de Boer", "Smit", "Dijkstra", "Kuipers",
              "Postma", "Wierenga", "van der Meer", "Bosma", "Huizinga", "Meijer", "Kramer", "Zijlstra", "Oosting", "Boerema"]


def fake_person(rng: np.random.Generator) -> tuple[str, str, str]:
    """An invented Dutch (first name, last name, e-mail address) on a reserved example domain."""
    first, last = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
    local = f"{first[0].lower()}.{last.replace(' ', '').lower()}"
    domain = _pick(rng, ["voorbeeldzorg.nl", "example.nl", "zorgmail.example", "mail.example.com"])
    return first, last, f"{local}@{domain}"


def plant_identifier(rng: np.random.Generator, text: str | None, kind: str) -> tuple[str, str]:
    """Add an e-mail address, phone number, person's name or script tag to an open answer.

    Returns (new text, the planted string).
    """
    base = (text or "").rstrip()
    first, last, email = fake_person(rng)
    if kind == "email":
        planted = email
        add = _pick(rng, [f"Mail me gerust: {email}", f"Vragen? {email}", f"(contact: {email})"])
    elif kind == "phone":
        digits = "".join(str(d) for d in rng.integers(0, 10, 8))
        planted = _pick(rng, [f"06-{digits}", f"+31 6 {digits[:4]} {digits[4:]}", f"06 {digits[:2]} {digits[2:5]} {digits[5:]}"])
        add = _pick(rng, [f"Bel me op {planted}", f"tel {planted}", f"Mijn nummer is {planted}."])
    elif kind == "name":
        planted = f"{first} {last}"
        add = _pick(rng, [f"Ik vroeg het aan {planted}.", f"{planted} heeft het me uitgelegd.",
                          f"Met dank aan {planted} van de nachtdienst."])
    elif kind == "script":
        planted = "<script>alert(1)</script>"
        add = planted
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    return (f"{base} {add}".strip(), planted)
