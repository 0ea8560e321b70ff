"""The one read model of the pipeline's state: verdict, jobs, freshness, quality, logs.

The API, the CLI's `status` and `logs`, the alerts and the static site all read through `queries`; `models`
holds the shapes they answer with (camelCase on the wire).
"""
