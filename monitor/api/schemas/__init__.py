"""The API's request and answer shapes, one module per area: ``allocation`` (the seed's
endpoints and /calculate), ``plans``, ``query`` (the GET endpoints' answers), ``history``
and ``alerts``. Money fields are exact decimals (``monitor.api.fields``)."""
