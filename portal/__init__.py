"""The continuing-education portal (继续教育管理平台): every party's web pages over the
registry's portal store (:mod:`registry.store`): professionals declare records and apply,
employers, industry authorities and bureaus review. Built on :mod:`webcore`; never imports
``signer`` or ``keys.private``. The app: :func:`portal.web.create_app`."""
