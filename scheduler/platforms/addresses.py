"""Which addresses content may make us fetch: the public internet, plus the host names and networks
listed in SCHEDULER_FETCH_ALLOW. Free of `requests`, so that checking the setting costs nothing;
`scheduler.platforms.fetching` enforces it on every connection."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable

from scheduler.errors import ConfigError

#: The setting that lists the hosts and networks beyond the public internet that may be fetched.
SETTING = "SCHEDULER_FETCH_ALLOW"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """A connection to an address that is not public and not allowed; nothing was sent."""


_HOST = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?", re.IGNORECASE)


def network_of(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """`10.0.0.0/8`, `127.0.0.1`, `[::1]` as a network; None for anything else (a host name)."""
    try:
        return ipaddress.ip_network(entry.strip().strip("[]"), strict=False)
    except ValueError:
        return None


def problem(entry: str) -> str | None:
    """What is wrong with one entry of SCHEDULER_FETCH_ALLOW, or None."""
    entry = entry.strip()
    if network_of(entry) is not None or (_HOST.fullmatch(entry) and len(entry) <= 253):
        return None
    return f"{entry!r} is neither a host name nor an address or network"


class Allowed:
    """The public internet, plus the host names and networks listed (`intranet.example.org`,
    `10.20.0.0/16`, `127.0.0.1`, `::1`)."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.entries = tuple(entry.strip() for entry in entries if entry.strip())
        self.hosts: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in self.entries:
            network = network_of(entry)
            if network is not None:
                self.networks.append(network)
            elif problem(entry) is None:
                self.hosts.add(entry.lower().rstrip("."))
            else:
                raise ConfigError(f"{SETTING}: {problem(entry)}; write e.g. intranet.example.org,10.0.0.0/8")

    def __repr__(self) -> str:
        return f"Allowed({list(self.entries)!r})"

    def permits(self, host: str, address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address.is_global and not address.is_multicast:
            return True
        return host.lower().rstrip(".").strip("[]") in self.hosts or any(
            address.version == network.version and address in network for network in self.networks
        )

    def addresses(self, host: str, port: int) -> list[str]:
        """Every address `host` resolves to, each checked; `AddressRefused` when one is not permitted."""
        try:
            infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise socket.gaierror(f"the name {host} does not resolve") from exc
        found: list[str] = []
        for info in infos:
            text = str(info[4][0])
            address = ipaddress.ip_address(text.split("%")[0])
            if not self.permits(host, address):
                resolved = "" if host.strip("[]").lower() == str(address) else f" ({address})"
                raise AddressRefused(
                    f"{host} is not a public address{resolved}; not fetched (add {host} to {SETTING} to allow it)"
                )
            if text not in found:
                found.append(text)
        return found
