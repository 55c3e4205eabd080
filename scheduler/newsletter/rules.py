"""What is not an item: the phrases that mark a newsletter's navigation, footer and boilerplate, its
greeting and sign-off, a table of contents, a list of dates, and the links that say "read more".

`Rules()` holds good defaults for German and English newsletters. A team extends them with its own
phrases (regular expressions, matched anywhere in a block, case ignored): `boilerplate` phrases drop
the block that has one, `footer` phrases end the issue at the block that has one (once an item was
found), e.g. in the issue's options file:

    boilerplate = ["^Spendenkonto", "Folgen Sie uns"]
    footer = ["^Herausgegeben von"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from scheduler.errors import ConfigError

#: Phrases that start the footer: a call for submissions, unsubscribing, the imprint, copyright.
FOOTER: tuple[str, ...] = (
    r"^(?:möchten|wollen|würden) (?:auch )?(?:sie|du)\b",
    r"^(?:haben|hast) (?:sie|du) (?:auch )?(?:themen|hinweise|anregungen|neuigkeiten|news)\b",
    r"^(?:would|do) you (?:like|want)\b",
    # a call for submissions that opens with its reader: "Sie möchten über Ihr Projekt berichten?",
    # "Ihr habt Neuigkeiten aus eurem Verein?", "Want to be featured?", "Got a story for us?"
    r"^(?:sie|du|ihr) (?:möchten|möchtest|möchtet|wollen|willst|wollt|haben|hast|habt|planen|planst|plant)\b"
    r"[^.!?]{0,80}\b(?:bericht\w*|erzähl\w*|vorstell\w*|beitr\w*|einreich\w*|veröffentlich\w*|newsletter\w*|neuigkeiten"
    r"|hinweise|anregungen|themen|termine|veranstaltungen)\b[^.!?]{0,40}\?",
    r"^(?:want|wish|like|would you like) (?:to be |your \w+(?: \w+)? (?:to be )?)(?:featured|included|listed)\b"
    r"|^(?:want|would you like) to (?:contribute|submit|share (?:your|a|an|some) \w+|tell us|write for us)\b"
    r"|^(?:have|got|do you have) (?:a |an |some )?(?:news|story|stories|idea|ideas|event|events|project|tips?)\b"
    r"[^.!?]{0,60}\?",
    r"^(?:send|submit) (?:us )?your (?:news|stories|story|contributions?)\b",
    r"\babbestellen\b|newsletter\S* (?:abmelden|kündigen)|vom newsletter abmelden|\babmelden$",
    r"\bunsubscribe\b|manage (?:your )?(?:subscription|preferences)|update your preferences",
    r"^sie erhalten (?:diese[ns]?|den) (?:e-?mail|nachricht|newsletter)",
    r"you (?:are )?receiv(?:e|ed|ing) this (?:e-?mail|newsletter|message)|this e-?mail was sent to",
    r"^impressum\b|^imprint$|^legal notice|^datenschutz(?:erklärung|hinweise?)?$|privacy (?:policy|notice)",
    r"\bnewsletter (?:abonnieren|bestellen)\b|^(?:subscribe to|sign up for) (?:our|the) newsletter\b",
    r"\bsubscribe to (?:this|our|the) (?:newsletter|digest|bulletin|mailing)|\b(?:read|see) (?:earlier|previous|past) issues\b"
    r"|\b(?:frühere|ältere|vergangene|bisherige) (?:ausgaben|newsletter)\b|^(?:newsletter-?)?archiv$",
    r"^redaktion\b\s*:|^(?:our mailing address|unsere (?:post)?anschrift)\b",
    r"registered charity|\bcharity (?:no|number)\b|company (?:no|number)|\bvereinsregister\b|\bregistergericht\b"
    r"|\bamtsgericht\b|\bsteuer-?nummer\b|\bust\.?-?id",
    r"alle rechte vorbehalten|all rights reserved|^(?:©|\(c\)|copyright\b)",
    r"^herausgeber(?:in)?\b|^v\.\s?i\.\s?s\.\s?d\.\s?p\b|^verantwortlich (?:im sinne|i\.\s?s\.\s?d)|^published by\b",
)

#: Phrases of blocks that are never items: credits, "view in browser", share and follow buttons,
#: breadcrumbs, bylines, cookie banners.
BOILERPLATE: tuple[str, ...] = (
    r"^(?:fotos?|bild(?:er)?|grafik|quelle|photos?|images?|credits?|sources?|illustration)\s*(?::|©)",
    r"^(?:zum|zur) (?:seitenanfang|anfang)\b|^(?:nach oben|back to top|top|↑)$",
    r"(?:im browser|web-?version|online) (?:ansehen|lesen|anzeigen|öffnen)",
    r"view (?:this (?:e-?mail|newsletter|message) )?(?:in|on) (?:your|a|the) (?:web )?browser|^view online$",
    r"(?:wird|werden) (?:dieser|der|die) (?:newsletter|e-?mail|nachricht) nicht (?:richtig|korrekt)",
    r"(?:does not|doesn't) display (?:correctly|properly)",
    r"^(?:teilen|share|drucken|print|tweet|e-?mail senden|seite teilen|share this)$",
    r"^(?:share this|diese seite teilen|seite teilen|artikel teilen|beitrag teilen)\b|^report a problem\b|^fehler melden$"
    r"|^(?:is|was) this (?:page|article|information) (?:useful|helpful)|^(?:ist|war) diese[rs]? (?:seite|artikel|beitrag"
    r"|information) hilfreich",
    r"^(?:folgen sie uns|folge uns|follow us|find us on|besuchen sie uns auf)\b",
    r"^(?:sie sind hier|you are here)\b|^(?:startseite|home)\s*[>›»/|]",
    r"^(?:von|by|text|autor(?:in)?|author)\s*:?\s+[A-ZÄÖÜ][\w.'-]+(?:\s+[A-ZÄÖÜ][\w.'-]+){0,3}$",
    r"^(?:wir verwenden|diese (?:website|webseite|seite) (?:verwendet|nutzt)|we use|this (?:site|website) uses) cookies",
    r"^(?:alle )?(?:cookies )?(?:akzeptieren|ablehnen)$|^(?:accept|reject) (?:all )?(?:cookies)?$",
    r"^(?:anzeige|werbung|advertisement|sponsored)$",
    r"^(?:(?:jetzt|online) )?spenden(?: sie)?(?: jetzt)?!?$|^ihre spende (?:hilft|wirkt|zählt)|^unterstützen sie (?:uns|unsere arbeit)"
    r"|^(?:donate|give)(?: now| today)?!?$|^(?:make|give) a donation|^your (?:donation|gift|support) (?:helps|matters)"
    r"|^support (?:us|our work)\b",
    r"^(?:tel(?:efon)?|fon|fax|phone|mobil|mobile)\.?\s*:?\s*[+\d(]|^(?:e-?mail|mail)\s*:\s*\S+@\S+$"
    r"|^\d{5}\s+[A-ZÄÖÜ][\w.-]*(?:\s+[\w.()/-]+){0,3}$",
)

#: A note on who funds the newsletter: dropped when it closes the issue.
FUNDING: tuple[str, ...] = (r"\b(?:gefördert|kofinanziert|funded by|co-funded|supported by)\b",)

#: Whole lines (case ignored) that are a page's menu, not its content.
NAVIGATION: tuple[str, ...] = (
    *"hauptnavigation metanavigation servicenavigation navigation informationen menü menu startseite home suche "
    "search inhalt themen kontakt contact presse press login anmelden english deutsch barrierefreiheit "
    "accessibility newsletter spenden donate sitemap instagram facebook linkedin twitter x youtube mastodon bluesky "
    "threads tiktok xing whatsapp telegram rss".split(),
    "zum inhalt springen",
    "direkt zum inhalt",
    "skip to content",
    "skip to main content",
    "über uns",
    "about us",
    "leichte sprache",
    "gebärdensprache",
    "mein konto",
    "my account",
    "mitglied werden",
    "menü öffnen",
    "menü schließen",
    "open menu",
    "close menu",
)

#: Link texts that point to the item's page: their target is the item's main link.
READ_MORE: tuple[str, ...] = (
    r"^(?:weiterlesen|mehr|mehr erfahren|mehr lesen|mehr dazu|mehr infos?|mehr informationen|weitere informationen"
    r"|weitere infos|details|hier|hier klicken|hier lesen|hier entlang|artikel lesen|beitrag lesen|ganzen artikel lesen"
    r"|read more|more|more info|more information|learn more|find out more|here|click here|continue reading"
    r"|full story|read the full (?:story|article|report|post)|read on|details and registration)$",
    r"^(?:hier|here) (?:geht(?:'|’)?s|gibt(?:'|’)?s|finden sie|you can|is)\b",
    r"^(?:zu[mr]?|zu den) (?:artikel|beitrag|meldung|pressemitteilung|bericht|interview|video|podcast|anmeldung"
    r"|programm|download|studie|dokumentation|website|webseite|seite|veranstaltung|ausschreibung|projekt)\w*$",
    r"^(?:(?:jetzt|hier|direkt) )?(?:anmelden|bewerben|registrieren|buchen|mitmachen|herunterladen|downloaden)$"
    r"|^(?:register|sign up|book|apply|enrol|enroll|download|rsvp)(?: now| here| today)?$",
    r"^(?:(?:jetzt|hier) )?(?:anmelden|bewerben|registrieren)\b.{0,40}$|^zur anmeldung\b.{0,40}$"
    r"|^(?:register|sign up|apply|book|enrol|enroll|rsvp)\b.{0,40}$",
)

#: The editor's greeting that opens a letter, in a block of its own or opening the editorial.
GREETING: tuple[str, ...] = (
    r"^(?!liebe grüße)(?:liebe[rs]?|hallo|hi|hey|guten (?:tag|morgen|abend)|moin|servus|sehr geehrte[rn]?|dear"
    r"|hello|greetings|good (?:morning|afternoon|evening))\b[^.!?\n]{0,80}(?:[,!:]|\s[—–-]\s)",
)

#: The sign-off that closes a letter ("Herzliche Grüße", "Ihr Vernetzungsstelle-Team", "Best regards").
SIGN_OFF: tuple[str, ...] = (
    r"^(?:herzliche|viele|beste|liebe|freundliche|sonnige|schöne|solidarische|frohe)n? grüße\b",
    r"^mit (?:freundlichen|herzlichen|besten|vielen|solidarischen|sonnigen) grüßen\b",
    r"^(?:ihr|euer|eure|ihre)\s+(?:[\w()\-–]+\s+){0,5}?[\w()\-–]*team\b",
    r"^(?:ihr|euer|eure|ihre) (?:newsletter-)?(?:redaktion|vorstand|geschäftsstelle)\b",
    r"^(?:best|kind|warm|warmest|kindest) (?:regards|wishes)\b|^(?:yours )?sincerely\b|^(?:all the best|cheers|warmly)\b",
    r"^(?:your|the) (?:[\w()\-–]+ ){0,5}team[.!]?$",
    r"^bis (?:zum nächsten mal|bald|nächsten monat)\b|^(?:until|see you) next (?:time|month|week)\b",
    r"^viel (?:spaß|freude|vergnügen) (?:beim|bei der) (?:lesen|lektüre)\b|^(?:eine )?(?:anregende|gute|spannende) lektüre\b"
    r"|^(?:enjoy (?:reading|the read)|happy reading)\b",
    r"^(?:wir wünschen (?:ihnen|euch)|we wish you|wishing you)\b",
    r"^(?:ihre?|euer|eure|your|yours)\s+(?:(?:dr|prof|pd)\.\s+)*[A-ZÄÖÜ][\w'-]+(?:\s+[A-ZÄÖÜ][\w'-]+){0,2}$",
)

#: Lead-ins that label a detail of an item ("Wann:", "Ort:"), never an item's title.
LABELS: tuple[str, ...] = (
    r"^(?:wann|wo|was|wer|wie|ort|zeit|uhrzeit|datum|termin|beginn|ende|dauer|kosten|preis|gebühr|eintritt"
    r"|anmeldung|anmeldeschluss|kontakt|ansprechpartner(?:in)?|infos?|information(?:en)?|hinweis|zielgruppe|leitung"
    r"|referent(?:in)?|veranstalter|adresse|tel(?:efon)?|fax|e-?mail|web|internet|quelle|foto|bild|when|where|what|who"
    r"|time|date|venue|location|place|cost|price|fee|registration|contact|info|note|audience|speaker|host|address"
    r"|phone|source|photo|chat|telefon)\s*:?$",
)

#: Headings of a table of contents.
CONTENTS: tuple[str, ...] = (
    r"^(?:inhalt|inhaltsverzeichnis|in dieser ausgabe|themen (?:dieser|der|in dieser) ausgabe|die themen|unsere themen"
    r"|diese (?:woche|ausgabe)|im überblick|auf einen blick|in this (?:issue|edition|newsletter)|contents"
    r"|table of contents|this (?:issue|month|week)|topics|highlights)\s*:?$",
)

#: Headings of a list of dates.
EVENTS: tuple[str, ...] = (
    r"^(?:termine|terminhinweise|veranstaltungen|veranstaltungskalender|kalender|save the date|vormerken"
    r"|demnächst|(?:kommende|nächste|aktuelle) (?:termine|veranstaltungen)|events|upcoming events|dates"
    r"|calendar|diary dates|what's on)\s*:?$",
)

#: Headings of an editorial.
EDITORIAL: tuple[str, ...] = (
    r"^(?:editorial|vorwort|grußwort|zum geleit|liebe leserinnen und leser|foreword|a word from (?:the|our) \w+"
    r"|letter from the \w+|from the (?:editor|director|president|chair))\s*:?$",
)

#: Headings that name a category of news, not one piece of news: a section even over paragraphs.
SECTIONS: tuple[str, ...] = (
    r"^(?:aus (?:de[rmn]|unsere[mnr]?|aller welt)\b.*|neues? (?:aus|von|vom|im|in)\b.*|news (?:from|in)\b.*"
    r"|nachrichten aus\b.*|(?:kurz (?:notiert|gemeldet|berichtet)|in kürze|kurzmeldungen|meldungen|nachrichten"
    r"|aktuelles|aktuell|neuigkeiten|news|in brief|briefly|news in brief|updates?|in eigener sache|intern"
    r"|personalien|people|publikationen|veröffentlichungen|publications|neuerscheinungen|lesetipps?|medientipps?"
    r"|medien|materialien|resources|reading|jobs|stellenangebote|stellenausschreibungen|vacancies|careers"
    r"|ausschreibungen|calls?(?: for \w+)?|förderung|funding|fördermittel|rückblick|ausblick|vorgestellt|vernetzt"
    r"|umgeschaut|nachgefragt|projekte|projects|forschung|research|lehre|teaching|studium|politik|policy|service"
    r"|tipps?|praxis|international|europa|europe|verband|mitglieder|members|membership|sonstiges|miscellaneous"
    r"|weitere (?:meldungen|nachrichten|themen)|more news|other news|spotlight|im fokus|im blick|hintergrund"
    r"|from the network|aus dem netzwerk|community))\s*:?$",
)


@lru_cache(maxsize=64)
def _compile(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)


def check_patterns(patterns: Iterable[str], where: str) -> tuple[str, ...]:
    """The patterns, each checked to be a regular expression; a `ConfigError` naming the bad one."""
    checked = []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(
                f"{where}: {pattern!r} is not a regular expression ({exc}); escape special characters such "
                "as ( ) [ ] . with a backslash, or write a plain phrase"
            ) from None
        checked.append(pattern)
    return tuple(checked)


def check_selectors(selectors: Iterable[str], where: str) -> tuple[str, ...]:
    """The selectors, each checked to be a CSS selector; a `ConfigError` naming the bad one."""
    checked = tuple(selectors)
    if not checked:
        return ()
    from cssselect import GenericTranslator, SelectorError

    for selector in checked:
        try:
            GenericTranslator().css_to_xpath(selector)
        except SelectorError as exc:
            raise ConfigError(
                f"{where}: {selector!r} is not a CSS selector ({exc}); write e.g. .spendenaufruf, #footer or aside.teaser"
            ) from None
    return checked


@dataclass(frozen=True, slots=True)
class Rules:
    """The phrases (regular expressions, case ignored) that tell an item from the rest; `keep_events`
    keeps a list of dates as one item instead of dropping it. `extended` adds a team's own."""

    footer: tuple[str, ...] = FOOTER
    boilerplate: tuple[str, ...] = BOILERPLATE
    funding: tuple[str, ...] = FUNDING
    navigation: tuple[str, ...] = NAVIGATION
    read_more: tuple[str, ...] = READ_MORE
    greeting: tuple[str, ...] = GREETING
    sign_off: tuple[str, ...] = SIGN_OFF
    contents: tuple[str, ...] = CONTENTS
    events: tuple[str, ...] = EVENTS
    editorial: tuple[str, ...] = EDITORIAL
    sections: tuple[str, ...] = SECTIONS
    labels: tuple[str, ...] = LABELS
    keep_events: bool = False
    selectors: tuple[str, ...] = ()  # CSS selectors of what is no item in HTML (the team's own)

    def __repr__(self) -> str:
        extra = [f"{len(getattr(self, name))} {name}" for name in ("footer", "boilerplate")]
        return f"Rules({', '.join(extra)}, keep_events={self.keep_events})"

    def extended(
        self, *, boilerplate: Iterable[str] = (), footer: Iterable[str] = (), selectors: Iterable[str] = ()
    ) -> Rules:
        """These rules with a team's own phrases and CSS selectors added (each checked: a
        `ConfigError` names a bad one)."""
        more_boilerplate = check_patterns(boilerplate, "boilerplate")
        more_footer = check_patterns(footer, "footer")
        more_selectors = check_selectors(selectors, "boilerplate selector")
        if not more_boilerplate and not more_footer and not more_selectors:
            return self
        return replace(
            self,
            boilerplate=self.boilerplate + more_boilerplate,
            footer=self.footer + more_footer,
            selectors=self.selectors + more_selectors,
        )

    def matches(self, name: str, text: str) -> bool:
        """Whether `text` has one of the phrases of the rule `name` ("footer", "greeting", …)."""
        pattern = _compile(getattr(self, name))
        return pattern is not None and pattern.search(text) is not None

    def is_label(self, lead: str) -> bool:
        """Whether a lead-in labels a detail ("Wann:", "Ort:") rather than titling an item."""
        return self.matches("labels", " ".join(lead.split()).rstrip(" :"))

    def is_navigation(self, text: str) -> bool:
        return " ".join(text.split()).casefold().strip(" :|›»>") in _navigation(self.navigation)

    def is_read_more(self, text: str) -> bool:
        """Whether a link's text says "read more" ("Weiterlesen »", "hier", "Read the full story")."""
        cleaned = " ".join(text.strip(" \t\n»›→>…:.!|[]()·-–—").split())
        return bool(cleaned) and len(cleaned) <= 60 and self.matches("read_more", cleaned)


@lru_cache(maxsize=8)
def _navigation(lines: tuple[str, ...]) -> frozenset[str]:
    return frozenset(line.casefold() for line in lines)


#: The default rules (German and English).
DEFAULT = Rules()
