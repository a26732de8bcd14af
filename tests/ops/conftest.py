"""The operations layer (tests/ops): arcade run the ways operators run it:
systemd units and socket activation, lighttpd, Apache + mod_fcgid,
spawn-fcgi, the config file, backups and exports, man pages, make
distcheck and the Debian package. Makes `import harness`, `import gjtest`
and `import opslib` work."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
for d in (HERE, TESTS, os.path.join(TESTS, "integration")):
    if d not in sys.path:
        sys.path.insert(0, d)
