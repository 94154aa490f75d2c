"""Gainsight: publishing the pump (export.py, assets.py) and the pump's match-rate metadata
(metadata.py). Gainsight's data coming back is a raw source (gainsight_instance_info) like any other."""
