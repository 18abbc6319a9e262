"""The package version, in a module of its own: importing it pulls in nothing else.

Modules inside the package read the version from here, never from the package root
(``from tariffsim import __version__`` imports every model and makes import cycles).
"""

__version__ = "0.1.0"
