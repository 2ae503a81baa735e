"""SIAPMAS Sync — Sistem Informasi Aspirasi dan Pengaduan Masyarakat, DPRD Kabupaten Mojokerto.

Polls the Google Form's responses and evidence, registers each submission with an agenda
number, renders the printable SOP documents and writes status back for officials.
"""

__version__ = "0.1.0"
