"""What the tests share: helpers, scenarios and harnesses, one module per concept.

Test files import from here, never from one another; ``tests/conftest.py`` holds the
fixtures every folder uses."""
