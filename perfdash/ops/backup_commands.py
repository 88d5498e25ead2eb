"""The ``backup`` and ``restore`` commands' work and what they print (python -m perfdash parses the
arguments and turns a BackupError into one ``错误：`` line and exit status 2)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from perfdash.ops.backup import backup
from perfdash.ops.backup_checks import evidence_count, missing_evidence_text
from perfdash.ops.restore import restore


def backup_command(db: str | Path, out: str, wait_seconds: float) -> int:
    """Back up ``db`` into the new directory ``out``; one line saying what was saved, and one
    warning line naming the evidence files that could not be."""
    started = time.perf_counter()
    manifest = backup(db, out, wait_seconds=wait_seconds)
    print(
        f"已备份 {len(manifest.tables)} 张表、{manifest.total_rows} 行（表结构版本 {manifest.schema_version}，"
        f"用时 {time.perf_counter() - started:.2f} 秒）：{out}"
    )
    if manifest.missing_evidence:
        print(f"警告：{missing_evidence_text(manifest.missing_evidence)}", file=sys.stderr)
    return 0


def restore_command(source: str, db: str, force: bool, trust_unsigned: bool) -> int:
    """Restore ``source`` into the new file ``db``; what was restored, the sequences moved on, and
    a warning line when the operator trusted a backup this installation did not sign."""
    started = time.perf_counter()
    result = restore(source, db, force=force, trust_unsigned=trust_unsigned)
    if result.unsigned:
        print(f"警告：{result.unsigned}；已按 --trust-unsigned 恢复，请核对恢复出的数据", file=sys.stderr)
    m = result.manifest
    print(
        f"已从备份 {source}（{m.created_at}）恢复 {len(m.tables)} 张表、{m.total_rows} 行"
        f"和 {evidence_count(m)} 个迎评材料文件到 {result.path}，"
        f"行数和校验和与备份清单一致（用时 {time.perf_counter() - started:.2f} 秒）"
    )
    for seq, value in result.sequences_fixed.items():
        print(f"  序列 {seq} 已推进到 {value}，新记录不会与已恢复的编号冲突")
    if result.missing_evidence:
        print(f"警告：{missing_evidence_text(result.missing_evidence, restored=True)}", file=sys.stderr)
    return 0
