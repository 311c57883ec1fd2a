import fs from 'node:fs';
import { CometError } from '../../kernel/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The `lock` file holds the owner's pid while the store is open. A second open (another process,
 * or this one) fails with STORE_LOCKED; the lock of a dead process is taken over.
 */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(fs.readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new CometError('STORE_LOCKED', `store ${path} is locked by process ${pid}`, { details: { pid } });
    }
    fs.rmSync(path, { force: true });
  }
  throw new CometError('STORE_LOCKED', `could not take the store lock ${path}`);
}
