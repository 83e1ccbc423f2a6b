"""Camera addresses with their secrets kept in place: keys and forms never show a password.

A stream address may carry a user name and password (``rtsp://user:pass@host``).
The address itself is stored in the camera's subentry, where OpenEye needs it,
but everything derived from it for people to see leaves the password out:

- the camera's unique id is the address without its user name and password,
  so two cameras on the same stream are duplicates whatever their passwords;
- the reconfigure form shows the password as ``***``; a form sent back with
  ``***`` keeps the stored password, but only for the same user at the same
  host, so a password is never handed to another server.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

# What the form shows in place of a stored password.
PASSWORD_MASK = "***"  # noqa: S105 - a mask shown in place of a password, not one


def _netloc(parts: SplitResult, username: str | None, password: str | None) -> str:
    """Return a network location with the given credentials (either may be None)."""
    host = parts.hostname or ""
    if ":" in host:
        # An IPv6 address keeps its brackets.
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    if username is None:
        return host
    if password is None:
        return f"{username}@{host}"
    return f"{username}:{password}@{host}"


def _is_network(url: str) -> bool:
    """Return whether the address names a server (anything but a local file)."""
    parts = urlsplit(url)
    return bool(parts.scheme) and parts.scheme.lower() != "file" and bool(parts.netloc)


def address_key(url: str) -> str:
    """Return the camera's unique id for an address: the address without its credentials."""
    if not _is_network(url):
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=_netloc(parts, None, None)))


def masked(url: str) -> str:
    """Return the address as a form shows it: the password replaced by ``***``."""
    if not _is_network(url):
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=_netloc(parts, parts.username, PASSWORD_MASK)))


def unmasked(typed: str, stored: str | None) -> str | None:
    """Return the address to keep for what a form sent back, or None to ask for the password.

    A typed address without the mask is taken as it is. One with the mask gets
    the stored password back, if the stored address has one for the same
    scheme, user, host and port; otherwise the password must be typed again.
    """
    if not _is_network(typed):
        return typed
    parts = urlsplit(typed)
    if parts.password != PASSWORD_MASK:
        return typed
    if stored is None or not _is_network(stored):
        return None
    old = urlsplit(stored)
    same_server = (
        parts.scheme.lower(),
        parts.username,
        (parts.hostname or "").lower(),
        parts.port,
    ) == (old.scheme.lower(), old.username, (old.hostname or "").lower(), old.port)
    if not same_server or old.password is None:
        return None
    return urlunsplit(parts._replace(netloc=_netloc(parts, parts.username, old.password)))
