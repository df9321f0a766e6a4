"""The web room: API routers, HTML pages and static assets. Business rules live in the domain rooms."""
