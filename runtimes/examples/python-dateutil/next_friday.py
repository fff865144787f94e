"""Prints the Friday after a date, using python-dateutil (bundled into the runtime)."""

import sys
from datetime import date

from dateutil.relativedelta import FR, relativedelta
from dateutil.parser import isoparse

start = isoparse(sys.argv[1]).date() if len(sys.argv) > 1 else date(2026, 11, 21)
print((start + relativedelta(weekday=FR(+1), days=+1)).isoformat())
