"""Deterministic synthetic landing zone: every source system's exports, in their real formats.

    from usage_platform.synthetic import generate
    summary = generate(Path("data/landing"), instances=40, months=6, seed=42)

Same arguments give byte-identical files (seeded `random.Random` streams, a fixed calendar, gzip without
timestamps, Parquet from a fixed schema). Files are only written under `out`; existing files of the same
names are overwritten, others are left alone.

The range is `months` whole calendar months up to the last month end on or before `end_date` (the anchor),
plus the days after it when `end_date` is not a month end. The world is built from the anchor and cut at
`end_date`, so a later `end_date` before the next month end (`--end-date` a week later, same seed and
months) is the same world exported later: Service Ping folders of earlier days are byte-identical, new
days add folders (with payloads that were still in flight), Seat Link and gitlab_dotcom activity gain the
new days' rows (merges and closes of the new days complete earlier rows; `users.last_activity_on`,
`ci_runners.contacted_at` and `gitlab_subscriptions.updated_at` move with the export day), and Zuora,
orders and licenses gain what the new days created (a renewal moves the previous version's UpdatedDate).
Crossing the next month end moves the anchor: a new world.

CSV files: header row, `,`, RFC 4180 quoting, `\n` line ends, empty field = null, `true`/`false`, dates
`YYYY-MM-DD`, timestamps `YYYY-MM-DD HH:MM:SS` (UTC). `gitlab_dotcom/events` is Parquet.

Modules: `model` (business dataclasses), `golden` (fixed identities), `business` (builds the model),
`subscriptions` (Zuora catalog and versions), `usage` (daily usage per instance), `metrics` (the
dictionary), `service_ping` (payloads), `deliveries` (ping files), `saas` (GitLab.com tables), `sources`
(one writer per source system), `writers` (reproducible file output), `generator` (the entry point).

Planted messiness (details in the docstrings of `service_ping`, `deliveries`, `model`, `usage`):
- Service Ping: `-1`/`-2`/`-1000` sentinels, `{"-1": -1}` histograms, JSON nulls, metrics that only newer
  versions send (and removed ones older versions still send), EE-only metrics missing on CE, versions
  with `-ee`/`-pre` suffixes, non-UTC `recorded_at` offsets, one all-time counter reset (an instance
  restored from backup), duplicate deliveries, late files (7-14 days), envelopes beside bare payloads,
  `.ndjson`, `.ndjson.gz` and pretty `.json` files, and one malformed `*_interrupted.ndjson` per 40
  instances (at least one) whose content is not needed. Payloads received after `end_date` are in flight
  (not written).
- Service Ping architecture: some instances add or remove topology nodes or Gitaly servers, or enable
  Geo, once during the range (each kind planted at any scale); `counts.geo_nodes` counts Geo sites (0
  without Geo, else a primary and its secondaries); runners by type active <= `counts.ci_runners`.
- Licenses: three ways to a subscription (md5, sha256, subscription id only), unmapped licenses (two
  reachable only through Gainsight's `crm_acct_id`), trials, free instances, licenses pointing at an
  older subscription version, expired / cancelled / draft subscriptions, instances pinging after expiry,
  over-licensed instances, an air-gapped instance without Seat Link, Seat Link in months without pings,
  a hostname change (same uuid), two installations on one subscription, a decommissioned instance.
- CRM: names with commas and quotes, a parent account, a deleted account, prospects.
- GitLab.com: runner owners (`ci_runners.sharding_key_id`: none for instance runners, a group or subgroup,
  a project); project bots (user_type 6) that trigger pipelines; blocked and deactivated users whose
  activity stops at their `last_activity_on` inside the range (the golden group has a bot and a blocked
  user with activity, so "bots and blocked users do not count" is exercised).

Golden customers with fixed identities are in `golden.GOLDEN_CUSTOMERS`.
"""

from usage_platform.synthetic.generator import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
