"""Follow-through: per indicator, a trend over periods and a breakdown, the definition one hover away."""

import dash

from dashboards.area import area_page

dash.register_page(__name__, path="/follow-through", name="Follow-through", title="Agora · Follow-through", order=3)

layout = area_page("Follow-through")
