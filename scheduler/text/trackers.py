"""Links through a mailing tool's click tracker: they count the click, then redirect to the article."""

from __future__ import annotations

import re

#: The click-tracking hosts of common mailing tools (Mailchimp, Brevo/Sendinblue, Mailjet,
#: CleverReach, rapidmail (emailsys), SendGrid, HubSpot, Campaign Monitor): a link through one of them counts
#: the click, then redirects to the article.
_TRACKERS = re.compile(
    r"(?:^|\.)(?:list-manage\.com|mailchi\.mp|sendibt\d*\.com|sendibm\d*\.com|brevo\.com|mjt\.lu"
    r"|mailjet\.com|cleverreach\.(?:com|de)|rmail\d*\.de|rapidmail\.(?:de|com)|sendgrid\.net"
    r"|hubspotlinks\.com|createsend\d*\.com|cmail\d+\.com|emailsys\w*\.net)$",
    re.IGNORECASE,
)


def tracking(url: str) -> bool:
    """Whether `url` goes through a mailing tool's click tracker (see `_TRACKERS`)."""
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").casefold()
    except ValueError:
        return False
    return bool(_TRACKERS.search(host))
