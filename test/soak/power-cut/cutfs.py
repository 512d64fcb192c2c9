#!/usr/bin/python3
"""A passthrough filesystem that forgets, when it is unmounted, what a power cut would.

    cutfs.py BACKING MOUNTPOINT MODE

MODE `files`: every write to a file since that file's last fsync is undone (its blocks get their
content from before, its size the one it had at its last fsync), as a disk whose cache was lost.
MODE `dirs`: that, and every directory entry made or removed since its directory's last fsync is
undone too (a created file is gone, an unlinked one is back, a rename goes back).
MODE `none`: a plain passthrough (nothing forgotten).

Writes reach BACKING as they come (so a reader sees them, as the page cache would serve them); what
to undo is kept in memory: each block's content before its first write since the file's last
fsync. The test kills the daemon, unmounts, and this applies the undo once FUSE returns, then
prints "cut: ..." and exits. Used by test/soak/power-cut.soak.ts (issue 24).
"""

import errno
import os
import sys
import threading

from fusepy import FUSE, FuseOSError, Operations

BLOCK = 4096
TRASH = '.cutfs-trash'


class FileUndo:
    """A file's writes since its last fsync: each touched block's content before, and its size then."""

    def __init__(self, size):
        self.size = size
        self.blocks = {}


class CutFS(Operations):
    def __init__(self, root, mode):
        self.root = root
        self.mode = mode
        self.mutex = threading.RLock()
        self.undo = {}  # inode -> FileUndo
        self.paths = {}  # inode -> the backing path it has now
        self.entries = []  # directory changes not yet fsynced: (parents, undo function)
        self.trash = 0
        self.entries_made = 0
        os.makedirs(os.path.join(root, TRASH), exist_ok=True)

    def real(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    # -- what a power cut forgets ---------------------------------------------------------------

    def note_write(self, fd, path, offset, length):
        st = os.fstat(fd)
        undo = self.undo.get(st.st_ino)
        if undo is None:
            undo = self.undo[st.st_ino] = FileUndo(st.st_size)
        self.paths[st.st_ino] = self.real(path)
        for block in range(offset // BLOCK, (offset + max(length, 1) - 1) // BLOCK + 1):
            if block not in undo.blocks and block * BLOCK < undo.size:
                undo.blocks[block] = os.pread(fd, BLOCK, block * BLOCK)

    def note_entry(self, parents, undo):
        if self.mode == 'dirs':
            self.entries_made += 1
            self.entries.append((set(parents), undo))

    def to_trash(self, real):
        self.trash += 1
        kept = os.path.join(self.root, TRASH, str(self.trash))
        os.rename(real, kept)
        return kept

    def cut(self):
        undone_files = 0
        for undo_entry in reversed(self.entries):
            undo_entry[1]()
        for ino, undo in self.undo.items():
            path = self.paths.get(ino)
            if path is None or not os.path.exists(path):
                continue
            with open(path, 'r+b') as f:
                for block, content in undo.blocks.items():
                    os.pwrite(f.fileno(), content, block * BLOCK)
                f.truncate(undo.size)
            undone_files += 1
        return undone_files, len(self.entries)

    # -- the passthrough ----------------------------------------------------------------------

    def getattr(self, path, fh=None):
        st = os.lstat(self.real(path))
        return {key: getattr(st, key) for key in ('st_atime', 'st_ctime', 'st_gid', 'st_mode', 'st_mtime', 'st_nlink', 'st_size', 'st_uid', 'st_ino')}

    def readdir(self, path, fh):
        return ['.', '..'] + [name for name in os.listdir(self.real(path)) if not (path == '/' and name == TRASH)]

    def access(self, path, mode):
        if not os.access(self.real(path), mode):
            raise FuseOSError(errno.EACCES)

    def chmod(self, path, mode):
        return os.chmod(self.real(path), mode)

    def chown(self, path, uid, gid):
        return os.chown(self.real(path), uid, gid)

    def utimens(self, path, times=None):
        return os.utime(self.real(path), times)

    def statfs(self, path):
        st = os.statvfs(self.real(path))
        return {key: getattr(st, key) for key in ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag', 'f_frsize', 'f_namemax')}

    def readlink(self, path):
        return os.readlink(self.real(path))

    def mkdir(self, path, mode):
        with self.mutex:
            real = self.real(path)
            os.mkdir(real, mode)
            self.note_entry([os.path.dirname(real)], lambda: os.path.isdir(real) and not os.listdir(real) and os.rmdir(real))

    def rmdir(self, path):
        with self.mutex:
            real = self.real(path)
            if self.mode != 'dirs':
                return os.rmdir(real)
            kept = self.to_trash(real)
            self.note_entry([os.path.dirname(real)], lambda: os.rename(kept, real))

    def unlink(self, path):
        with self.mutex:
            real = self.real(path)
            ino = os.lstat(real).st_ino
            if self.mode != 'dirs':
                # Gone for good: a file made later at this path (inodes are reused) is another.
                self.undo.pop(ino, None)
                self.paths.pop(ino, None)
                return os.unlink(real)
            kept = self.to_trash(real)
            self.paths[ino] = kept

            def back():
                os.rename(kept, real)
                self.paths[ino] = real

            self.note_entry([os.path.dirname(real)], back)

    def rename(self, old, new):
        with self.mutex:
            real_old, real_new = self.real(old), self.real(new)
            displaced = self.to_trash(real_new) if self.mode == 'dirs' and os.path.lexists(real_new) else None
            ino = os.lstat(real_old).st_ino
            os.rename(real_old, real_new)
            self.paths[ino] = real_new

            def back():
                os.rename(real_new, real_old)
                self.paths[ino] = real_old
                if displaced is not None:
                    os.rename(displaced, real_new)

            self.note_entry([os.path.dirname(real_old), os.path.dirname(real_new)], back)

    def open(self, path, flags):
        with self.mutex:
            # Read and write whatever was asked: a write first reads what it overwrites.
            access = os.O_RDWR if flags & os.O_ACCMODE == os.O_WRONLY else flags & os.O_ACCMODE
            fd = os.open(self.real(path), (flags & ~(os.O_TRUNC | os.O_ACCMODE)) | access)
            if flags & os.O_TRUNC:
                self.truncate(path, 0, fd)
            return fd

    def create(self, path, mode, fi=None):
        with self.mutex:
            real = self.real(path)
            fd = os.open(real, os.O_RDWR | os.O_CREAT | os.O_TRUNC, mode)
            ino = os.fstat(fd).st_ino
            self.paths[ino] = real
            # Nothing of it is on the disk until its first fsync: its size then was 0.
            self.undo.setdefault(ino, FileUndo(0))

            def gone():
                if os.path.lexists(real):
                    os.unlink(real)
                self.undo.pop(ino, None)

            self.note_entry([os.path.dirname(real)], gone)
            return fd

    def read(self, path, length, offset, fh):
        return os.pread(fh, length, offset)

    def write(self, path, data, offset, fh):
        with self.mutex:
            if self.mode != 'none':
                self.note_write(fh, path, offset, len(data))
            return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        with self.mutex:
            real = self.real(path)
            fd = os.open(real, os.O_RDWR) if fh is None else fh
            try:
                size = os.fstat(fd).st_size
                if self.mode != 'none':
                    self.note_write(fd, path, min(length, size), max(size - length, 0))
                os.ftruncate(fd, length)
            finally:
                if fh is None:
                    os.close(fd)

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        return os.close(fh)

    def fsync(self, path, datasync, fh):
        with self.mutex:
            os.fsync(fh)
            self.undo.pop(os.fstat(fh).st_ino, None)
        return 0

    def fsyncdir(self, path, datasync, fh):
        with self.mutex:
            real = self.real(path).rstrip('/') or self.root
            kept = []
            for parents, undo in self.entries:
                parents.discard(real)
                parents.discard(real + '/')
                if parents:
                    kept.append((parents, undo))
            self.entries = kept
        return 0


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ('files', 'dirs', 'none'):
        print('usage: cutfs.py BACKING MOUNTPOINT files|dirs|none', file=sys.stderr)
        sys.exit(2)
    root, mountpoint, mode = os.path.realpath(sys.argv[1]), sys.argv[2], sys.argv[3]
    fs = CutFS(root, mode)
    FUSE(fs, mountpoint, foreground=True, nothreads=False)
    if mode == 'none':
        print('cut: none', flush=True)
        return
    files, entries = fs.cut()
    made = f' (of {fs.entries_made} made)' if mode == 'dirs' else ''
    print(f'cut: {files} files rolled back to their last fsync, {entries} directory changes undone{made}', flush=True)


if __name__ == '__main__':
    main()
