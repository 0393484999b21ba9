"""Helper library for the giảm nghèo research package.

Data flows one way: raw text (`article`) → tidy frames (`claims`, `lessons`) →
derived figures (`metrics`, `audit`) → plots (`plots`) → reports (`build`, `export`).
"""

__version__ = "0.1.0"
