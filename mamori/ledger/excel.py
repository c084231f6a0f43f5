"""The information-asset ledger in Excel and CSV: the workbook's layout (template) and
the export.

Headers are Japanese and fixed (whatever the screen language), so a workbook
exported by mamori — or last year's ledger rearranged to the template — imports
unchanged (reading it: excel_reader.py; checking and storing it: import_plan.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from mamori.ledger.models import AccessControl, AssetSubkind, DisposalState, Source
from mamori.lib import safe_cells
from mamori.policy.vocabulary import AssetKind

SHEET = "情報資産管理台帳"
MAX_ERRORS_SHOWN = 200

# Japanese values as written in the workbook, whatever the screen language.
KIND_JA = {
    AssetKind.INFORMATION: "行政情報",
    AssetKind.MEDIA: "電磁的記録媒体",
    AssetKind.DEVICE: "端末・機器",
    AssetKind.PAPER: "紙媒体",
}
SUBKIND_JA = {
    AssetSubkind.DOCUMENT: "文書・データ",
    AssetSubkind.USB_MEMORY: "USBメモリ",
    AssetSubkind.EXTERNAL_DISK: "外付けディスク",
    AssetSubkind.OPTICAL: "光ディスク",
    AssetSubkind.OTHER_MEDIA: "その他の媒体",
    AssetSubkind.PC: "パソコン",
    AssetSubkind.MOBILE: "モバイル端末",
    AssetSubkind.TELEWORK: "テレワーク端末",
    AssetSubkind.SPECIAL: "特定用途機器",
    AssetSubkind.OTHER_DEVICE: "その他の機器",
    AssetSubkind.PRINTOUT: "印刷物",
}
SOURCE_JA = {Source.INTERNAL: "庁内", Source.EXTERNAL: "庁外"}
DISPOSAL_JA = {DisposalState.IN_USE: "使用中", DisposalState.DISPOSED: "廃棄済"}
ACCESS_JA = {
    AccessControl.NONE: "なし",
    AccessControl.PASSWORD: "パスワード",
    AccessControl.IC_CARD: "ICカード",
    AccessControl.BIOMETRIC: "生体認証",
    AccessControl.MULTI_FACTOR: "多要素認証",
}


@dataclass
class Column:
    key: str
    header: str
    required: bool = False
    export_only: bool = False


def columns(context) -> list[Column]:
    axes = list(context.axes.values()) if context else []
    cols = [
        Column("ledger_no", "台帳番号", required=True),
        Column("name", "名称", required=True),
        Column("kind", "種別", required=True),
        Column("subkind", "区分", required=True),
        Column("owner_unit", "所管課コード", required=True),
        Column("owner_unit_name", "所管課", export_only=True),
        Column("manager", "管理者職員番号"),
        Column("manager_name", "管理者", export_only=True),
        Column("location", "保管場所"),
        Column("lockable", "施錠可能"),
    ]
    cols += [Column(f"class:{axis.key}", axis.name) for axis in axes]
    cols += [
        Column("contents", "記録内容の分類"),
        Column("handling_restrictions", "取扱制限"),
        Column("obtained_on", "作成・取得日"),
        Column("source", "入手元"),
        Column("retention_years", "保存期間(年)"),
        Column("disposal_state", "廃棄状態"),
        Column("disposed_on", "廃棄日"),
        Column("access_control", "アクセス制御"),
        Column("backed_up", "バックアップ"),
        Column("last_backup_on", "最終バックアップ日"),
        Column("system", "情報システムコード"),
        # The personal-information markings (optional columns: older files import as before).
        Column("personal_data", "個人情報"),
        Column("sensitive_personal_data", "要配慮個人情報"),
        Column("personal_data_persons", "本人の数"),
        Column("strong_encryption", "高度な暗号化等"),
        Column("notes", "備考"),
    ]
    return cols


# Export ------------------------------------------------------------------------------------


# Read as plain values, not model instances: an export of 60,000 rows spends its time
# building objects otherwise.
EXPORT_FIELDS = [
    "ledger_no",
    "name",
    "kind",
    "subkind",
    "owner_unit__code",
    "owner_unit__name",
    "manager__employee_no",
    "manager__name",
    "location",
    "lockable",
    "classification",
    "contents",
    "handling_restrictions",
    "obtained_on",
    "source",
    "retention_years",
    "disposal_state",
    "disposed_on",
    "access_control",
    "backed_up",
    "last_backup_on",
    "system__code",
    "notes",
    "personal_data",
    "sensitive_personal_data",
    "personal_data_persons",
    "strong_encryption",
]


def asset_values(row: dict, context) -> dict:
    """Workbook values of one entry, from a `values(*EXPORT_FIELDS)` row."""
    axis_key = context.primary_axis().key if context else None
    values = {
        "ledger_no": row["ledger_no"],
        "name": row["name"],
        "kind": KIND_JA.get(row["kind"], row["kind"]),
        "subkind": SUBKIND_JA.get(row["subkind"], row["subkind"]),
        "owner_unit": row["owner_unit__code"],
        "owner_unit_name": row["owner_unit__name"],
        "manager": row["manager__employee_no"] or "",
        "manager_name": row["manager__name"] or "",
        "location": row["location"],
        "lockable": "○" if row["lockable"] else "",
        "contents": "、".join(str(item.get(axis_key, "")) for item in row["contents"] or [] if item)
        if axis_key
        else "",
        "handling_restrictions": row["handling_restrictions"],
        "obtained_on": row["obtained_on"],
        "source": SOURCE_JA.get(row["source"], row["source"]),
        "retention_years": row["retention_years"] if row["retention_years"] is not None else "",
        "disposal_state": DISPOSAL_JA.get(row["disposal_state"], row["disposal_state"]),
        "disposed_on": row["disposed_on"],
        "access_control": ACCESS_JA.get(row["access_control"], row["access_control"]),
        "backed_up": "○" if row["backed_up"] else "",
        "last_backup_on": row["last_backup_on"],
        "system": row["system__code"] or "",
        "notes": row["notes"],
        "personal_data": "○" if row["personal_data"] else "",
        "sensitive_personal_data": "○" if row["sensitive_personal_data"] else "",
        "personal_data_persons": row["personal_data_persons"]
        if row["personal_data_persons"] is not None
        else "",
        "strong_encryption": "○" if row["strong_encryption"] else "",
    }
    classification = row["classification"] or {}
    for axis in context.axes.values() if context else []:
        values[f"class:{axis.key}"] = classification.get(axis.key, "")
    return values


def export_rows(assets, context) -> Iterator[list]:
    keys = [c.key for c in columns(context)]
    rows = assets.order_by("ledger_no").values(*EXPORT_FIELDS)
    for row in rows.iterator(chunk_size=2000):
        values = asset_values(row, context)
        yield [values[key] for key in keys]


def write_xlsx(assets, context, out) -> int:
    """Write the ledger as a workbook (xlsxwriter, streaming rows: constant memory)."""
    workbook = safe_cells.workbook(out, constant_memory=True)
    sheet = safe_cells.SafeSheet(workbook, SHEET)
    bold = {"bold": True}
    cols = columns(context)
    for index, col in enumerate(cols):
        sheet.write(0, index, col.header, bold)
    sheet.freeze_panes(1, 0)
    count = 0
    for number, row in enumerate(export_rows(assets, context), start=1):
        # Text stays text, even when it starts with "=" (never run as a formula).
        sheet.write_row(number, 0, row)
        count += 1
    workbook.close()
    return count


# Characters CP932 cannot hold, and the usual substitute in Japanese offices.
CP932_SUBSTITUTES = {
    "𠮷": "吉",
    "𡈽": "土",
    "𣘺": "橋",
    "𤚩": "牛",
    "𦚰": "島",
    "〜": "～",
    "−": "－",
}
GETA = "〓"


@dataclass
class Unmappable:
    row: int
    column: str
    text: str
    characters: str


def csv_text_rows(assets, context) -> Iterator[list[str]]:
    cols = columns(context)
    yield [c.header for c in cols]
    for row in export_rows(assets, context):
        yield [
            value.strftime("%Y/%m/%d")
            if isinstance(value, dt.date)
            else safe_cells.csv_value(value)
            for value in row
        ]


def cp932_problems(assets, context, limit: int = MAX_ERRORS_SHOWN) -> list[Unmappable]:
    """Cells CP932 cannot hold as they are (with the characters at fault)."""
    cols = columns(context)
    problems = []
    for number, row in enumerate(csv_text_rows(assets, context), start=1):
        for col, value in zip(cols, row, strict=True):
            bad = "".join(sorted({ch for ch in value if not _cp932_ok(ch)}))
            if bad:
                problems.append(Unmappable(number, col.header, value, bad))
                if len(problems) >= limit:
                    return problems
    return problems


def _cp932_ok(ch: str) -> bool:
    try:
        ch.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def to_cp932_text(value: str) -> tuple[str, bool]:
    """(text CP932 can hold, whether anything was replaced): known variants first, else 〓."""
    changed = False
    out = []
    for ch in value:
        if _cp932_ok(ch):
            out.append(ch)
            continue
        changed = True
        out.append(
            CP932_SUBSTITUTES.get(ch)
            or (
                unicodedata.normalize("NFKC", ch)
                if _cp932_ok(unicodedata.normalize("NFKC", ch))
                else GETA
            )
        )
    return "".join(out), changed


def write_csv(
    assets, context, out, *, encoding: str = "utf-8-sig", replace: bool = False
) -> tuple[int, list[Unmappable]]:
    """Write CSV. In CP932, cells it cannot hold stop the export unless `replace`
    (substitutes such as 𠮷→吉, otherwise 〓); either way they are reported, never dropped."""
    cols = columns(context)
    replaced: list[Unmappable] = []
    if encoding == "cp932" and not replace:
        problems = cp932_problems(assets, context)
        if problems:
            return 0, problems
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    count = -1
    for number, row in enumerate(csv_text_rows(assets, context), start=1):
        if encoding == "cp932":
            fixed = []
            for col, value in zip(cols, row, strict=True):
                converted, changed = to_cp932_text(value)
                if changed:
                    replaced.append(Unmappable(number, col.header, value, converted))
                fixed.append(converted)
            row = fixed
        writer.writerow(row)
        count += 1
    out.write(text.getvalue().encode(encoding))
    return count, replaced
