"""Merge tags that a mailing tool did not fill: removed, so that none reaches a post.

A newsletter saved from the tool's preview, its archive or a test send still holds the
placeholders the tool fills per recipient. The families recognised, with the tools known for them:

    *|FNAME|*  *|IF:X|* … *|END:IF|*          Mailchimp, Acumbamail
    {{ contact.FIRSTNAME }}  {{ mirror }}      Brevo, Mailjet ({{var:x:""}}), HubSpot, Klaviyo, Liquid,
    {% if … %}  {% unsubscribe %}              Handlebars and Jinja-style tools
    [[data:firstname:""]]  [[PERMALINK]]       Mailjet, mailxpert, GetResponse
    %%FirstName%%  %%=v(@x)=%%                 Salesforce Marketing Cloud, GreenArrow
    %FIRSTNAME%                                ActiveCampaign (capitals only)
    $$VORNAME$$                                BACKCLICK
    ##FIRSTNAME##                              tools writing hash-delimited fields
    {$name}                                    Smarty, MailerQ
    {FIRSTNAME}  {UNSUBSCRIBE}                 CleverReach-style (capitals only)
    [FIRSTNAME]  [DEFAULT_UNSUB]               Sendinblue's old editor, Sendy and Campaign Monitor
    [firstname,fallback=]                      ([CAPITALS] only with an underscore or a known field
                                               name, so "[PDF]" or "[EN]" in a link text stay)

Tags directly before a punctuation mark take the spaces before them along ("Liebe/r {FIRSTNAME}
{LASTNAME}," → "Liebe/r,"), so that what is left reads as written.
"""

from __future__ import annotations

import re

#: Field names that `[NAME]` means as a merge tag (capitals, no underscore needed).
_FIELDS = (
    "FIRSTNAME|LASTNAME|FNAME|LNAME|NAME|FULLNAME|EMAIL|VORNAME|NACHNAME|ANREDE|SALUTATION|TITEL|TITLE|"
    "COMPANY|FIRMA|GREETING|BRIEFANREDE|ORGANISATION|ORGANIZATION|UNSUBSCRIBE|WEBVERSION|CITY|ORT"
)
_TAG = (
    r"\*\|[^|*\n]{1,80}\|\*"
    r"|\{\{[^{}\n]{1,120}\}\}"
    r"|\{%[^{}\n]{1,120}%\}"
    r"|\[\[[^\[\]\n]{1,80}\]\]"
    r"|%%[^%\n]{1,80}%%"
    r"|%[A-Z][A-Z0-9_]{2,40}%"
    r"|\$\$[^$\n]{1,40}(?:\$[^$\n]{1,40}){0,2}\$\$"
    r"|##[A-Za-z_][\w.:-]{0,40}##"
    r"|\{\$[A-Za-z_][\w.\->\[\]'\"]{0,60}\}"
    r"|\{[A-Z][A-Z0-9_]{1,40}\}"
    rf"|\[(?:[A-Z]+_[A-Z0-9_]+|{_FIELDS})\]"
    r"|\[[A-Za-z_]\w{0,30},\s?fallback=[^\]\n]{0,60}\]"
)
_BEFORE_PUNCTUATION = re.compile(rf"(?:[ \t\u00a0]*(?:{_TAG}))+(?=[,.;:!?)])")
_ANY = re.compile(_TAG)


def strip_merge_tags(text: str) -> tuple[str, bool]:
    """`text` without merge tags, and whether it had any."""
    if not _ANY.search(text):
        return text, False
    return _ANY.sub("", _BEFORE_PUNCTUATION.sub("", text)), True


def is_merge_tag(text: str) -> bool:
    """Whether `text` is nothing but merge tags (an `href="*|UNSUB|*"`)."""
    stripped = text.strip()
    return bool(stripped) and not _ANY.sub("", stripped).strip()
