"""Paper forms the notices name, printed from the registry (Jiangxi's registration card and
summary form: :mod:`registry.forms.jiangxi`)."""
