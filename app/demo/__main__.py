"""python -m app.demo: load the demo programme (app/demo/programme.py)."""

import sys

from app.demo.programme import main

sys.exit(main())
