"""Demo data for development and benchmarks: realistic prospects and demo staff.

A development-only app of the host project (in ``INSTALLED_APPS`` of the local and test
settings, never production); nothing of it ships in the apps' wheel. Commands:
``seed_demo`` (demo leads through the real intake, rules and pipeline services) and
``ensure_demo_staff`` (a demo superuser with a fixed, public password).
"""
