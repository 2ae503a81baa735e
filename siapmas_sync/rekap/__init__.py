"""The monthly / yearly recap for the Pimpinan DPRD (SOP: *Pencatatan dan Pelaporan*).

* :mod:`.kecamatan` — the 18 kecamatan of Kabupaten Mojokerto and finding them in text;
* :mod:`.source` — the one ledger query: plain rows for a period (no reporter names);
* :mod:`.figures` — every figure, pure, from those rows (what ``rekap --json`` prints);
* :mod:`.charts` — matplotlib charts (Agg, shipped DejaVu fonts, black-and-white safe);
* :mod:`.pdf` / :mod:`.xlsx` — the printable report and the workbook of the same figures;
* :mod:`.service` — periods, output paths, "is a recap due?" and the upload for ``run``.

Importing this package stays light (no matplotlib, no reportlab): the configuration uses
:mod:`.kecamatan` for its defaults.
"""
