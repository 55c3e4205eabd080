"""The core's messages the dashboard shows, so that they are shown in the reader's language.

The core (readers, fetcher, queue, planner, publisher) words its errors, warnings and history
entries in English for the command line. The dashboard shows them through `i18n.say`, which finds
the template a message was made from here and gives the catalogue's wording of it, with the parts
the message was made of put in (`{name}`: any text; the parts are said in the reader's language too
when they are the core's words, as "pasted text" or "Monday" are). The German catalogue words them
for the dashboard; the English one only those whose fix is a command-line one ("add --force").

A template here that no longer matches the core's wording is found by
`tests/web/test_core_wording.py`; a message without a template is shown as the core wrote it.
"""

from __future__ import annotations


def N_(template: str) -> str:  # noqa: N802  # reason: gettext's name for "marked for extraction, translated later"
    """A template marked for `pybabel extract` (the keyword N_), returned as it is."""
    return template


TEMPLATES: tuple[str, ...] = (
    N_("pasted text"),
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
    N_("characters"),
    N_("graphemes"),
    N_("weighted characters"),
    N_("UTF-8 bytes"),
    N_("an image"),
    N_("a PDF document"),
    N_("an audio file"),
    N_("a video"),
    N_("a font"),
    N_("a ZIP archive"),
    N_("JSON data"),
    N_("a script"),
    N_("be edited"),
    N_("be rejected"),
    N_("be rescheduled"),
    N_("be retried"),
    N_("be submitted for review"),
    N_("be approved"),
    N_("be cancelled"),
    N_("{source}: no newsletter items found; expected section headings followed by paragraphs"),
    N_(
        "{source}: not a newsletter (binary content); give the issue as copied text (.txt), Markdown (.md), an HTML page or e-mail (.html), a saved e-mail (.eml) or a feed (.xml), or its web address"
    ),
    N_(
        "{source}: is {kind}, not a newsletter; open it, copy its text and paste that, "
        "or give the address of the issue's web page"
    ),
    N_("a ZIP archive or office document"),
    N_("an old Office document"),
    N_("an RTF document"),
    N_("{what}: not an HTML document (binary content); save the page or e-mail as HTML"),
    N_("{what}: the document is empty; save the whole page or e-mail as HTML"),
    N_("{what}: cannot be read as HTML ({reason}); save the page or e-mail again as HTML"),
    N_(
        "{what}: {size} is more than the {cap} a newsletter issue may have (SCHEDULER_MAX_ISSUE_BYTES); split it into several issues or raise the setting"
    ),
    N_("{what}: reading took longer than {seconds} s (markup this dense is no newsletter); check the file"),
    N_("{source}: the {form} holds no entries; nothing to import"),
    N_("{what}: the feed has no entries yet; try again once an issue has been published"),
    N_("{what}: not a readable RSS or Atom feed{reason}; check the address or the file with a feed validator"),
    N_("{what}: nested too deeply to read; flatten the nesting of lists or quotes"),
    N_("{what}: the {kind} front matter cannot be read ({reason}); fix it or remove it"),
    N_(
        "{source}: more than {most} items ({paragraphs} paragraphs), the most one issue may have (SCHEDULER_MAX_ITEMS); split it into several issues or raise the setting"
    ),
    N_("{url} (redirected to {final})"),
    N_("{where}: the server answered {status}; the site has a problem or is busy; try again later"),
    N_(
        "{where}: the server answered {status}; the page is not public; give the address of the issue's public web page or feed"
    ),
    N_("{where}: the server answered {status}; check the address"),
    N_(
        "{url}: {size}more than the {most} bytes a newsletter issue may have (SCHEDULER_MAX_ISSUE_BYTES); raise the setting or give the address of a single issue"
    ),
    N_("{size} bytes is "),
    N_(
        "{url}: {type} is not a format we read; give the address of the issue's web page, its RSS or Atom feed, or a Markdown or text file"
    ),
    N_(
        "{url}: is {kind} ({type}), not a newsletter; give the address of the issue's web page, its RSS or Atom feed, or a Markdown or text file"
    ),
    N_("{url}: the server sent an empty page; check the address"),
    N_("{url}: could not connect within {seconds} s; check the address"),
    N_("{url}: no answer within {seconds} s; check the address"),
    N_("could not fetch {url}: no secure connection (SSLError: certificate or TLS refused); check the address"),
    N_("could not fetch {url}: the connection failed or broke off; check the address"),
    N_("{url}: the name {host} does not resolve; check the address"),
    N_("{url}: more than {most} redirects; check the address"),
    N_("{url}: only http and https addresses are fetched; check the address"),
    N_("{host} is not a public address{resolved}; not fetched (add {host} to {setting} to allow it)"),
    N_("{url}: {host} is not a public address{resolved}; not fetched (add {host} to {setting} to allow it)"),
    N_("{url}: the address names no server (e.g. https://example.org/…); check the address"),
    N_("{where}: no password; set SCHEDULER_IMAP_PASSWORD"),
    N_("shortened without a link to read on: {fix}"),
    N_("says {words} but has no link: {fix}"),
    N_("says {words} but links only to the issue's web page; if it points somewhere else, give the item that link"),
    N_("the template does not show {{ link }}; add it to the template"),
    N_('add link = "https://…" (the issue\'s web page) to {file}, or a link to the item'),
    N_(
        "link lost: {names} is relative to the issue's web address, which its file does not give; add url = \"https://…\" (the issue's web address) to {file}"
    ),
    N_(
        "{count} links lost: {names} are relative to the issue's web address, which its file does not give; add url = \"https://…\" (the issue's web address) to {file}"
    ),
    N_("links through {tool}'s click tracker ({url}) to {target}: put that address in its place in the issue's file"),
    N_(
        "links through {tool}'s click tracker ({url}), not to the article: only {tool} knows where it leads, and each click would count as one by the subscriber the e-mail was sent to; replace it with the article's address in the issue's file"
    ),
    N_("image {path} is left out: platforms take images from https:// addresses only"),
    N_("{source}: a paragraph{where} repeats item {number} ({title}); it is queued once"),
    N_(" under {section}"),
    N_(
        "{source}: line {line}, column {column}: byte {byte} is not UTF-8, read as {char} (Windows-1252); check it there and save the file as UTF-8"
    ),
    N_("{source}: account {account} not checked: no {platform} account is configured here"),
    N_("{length} {unit} exceeds the limit of {limit}"),
    N_("no post with id {id}; see 'scheduler queue list'"),
    N_("post {id} is {state}; only {allowed} posts can {verb}"),
    N_("post {id} changed while this command ran; look at it again and retry"),
    N_(
        "post {id}: {day} is in the past (it is {now}); give a later day or time, or add --force to publish it at the next run"
    ),
    N_(
        "post {id}: {when} is in the past (it is {now}); give a later time or now, or add --force to publish it at the next run"
    ),
    N_("post {id}: no free posting slot on {day}: {why}; give a time, e.g. {example}"),
    N_("post {id}: {day} is more than {years} years ahead; give a day up to {last}"),
    N_("{day} is a {weekday}, which has no posting slots ({rule})"),
    N_("{day} is a public holiday or blackout day"),
    N_("every slot of {day} is taken for {account} or past"),
    N_("post {id} on {platform}{where}: {problem}; shorten the text"),
    N_(", part {number}"),
    N_("post {id} has {count} images; give one alt text for each"),
    N_("post {id}: image {number} needs an alt text (what it shows, for those who cannot see it)"),
    N_(
        "post {id}: the alt text of image {number} has {length} characters; {platform} takes at most {most}; shorten it"
    ),
    N_(
        "post {id}: {actor} prepared it (queued, edited or submitted it); in four-eyes mode (SCHEDULER_FOUR_EYES) another approver approves it"
    ),
    N_("a comment needs some text"),
    N_("a comment has at most {most} characters; this one has {length}"),
    N_("queued from {sources}"),
    N_("text edited"),
    N_("text edited: approve it again"),
    N_("alt texts edited"),
    N_("alt texts edited: approve it again"),
    N_("cancelled by hand"),
    N_("submitted for review"),
    N_("rejected: {why}"),
    N_("approved"),
    N_("retry by hand"),
    N_("published"),
    N_("rescheduled to {when}"),
    N_("gave up after {attempts}: {error}"),
    N_("attempt {number} failed ({error}); retry in {seconds} s"),
    N_("re-authorise account {account}: {error}"),
    N_("held back: {error}"),
    N_("outcome unknown ({cause}); check {account} by hand"),
    N_("reconciled after {cause}"),
    N_("not published ({cause}); due again"),
    N_("updated from {source}: {why}"),
    N_("released unsent: publishing paused"),
    N_("dry run: {what}"),
    N_("the requests went to {outbox}; nothing was sent"),
    N_("{account} has no credentials; the requests went to {outbox} and the post stays queued"),
    N_("the platform calls it a duplicate but it was not found; check {account}"),
    N_("unexpected error while publishing ({kind}); check by hand"),
    N_("give the address of a feed or an archive page, a folder, or a mailbox (imaps://…)"),
    N_("{location}: {problem}; a source is a folder of issue files, a feed or an archive page"),
    N_("is a file"),
    N_("no such folder"),
    N_("{location}: not an address this reads; give an http(s)://… feed or page, an imaps://… mailbox or a folder"),
    N_("no source named {name}; the sources are: {known}"),
    N_("--name {name}: use letters, digits, '.', '_' and '-' (at most 80)"),
    N_("1 attempt"),
    N_("{count} attempts"),
)
