"""Demo data of the statistics and the public index (`seed_demo`): nothing to create,
only brought up to date so the pages show the demo's figures at once."""


def seed_demo_reports() -> None:
    """Publish what is publishable (the seed case) and compute every month's figures."""
    from publications.services import publications_sweep

    from .services import reports_refresh

    publications_sweep()
    reports_refresh(full=True)
