#!/usr/bin/env python3
"""Generate synthetic agency mailboxes (see data/README.md and data/mailgen/).

    python data/generate_mailboxes.py --seed 7 --clients 12 --months 18 --out DIR [--format mbox|maildir|eml|mixed]
    python data/generate_mailboxes.py --demo            # rewrite data/demo/
    python data/generate_mailboxes.py --bulk 100000 --out big.mbox
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
