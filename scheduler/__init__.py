"""Turn newsletter issues into platform-ready social-media posts and publish them on schedule.

Kept import-free on purpose: `scheduler --help` must start fast, so every command imports
only what it needs.
"""

__version__ = "0.1.0"
