"""The WSGI object for running the dashboard under any WSGI server: `gunicorn dashboards.wsgi:server`.

Configured like the CLI: $AGORA_WAREHOUSE (the snapshot beside it), $AGORA_AUTH (sign-in, checked
like `agora serve` does against $AGORA_HOST) and $AGORA_AUDIENCE (`internal` by default, or `public`).
Each worker sets the dashboard up on its first request, the others waiting (see
`dashboards.guard.set_up_on_first_request`), as `agora serve` does before a worker accepts any.
"""

import os

from access.serving import serving_audience
from foundation.settings import Settings
from dashboards.app import create_app
from dashboards.guard import set_up_on_first_request

_settings = Settings()
_audience = serving_audience(_settings, _settings.auth, _settings.host, os.environ.get("AGORA_AUDIENCE"))
server = create_app(_settings.snapshot, audience=_audience, threshold=_settings.small_cell_threshold,
                    settings=_settings, auth=_settings.auth).server
set_up_on_first_request(server)
