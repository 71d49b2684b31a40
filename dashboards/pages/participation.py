"""Participation: per indicator, a trend over periods and a breakdown, the definition one hover away."""

import dash

from dashboards.area import area_page

dash.register_page(__name__, path="/participation", name="Participation", title="Agora · Participation", order=1)

layout = area_page("Participation")
