/** How sdt names a failed file operation in its one-sentence errors. */

/** A short reason for a failed file read or write, without Node's "ENOENT: …, open '…'" noise. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EFBIG':
      return 'the file would exceed the file-size limit (ulimit -f)';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the device';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
