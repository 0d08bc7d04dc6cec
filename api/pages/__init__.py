"""Server-rendered pages (Jinja2, Spanish) for the three users, on the same services and policy as the API."""
