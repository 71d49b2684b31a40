"""The floor every room stands on: settings, errors, progress and the product's vocabulary.

It imports no other room of Agora, so imports run one way: rooms import the floor, the CLI
(`agora/`) imports the rooms."""

import os

__version__ = "0.1.0"

# The disclosure's sparse solves (metrics.protection) gain nothing from OpenBLAS threads, whose
# workers busy-wait for a core when the machine is shared: the public table of a 1M run took 3 s
# of CPU on one thread and up to 17 s on several. One thread unless the user says otherwise; set
# here because every entry point imports the floor before numpy loads OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
