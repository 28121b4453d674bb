"""``python -m sfconnect.localorg``: a detached local org server (started by `daemon.attach`)."""

from __future__ import annotations

import sys

from sfconnect.localorg.daemon import main

if __name__ == "__main__":
    sys.exit(main())
