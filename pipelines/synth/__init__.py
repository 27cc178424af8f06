"""Deterministic synthetic data for credsweep: court lists, agency datasets, capacity, truth.

`generate(out_dir, size, seed, records=None, capacity_setting="base", formats="mixed")` writes:

```
OUT/lists/snapshot.<ext>      full dishonest_list snapshot (both list types, persons and orgs)
OUT/lists/delta_001.<ext>     delta: new entries (status active) and removals
                              (status removed + removed_on)
OUT/agencies/<agency>.<ext>   hotel_booking, school_enrollment, subsidy_application,
                              civil_service_candidate
OUT/capacity/welfare_status.<ext>, OUT/capacity/asset_inquiry.<ext>
OUT/truth/matches.parquet     agency, record_id, role, entry_id (true list entry or null),
                              list_role (debtor|legal_rep|null), noise (quirk tag, see
                              quirks.PERSON_QUIRKS plus org_variant, homonym_negative,
                              birthdate_negative, id_neighbor_negative, branch_negative,
                              removed_entry, none). One row per screened (record, role); a
                              listed party with several entries gets one row per entry.
                              Entries removed in the delta carry noise removed_entry (must
                              never intercept).
OUT/truth/capacity.parquet    entry_id, person_id, latent_class (dishonest|incapable),
                              latent_ability (0..1)
OUT/truth/entries.parquet     entry_id, person_id, org_id, id_form (masked_a|masked_b|full|
                              legacy|none|uscc|org_code), true_id, removed_in_delta
OUT/truth/bad_rows.parquet    dataset, record_id, row (1-based data row), defect: rows a
                              contract must quarantine
OUT/manifest.json             seed, sizes, counts, files with format / encoding / header
                              language / title row
```
`size` = list entries in the snapshot; `records` = records per agency dataset (default `size`).
Same seed -> byte-identical files. Values are written as text; Chinese-header files use the
first Chinese alias from `data_contracts.schemas`; XLSX with `title_row` has one title line
above the header.
"""

from pipelines.synth.generate import Manifest, generate

__all__ = ["Manifest", "generate"]
