"""``python -m eventstudy.report``: build the case reports (see :mod:`eventstudy.report.build`)."""

import sys

from .build import main

sys.exit(main())
