"""Synthetic but realistic SIAPMAS form responses for the benchmark.

Every response is distinct (different chronology text, name, contact and timestamp), so
nothing is folded into a duplicate. Chronologies are Indonesian complaint/aspiration
texts of 200–1500 characters assembled from topic templates (roads, street lights,
floods, waste, fertiliser, markets, PDAM water, health/BPJS, schools, galian C mining,
village government, civil registration, social aid, permits, a council member's
conduct), places in Kabupaten Mojokerto, dates, times and consequences — so the routing
table and the completeness checks see the same kind of input as in production.

Deterministic for a given seed. No dependency on the product code.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")

HEADER = ["Timestamp", "Nama", "No. Tlp/WA (yang aktif)", "E-mail (yang aktif)",
          "Kronologi, Waktu dan Tempat", "Bukti Dukung"]

KECAMATAN = {
    "Bangsal": ["Bangsal", "Gayam", "Kutoporong", "Pekuwon", "Puloniti", "Sumberwono"],
    "Dawarblandong": ["Banyulegi", "Bangeran", "Cendoro", "Gunungan", "Pulorejo", "Simongagrok"],
    "Dlanggu": ["Brangkal", "Kedunglengkong", "Mojokarang", "Pohkecik", "Segunung", "Tumapel"],
    "Gedeg": ["Gempolkrep", "Jerukseger", "Kemantren", "Ngareskidul", "Pagerluyung", "Terusan"],
    "Gondang": ["Bening", "Dilem", "Jatidukuh", "Kebontunggul", "Pugeran", "Wonoploso"],
    "Jatirejo": ["Baureno", "Dinoyo", "Gebangsari", "Jatirejo", "Lebakjabung", "Sumberagung"],
    "Jetis": ["Banjaragung", "Canggu", "Lakardowo", "Mlirip", "Penompo", "Sawo"],
    "Kemlagi": ["Betro", "Japanan", "Kedungsari", "Mojorejo", "Mojowiryo", "Watesprojo"],
    "Kutorejo": ["Gedangan", "Jiyu", "Kepuhpandak", "Kertosari", "Singowangi", "Wonodadi"],
    "Mojoanyar": ["Gebangmalang", "Jabon", "Kweden", "Ngarjo", "Sadartengah", "Wunut"],
    "Mojosari": ["Awang-awang", "Kebondalem", "Modopuro", "Ngimbangan", "Sumbertebu", "Wonokusumo"],
    "Ngoro": ["Kunjorowesi", "Lolawang", "Manduro", "Sedati", "Tanjangrono", "Wonosari"],
    "Pacet": ["Bendunganjati", "Cembor", "Claket", "Kembangbelor", "Petak", "Warugunung"],
    "Pungging": ["Bangun", "Jabontegal", "Kalipuro", "Lebaksono", "Tunggalpager", "Watukenongo"],
    "Puri": ["Banjaragung", "Brayublandong", "Kebonagung", "Mlaten", "Sumbergirang", "Tambakagung"],
    "Sooko": ["Japan", "Karangkedawang", "Modongan", "Sambiroto", "Tempuran", "Wringinrejo"],
    "Trawas": ["Belik", "Duyung", "Jatijejer", "Kedungudi", "Ketapanrame", "Tamiajeng"],
    "Trowulan": ["Bejijong", "Jatipasar", "Kejagan", "Sentonorejo", "Temon", "Watesumpak"],
}

FIRST = ["Budi", "Siti", "Agus", "Dewi", "Sri", "Eko", "Wahyu", "Nur", "Rina", "Joko", "Slamet", "Yuli",
         "Hendra", "Ahmad", "Muhammad", "Fitri", "Indah", "Bambang", "Sugeng", "Endang", "Retno", "Dwi",
         "Tri", "Rudi", "Lestari", "Imam", "Anik", "Heru", "Suparman", "Kartini", "Rahmat", "Ayu",
         "Nanik", "Purwanto", "Sumarni", "Teguh", "Wulan", "Yusuf", "Zainal", "Puji"]
LAST = ["Santoso", "Aminah", "Prasetyo", "Wulandari", "Rahayu", "Setiawan", "Hidayat", "Susanti",
        "Kurniawan", "Handayani", "Saputra", "Nugroho", "Utomo", "Lestari", "Wibowo", "Hartono",
        "Suryani", "Firmansyah", "Maulana", "Anggraini", "Purnomo", "Kusuma", "Fauzi", "Ningsih",
        "Sulistyo", "Yulianto", "Pratama", "Safitri", "Subagyo", "Rohman"]
DUSUN = ["Krajan", "Sumberan", "Ngelo", "Kedungsari", "Tegalan", "Sawahan", "Ngemplak", "Karanglo",
         "Gempol", "Bendungan", "Pelem", "Randu", "Mbanjar", "Kalitengah", "Ngampel"]
HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember"]

# (subject phrase, detail sentences, consequence sentences, request sentence)
TOPICS = [
    ("jalan rusak dan berlubang",
     ["Jalan poros desa di {tempat} rusak parah dan berlubang sepanjang kurang lebih {km} km.",
      "Lubang terdalam sekitar {cm} cm dan tergenang air setiap kali hujan turun.",
      "Perbaikan terakhir dilakukan dengan tambal sulam pada {bulan_lalu}, namun aspal kembali mengelupas."],
     ["Sudah ada {n} pengendara sepeda motor yang jatuh, terutama pada malam hari.",
      "Truk bermuatan pasir dan batu terus melintas sehingga kerusakan makin melebar.",
      "Anak-anak sekolah terpaksa memutar lewat jalan sawah yang licin."],
     "Mohon Dinas PUPR segera memperbaiki jalan rusak tersebut sebelum puncak musim hujan."),
    ("lampu penerangan jalan umum (PJU) mati",
     ["Sebanyak {n} titik PJU di {tempat} mati sejak {tanggal}.",
      "Tiang lampu di dekat jembatan juga miring dan kabelnya menjuntai rendah.",
      "Warga sudah iuran untuk mengganti bola lampu tetapi panel listriknya rusak."],
     ["Kondisi gelap membuat rawan begal dan pencurian sepeda motor.",
      "Minggu lalu terjadi kecelakaan tunggal karena pengendara tidak melihat polisi tidur."],
     "Kami memohon Dinas Perhubungan memperbaiki PJU di lokasi tersebut."),
    ("banjir dan saluran irigasi tersumbat",
     ["Setiap hujan deras lebih dari satu jam, air meluap dari saluran di {tempat} dan menggenangi rumah warga setinggi {cm} cm.",
      "Saluran irigasi tersumbat sampah dan sedimen, normalisasi terakhir dilakukan bertahun-tahun lalu.",
      "Pintu air di ujung dusun tidak berfungsi karena engkolnya patah."],
     ["Sekitar {n} rumah terdampak dan sawah seluas {ha} hektare gagal tanam.",
      "Warga harus mengungsikan ternak dan perabot ke balai dusun."],
     "Mohon BPBD dan Dinas PUPR Sumber Daya Air melakukan normalisasi saluran."),
    ("tumpukan sampah di pinggir jalan",
     ["Tumpukan sampah liar di {tempat} semakin tinggi dan meluber ke badan jalan.",
      "Truk pengangkut dari DLH tidak datang sejak {tanggal}.",
      "Sebagian warga membakar sampah sehingga asapnya masuk ke rumah dan sekolah."],
     ["Bau menyengat tercium hingga radius {m} meter dan banyak lalat.",
      "Beberapa anak mengalami batuk dan sesak napas."],
     "Kami mohon DLH menyediakan TPS resmi dan jadwal pengangkutan yang teratur."),
    ("kelangkaan pupuk bersubsidi",
     ["Petani di {tempat} tidak mendapatkan pupuk urea dan NPK bersubsidi pada musim tanam ini.",
      "Kios pupuk lengkap resmi selalu mengatakan stok habis, tetapi pupuk tersedia dengan harga non-subsidi Rp{harga} per sak.",
      "Kartu tani sebagian anggota kelompok tani belum bisa dipakai."],
     ["Sekitar {n} petani terancam terlambat tanam padi.",
      "Biaya produksi naik dan harga gabah saat panen tidak menutup modal."],
     "Mohon Komisi terkait memanggil distributor dan dinas pertanian untuk memastikan distribusi pupuk."),
    ("penataan pasar dan pedagang kaki lima",
     ["Kios di pasar {tempat} banyak yang bocor dan los pedagang sayur becek.",
      "Retribusi harian naik menjadi Rp{harga} tanpa sosialisasi kepada pedagang.",
      "PKL berjualan di bahu jalan sehingga lalu lintas macet setiap pagi."],
     ["Pembeli berkurang dan omzet pedagang turun hampir separuh.",
      "Sudah {n} kali terjadi cekcok antara pedagang dan petugas pasar."],
     "Kami berharap ada penataan pasar yang adil bagi pedagang kecil."),
    ("air PDAM tidak mengalir",
     ["Air PDAM di {tempat} tidak mengalir atau hanya menetes sejak {tanggal}.",
      "Tagihan bulanan tetap datang normal sekitar Rp{harga} walaupun air mati.",
      "Pengaduan melalui call center hanya dijawab sedang ada perbaikan pipa."],
     ["Warga terpaksa membeli air galon dan menumpang mandi ke tetangga yang punya sumur.",
      "Sekitar {n} sambungan rumah terdampak."],
     "Mohon Perumda Air Minum menjelaskan penyebabnya dan memberi kompensasi."),
    ("pelayanan puskesmas dan BPJS Kesehatan",
     ["Pasien di puskesmas {tempat} harus antre sejak subuh dan baru dilayani menjelang siang.",
      "Kartu BPJS Kesehatan PBI milik {n} warga tiba-tiba nonaktif tanpa pemberitahuan.",
      "Obat untuk penderita hipertensi sering kosong sehingga pasien disuruh membeli sendiri di apotek."],
     ["Seorang lansia pingsan di ruang tunggu karena terlalu lama antre.",
      "Warga miskin menunda berobat karena takut ditagih biaya."],
     "Mohon Dinas Kesehatan dan BPJS memperbaiki pelayanan dan mengaktifkan kembali kepesertaan PBI."),
    ("sekolah rusak dan PPDB zonasi",
     ["Atap dua ruang kelas SD negeri di {tempat} jebol dan plafonnya runtuh pada {tanggal}.",
      "Siswa terpaksa belajar bergantian di perpustakaan dan musala.",
      "Pada PPDB zonasi, anak yang rumahnya dekat sekolah justru tidak diterima."],
     ["Orang tua khawatir keselamatan sekitar {n} siswa.",
      "Ada dugaan pungutan seragam dan buku sebesar Rp{harga} per siswa."],
     "Mohon Dinas Pendidikan segera merehabilitasi ruang kelas dan mengevaluasi PPDB."),
    ("tambang galian C ilegal",
     ["Aktivitas tambang galian C di {tempat} beroperasi setiap hari mulai pukul {jam} WIB.",
      "Penambang diduga belum memiliki IUP operasi produksi, baru izin eksplorasi.",
      "Truk tanah urug lalu-lalang hingga malam dan jalan desa penuh lumpur."],
     ["Tebing di belakang rumah warga longsor dan sumur menjadi keruh.",
      "Debu tebal membuat {n} warga terserang ISPA."],
     "Mohon DPRD meminta dinas terkait dan aparat menertibkan tambang tersebut."),
    ("dugaan penyimpangan dana desa",
     ["Pembangunan rabat beton di {tempat} yang dianggarkan dari dana desa tahun ini baru selesai separuh.",
      "Papan informasi APBDes tidak dipasang dan warga tidak pernah diundang musdes.",
      "Perangkat desa menolak menunjukkan rincian anggaran saat ditanya BPD."],
     ["Kualitas cor beton buruk, sudah retak dalam {n} minggu.",
      "Warga menduga ada mark-up harga material."],
     "Kami mohon inspektorat dan Komisi I memeriksa penggunaan dana desa tersebut."),
    ("pengurusan KTP elektronik dan KK",
     ["Saya mengurus KTP elektronik dan kartu keluarga di kantor kecamatan {tempat} sejak {tanggal}.",
      "Sampai sekarang blanko KTP-el belum tersedia dan hanya diberi surat keterangan.",
      "Ada oknum yang menawarkan jasa cepat dengan biaya Rp{harga}."],
     ["Tanpa KTP saya tidak bisa mencairkan bantuan dan mendaftar kerja.",
      "Sudah {n} kali saya bolak-balik ke Dispendukcapil."],
     "Mohon Dispendukcapil mempercepat layanan dan menindak pungutan liar."),
    ("bantuan sosial tidak tepat sasaran",
     ["Penerima BLT dan PKH di {tempat} banyak yang tergolong mampu, sedangkan janda lansia tidak terdaftar.",
      "Pendataan DTKS tidak pernah diperbarui sejak beberapa tahun lalu.",
      "Bantuan beras sebanyak {n} kg per keluarga tidak dibagikan sesuai jadwal."],
     ["Warga miskin merasa diperlakukan tidak adil dan terjadi kecemburuan sosial."],
     "Mohon Dinas Sosial memverifikasi ulang data penerima bantuan."),
    ("perizinan usaha dan bangunan",
     ["Pabrik di {tempat} membangun gudang baru tanpa papan PBG dan berdiri di atas saluran air.",
      "Limbah cair dibuang ke sungai pada malam hari sekitar pukul {jam} WIB.",
      "Perizinan usaha katanya masih diproses tetapi pembangunan terus berjalan."],
     ["Ikan di sungai mati dan air berbau, sawah {ha} hektare terdampak.",
      "Warga yang protes justru didatangi orang tak dikenal."],
     "Mohon DPMPTSP dan DLH memeriksa izin dan pengelolaan limbah pabrik tersebut."),
    ("perilaku oknum anggota dewan",
     ["Seorang oknum anggota dewan dari daerah pemilihan {tempat} menjanjikan bantuan hibah dengan meminta setoran Rp{harga}.",
      "Bantuan yang dijanjikan tidak pernah cair sejak {tanggal}.",
      "Ketika ditagih, yang bersangkutan tidak dapat dihubungi."],
     ["Kelompok kami sudah mengeluarkan dana dari iuran {n} anggota."],
     "Mohon Badan Kehormatan menindaklanjuti pengaduan ini sesuai kode etik."),
]

EXTRA = [
    "Kami sudah melaporkan hal ini ke kantor desa pada {tanggal} tetapi belum ada tindak lanjut.",
    "Masalah ini juga sudah disampaikan dalam musyawarah dusun dan Musrenbang kecamatan.",
    "Foto kondisi terbaru kami lampirkan melalui formulir ini.",
    "Warga RT {rt}/RW {rw} bersedia dimintai keterangan kapan saja.",
    "Kejadian terakhir terjadi pada hari {hari}, {tanggal} sekitar pukul {jam} WIB.",
    "Kepala dusun mengatakan usulan sudah diteruskan ke kabupaten, namun belum ada kepastian.",
    "Kami khawatir kondisi ini akan memburuk memasuki musim hujan bulan {bulan}.",
    "Sebelumnya pernah ada peninjauan dari petugas, tetapi hanya difoto lalu tidak ada kabar.",
    "Kami tidak ingin menyalahkan siapa pun, hanya berharap ada jalan keluar yang jelas.",
    "Jika diperlukan, kami siap hadir dalam rapat dengar pendapat di DPRD.",
    "Tokoh masyarakat dan ketua RT setempat mengetahui permasalahan ini.",
    "Sudah {n} bulan masalah ini berlarut-larut tanpa kejelasan.",
]

OPENERS = [
    "Saya {nama}, warga Dusun {dusun}, Desa {desa}, Kecamatan {kec}, Kabupaten Mojokerto, ingin menyampaikan {jenis} mengenai {subjek}.",
    "Dengan hormat, kami warga Desa {desa} Kecamatan {kec} menyampaikan {jenis} tentang {subjek}.",
    "Assalamualaikum. Mohon izin menyampaikan {jenis} terkait {subjek} di Dusun {dusun}, Desa {desa}, Kecamatan {kec}.",
    "Yth. Bapak/Ibu Anggota DPRD Kabupaten Mojokerto, saya ingin melaporkan {subjek} yang terjadi di Desa {desa}, Kecamatan {kec}.",
]
CLOSERS = ["Atas perhatian dan tindak lanjutnya kami ucapkan terima kasih.",
           "Terima kasih, semoga segera ada solusi.", "Demikian laporan ini kami sampaikan dengan sebenarnya.",
           "Matur nuwun."]


@dataclass(frozen=True)
class EvidencePlan:
    """Which rows carry Drive evidence: a fraction of rows, 1–3 files each, mostly photos."""

    fraction: float = 0.25
    image_share: float = 0.85
    video_share: float = 0.05  # the rest are PDFs


def _fill(template: str, rnd: random.Random, ctx: dict[str, str]) -> str:
    d = rnd.randint(1, 28)
    month = rnd.randint(1, 11)
    values = {
        "tempat": f"Dusun {rnd.choice(DUSUN)}, Desa {ctx['desa']}",
        "km": f"{rnd.randint(1, 6)},{rnd.randint(0, 9)}",
        "cm": str(rnd.randint(10, 80)),
        "m": str(rnd.randint(50, 500)),
        "n": str(rnd.randint(2, 60)),
        "ha": str(rnd.randint(2, 40)),
        "harga": f"{rnd.randint(15, 450)}.{rnd.choice(['000', '500'])}",
        "tanggal": f"{d} {BULAN[month - 1]} 2026",
        "bulan_lalu": f"bulan {BULAN[rnd.randint(0, 10)]} 2026",
        "bulan": rnd.choice(BULAN[9:]),
        "jam": f"{rnd.randint(5, 22):02d}.{rnd.choice(['00', '15', '30', '45'])}",
        "hari": rnd.choice(HARI),
        "rt": f"{rnd.randint(1, 12):02d}",
        "rw": f"{rnd.randint(1, 6):02d}",
    }
    values.update(ctx)
    return template.format(**values)


def chronology(rnd: random.Random, nama: str, serial: int) -> str:
    """One chronology of 200–1500 characters; ``serial`` makes it unique."""
    kec = rnd.choice(list(KECAMATAN))
    ctx = {"nama": nama, "kec": kec, "desa": rnd.choice(KECAMATAN[kec]), "dusun": rnd.choice(DUSUN),
           "jenis": rnd.choice(["pengaduan", "aspirasi", "keluhan", "laporan"])}
    subjek, details, effects, request = rnd.choice(TOPICS)
    ctx["subjek"] = subjek
    target = int(rnd.triangular(200, 1500, 550))
    parts = [_fill(rnd.choice(OPENERS), rnd, ctx)]
    pool = [*details, *effects]
    rnd.shuffle(pool)
    extras = list(EXTRA)
    rnd.shuffle(extras)
    pool += extras
    # a unique, natural detail (report reference / house number) so no two texts are equal
    unique = f"Rumah saya di RT {serial % 13 + 1:02d}/RW {serial % 7 + 1:02d} nomor {serial // 91 + 1}."
    for sentence in pool:
        if sum(len(p) + 1 for p in parts) >= target - 120:
            break
        parts.append(_fill(sentence, rnd, ctx))
    parts.append(unique)
    parts.append(_fill(request, rnd, ctx))
    if rnd.random() < 0.6:
        parts.append(rnd.choice(CLOSERS))
    text = " ".join(parts)
    if len(text) > 1500:  # keep the unique sentence, trim earlier material at a sentence end
        head = " ".join(parts[:-3])
        tail = " ".join(parts[-3:])
        head = head[: 1500 - len(tail) - 1].rsplit(". ", 1)[0] + "."
        text = head + " " + tail
    while len(text) < 200:
        text += " " + _fill(rnd.choice(EXTRA), rnd, ctx)
    return text


def phone(rnd: random.Random, serial: int) -> str:
    prefix = rnd.choice(["0812", "0813", "0821", "0822", "0852", "0857", "0856", "0878", "0895", "0881"])
    digits = f"{(serial * 7919 + rnd.randint(0, 999)) % 100_000_000:08d}"
    style = rnd.random()
    if style < 0.4:
        return f"{prefix}-{digits[:4]}-{digits[4:]}"
    if style < 0.7:
        return prefix + digits
    if style < 0.9:
        return f"+62 {prefix[1:]} {digits[:4]} {digits[4:]}"
    return (prefix + digits)[1:]  # as a number in the sheet: leading 0 lost


def response_rows(n: int, *, seed: int = 2026, start: datetime | None = None, span: timedelta | None = None,
                  first_serial: int = 0) -> list[list[object]]:
    """``n`` distinct rows (HEADER order) with increasing timestamps; evidence column empty
    (filled by :func:`attach_evidence`)."""
    rnd = random.Random(seed + first_serial)
    end = start or datetime.now(WIB).replace(microsecond=0) - timedelta(minutes=5)
    span = span or timedelta(days=20)
    step = max(span / max(n, 1), timedelta(seconds=1))
    t0 = end - step * n
    rows = []
    for i in range(n):
        serial = first_serial + i
        nama = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        if rnd.random() < 0.3:
            nama += f" {rnd.choice(LAST)}"
        jitter = rnd.randint(0, int(step.total_seconds()) - 1) if step.total_seconds() >= 2 else 0
        ts = (t0 + step * i + timedelta(seconds=jitter)).replace(microsecond=0)
        r = rnd.random()
        tel = phone(rnd, serial) if r > 0.02 else "12345"  # a few unusable numbers
        email = f"{nama.split()[0].lower()}.{nama.split()[-1].lower()}{serial}@{rnd.choice(['gmail.com', 'yahoo.co.id', 'gmail.com', 'outlook.com'])}"
        if rnd.random() < 0.15:
            email = ""  # optional question left blank
        rows.append([ts, nama, tel, email, chronology(rnd, nama, serial), ""])
    return rows


def jpeg_pool(count: int, px: int, seed: int = 7) -> list[bytes]:
    """``count`` distinct photo-like JPEGs (gradients, shapes, sensor noise), px × 3/4 px."""
    from PIL import Image, ImageDraw, ImageFilter

    rnd = random.Random(seed)
    out = []
    w, h = px, px * 3 // 4
    for i in range(count):
        top = tuple(rnd.randint(60, 200) for _ in range(3))
        bottom = tuple(rnd.randint(20, 140) for _ in range(3))
        img = Image.linear_gradient("L").resize((w, h))
        img = Image.merge("RGB", [img.point(lambda v, a=top[k], b=bottom[k]: a + (b - a) * v // 255) for k in range(3)])
        d = ImageDraw.Draw(img)
        for _ in range(40):
            x0, y0 = rnd.randint(0, w), rnd.randint(0, h)
            x1, y1 = x0 + rnd.randint(10, w // 3), y0 + rnd.randint(10, h // 3)
            d.rectangle((x0, y0, x1, y1) if rnd.random() < 0.5 else (x0, y0, x1, y0 + 6),
                        fill=tuple(rnd.randint(0, 255) for _ in range(3)))
        img = img.filter(ImageFilter.GaussianBlur(2))
        noise = Image.effect_noise((w, h), 18).convert("RGB")
        img = Image.blend(img, noise, 0.12)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def attach_evidence(rows: list[list[object]], add_file, *, plan: EvidencePlan = EvidencePlan(),
                    images: list[bytes], seed: int = 11, max_files: int | None = None) -> dict[str, int]:
    """Give a fraction of rows Drive links. ``add_file(name, data, mime) -> file id`` creates
    the file in the evidence folder. With ``max_files``, links reuse the first files
    created (for big idle sheets where evidence is not what is measured)."""
    rnd = random.Random(seed)
    created: list[str] = []
    counts = {"rows_with_evidence": 0, "files": 0, "images": 0, "image_bytes": 0}
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40_000
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b" " * 20_000
    for r, row in enumerate(rows):
        if rnd.random() >= plan.fraction:
            continue
        counts["rows_with_evidence"] += 1
        links = []
        for k in range(rnd.choices([1, 2, 3], [0.6, 0.3, 0.1])[0]):
            if max_files is not None and len(created) >= max_files:
                fid = rnd.choice(created)
            else:
                x = rnd.random()
                name_base = f"{str(row[1]).replace(' ', '_')}_{r}_{k}"
                if x < plan.image_share:
                    data = images[rnd.randrange(len(images))]
                    fid = add_file(f"IMG_{name_base}.jpg", data, "image/jpeg")
                    counts["images"] += 1
                    counts["image_bytes"] += len(data)
                elif x < plan.image_share + plan.video_share:
                    fid = add_file(f"VID_{name_base}.mp4", video, "video/mp4")
                else:
                    fid = add_file(f"DOC_{name_base}.pdf", pdf, "application/pdf")
                created.append(fid)
                counts["files"] += 1
            links.append(f"https://drive.google.com/open?id={fid}")
        row[5] = ", ".join(links)
    return counts
