import fs from 'node:fs';

/**
 * The few file calls the store makes, behind one seam: the real implementation below, and
 * createFaultyFileIO() for tests (fail the Nth write/fdatasync with EIO or ENOSPC, log call order).
 * Descriptors are plain numbers; writes and reads are positional.
 */
export interface FileIO {
  open(path: string, flags: number): Promise<number>;
  openSync(path: string, flags: number): number;
  write(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number>;
  writeSync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
  read(fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number>;
  readSync(fd: number, buf: Uint8Array, off: number, len: number, pos: number): number;
  fdatasync(fd: number): Promise<void>;
  ftruncate(fd: number, len: number): Promise<void>;
  fsize(fd: number): number;
  close(fd: number): Promise<void>;
  closeSync(fd: number): void;
  unlink(path: string): Promise<void>;
}

export const O_RDWR_CREATE = fs.constants.O_RDWR | fs.constants.O_CREAT;
export const O_RDWR = fs.constants.O_RDWR;

function cb<T>(fn: (done: (err: NodeJS.ErrnoException | null, v: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
}

export const realFileIO: FileIO = {
  open: (path, flags) => cb<number>((done) => fs.open(path, flags, 0o644, done)),
  openSync: (path, flags) => fs.openSync(path, flags, 0o644),
  write: (fd, buf, off, len, pos) => cb<number>((done) => fs.write(fd, buf, off, len, pos, done)),
  writeSync: (fd, buf, off, len, pos) => fs.writeSync(fd, buf, off, len, pos),
  read: (fd, buf, off, len, pos) => cb<number>((done) => fs.read(fd, buf, off, len, pos, done)),
  readSync: (fd, buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
  fdatasync: (fd) => cb<void>((done) => fs.fdatasync(fd, (e) => done(e, undefined))),
  ftruncate: (fd, len) => cb<void>((done) => fs.ftruncate(fd, len, (e) => done(e, undefined))),
  fsize: (fd) => fs.fstatSync(fd).size,
  close: (fd) => cb<void>((done) => fs.close(fd, (e) => done(e, undefined))),
  closeSync: (fd) => fs.closeSync(fd),
  unlink: (path) => cb<void>((done) => fs.unlink(path, (e) => done(e, undefined))),
};

/** Write all of `len` bytes (positional writes may be short). */
export async function writeFully(io: FileIO, fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<void> {
  let done = 0;
  while (done < len) {
    const n = await io.write(fd, buf, off + done, len - done, pos + done);
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    done += n;
  }
}

export function writeFullySync(io: FileIO, fd: number, buf: Uint8Array, off: number, len: number, pos: number): void {
  let done = 0;
  while (done < len) {
    const n = io.writeSync(fd, buf, off + done, len - done, pos + done);
    if (n <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    done += n;
  }
}

/** Read up to `len` bytes on this thread; returns how many were read (less only at end of file). */
export function readFullySync(io: FileIO, fd: number, buf: Uint8Array, off: number, len: number, pos: number): number {
  let done = 0;
  while (done < len) {
    const n = io.readSync(fd, buf, off + done, len - done, pos + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Read up to `len` bytes; returns how many were read (less only at end of file). */
export async function readFully(io: FileIO, fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> {
  let done = 0;
  while (done < len) {
    const n = await io.read(fd, buf, off + done, len - done, pos + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

// ── fault injection (tests) ─────────────────────────────────────────────────────────────────────

export type FaultOp = 'write' | 'fdatasync';

export interface Fault {
  readonly op: FaultOp;
  readonly code: 'EIO' | 'ENOSPC';
  /** Only calls on files whose path contains this text (e.g. 'commitlog'). */
  readonly pathIncludes?: string;
  /** Skip this many matching calls before failing. Default 0. */
  readonly after?: number;
  /** How many calls fail. Default 1. */
  readonly times?: number;
}

export interface IoEvent {
  readonly seq: number;
  readonly op: 'write' | 'fdatasync-start' | 'fdatasync-end' | 'fault';
  readonly path: string;
  readonly pos?: number;
  readonly len?: number;
}

export interface FaultyFileIO extends FileIO {
  inject(fault: Fault): void;
  /** Ordered call log (writes done, fdatasync start/end, injected faults). */
  readonly events: IoEvent[];
  /** Next sequence number (for callers stamping their own events in the same order). */
  tick(): number;
  clearFaults(): void;
}

export function createFaultyFileIO(base: FileIO = realFileIO): FaultyFileIO {
  const paths = new Map<number, string>();
  const faults: { f: Fault; seen: number; failed: number }[] = [];
  const events: IoEvent[] = [];
  let seq = 0;
  const tick = (): number => ++seq;
  const maybeFail = (op: FaultOp, fd: number): void => {
    const path = paths.get(fd) ?? '';
    for (const s of faults) {
      if (s.f.op !== op || (s.f.pathIncludes !== undefined && !path.includes(s.f.pathIncludes))) continue;
      if (s.failed >= (s.f.times ?? 1)) continue;
      s.seen++;
      if (s.seen <= (s.f.after ?? 0)) continue;
      s.failed++;
      events.push({ seq: tick(), op: 'fault', path });
      throw Object.assign(new Error(`${s.f.code}: injected ${op} failure`), { code: s.f.code });
    }
  };
  return {
    ...base,
    events,
    tick,
    inject: (f) => void faults.push({ f, seen: 0, failed: 0 }),
    clearFaults: () => void faults.splice(0),
    async open(path, flags) {
      const fd = await base.open(path, flags);
      paths.set(fd, path);
      return fd;
    },
    openSync(path, flags) {
      const fd = base.openSync(path, flags);
      paths.set(fd, path);
      return fd;
    },
    async write(fd, buf, off, len, pos) {
      maybeFail('write', fd);
      const n = await base.write(fd, buf, off, len, pos);
      events.push({ seq: tick(), op: 'write', path: paths.get(fd) ?? '', pos, len: n });
      return n;
    },
    writeSync(fd, buf, off, len, pos) {
      maybeFail('write', fd);
      const n = base.writeSync(fd, buf, off, len, pos);
      events.push({ seq: tick(), op: 'write', path: paths.get(fd) ?? '', pos, len: n });
      return n;
    },
    async fdatasync(fd) {
      const path = paths.get(fd) ?? '';
      events.push({ seq: tick(), op: 'fdatasync-start', path });
      maybeFail('fdatasync', fd);
      await base.fdatasync(fd);
      events.push({ seq: tick(), op: 'fdatasync-end', path });
    },
  };
}
