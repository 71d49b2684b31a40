"""The WSGI object for running the dashboard under any WSGI server: `gunicorn dashboards.wsgi:server`.

Configured like the CLI: $AGORA_WAREHOUSE (the snapshot beside it) and $AGORA_AUDIENCE
(`internal` by default, or `public`).
"""

import os

from foundation.settings import Settings
from dashboards.app import create_app

_settings = Settings()
server = create_app(_settings.snapshot, audience=os.environ.get("AGORA_AUDIENCE", "internal"),
                    threshold=_settings.small_cell_threshold).server
