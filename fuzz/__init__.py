"""Coverage-guided fuzz targets for the verifier's two entry points (``fuzz/README.md``).

Each target module holds a plain ``check(data)`` function that needs no fuzzing engine, so
its regression inputs run in the normal test suite; ``fuzz.run`` drives it with atheris.
"""
