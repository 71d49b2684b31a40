"""Inclusivity: per indicator, a trend over periods and a breakdown, the definition one hover away."""

import dash

from dashboards.area import area_page

dash.register_page(__name__, path="/inclusivity", name="Inclusivity", title="Agora · Inclusivity", order=2)

layout = area_page("Inclusivity")
