"""The page of an area a user catalogue adds (/area/<slug>); the shipped areas are served here too."""

import dash

from dashboards.area import AREA_PATH, area_by_slug, area_layout
from dashboards.components import current, message, page


def title(slug: str | None = None, **_query) -> str:
    return f"Agora · {area_by_slug(current(), slug) or 'Area'}"


dash.register_page(__name__, path_template=AREA_PATH + "<slug>", name="Area", title=title, order=7)


def layout(slug: str | None = None, **query):
    pub = current()
    area = area_by_slug(pub, slug)
    if area is None:
        return page("Area", pub, message(f"The catalogue has no area called “{slug}”."), needs_indicators=False)
    return area_layout(pub, area, query)
